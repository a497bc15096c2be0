// Reads a V8 .cpuprofile (node --cpu-prof; `PAID_BENCH_PROF=<dir> npm run bench:paid` writes the
// gateway's and orchestrator's) and prints where the time went: the top functions by self time,
// by inclusive time (a sample counts once per function on its stack), and self time per package
// (node_modules/<pkg>, node: internals, or the repository's own folders).
//   node --import tsx bench/lib/profile-top.ts <file.cpuprofile> [rows=30] [filter]
// `filter` keeps only the inclusive rows whose name or location contains it.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, rowsArg, filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.ts <file.cpuprofile> [rows] [filter]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function where(f: CallFrame): string {
  const u = f.url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(u);
  const short = nm ? `${nm[1]}/${nm[2]}` : u.replace(/^.*?\/(src|bench|test)\//, '$1/');
  return short ? `${short}:${f.lineNumber + 1}` : '(native)';
}
function pkg(f: CallFrame): string {
  const u = f.url;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
  if (nm) return nm[1]!;
  // node:internal/http2/core → node:internal/http2: which part of node the time goes to.
  if (u.startsWith('node:')) return u.split('/').slice(0, u.startsWith('node:internal/') && u.split('/').length > 2 ? 2 : 1).join('/');
  const own = /\/(src\/[^/]+(?:\/[^/]+)?)\/[^/]+$/.exec(u);
  if (own) return own[1]!;
  return u === '' ? `(${f.functionName || 'native'})` : u;
}
const key = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${where(f)}`;

const self = new Map<string, number>();
const incl = new Map<string, number>();
const packages = new Map<string, number>();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  const leaf = byId.get(p.samples[i]!);
  if (!leaf) continue;
  total += dt;
  const name = leaf.callFrame.functionName;
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
    self.set(name, (self.get(name) ?? 0) + dt);
    packages.set(name, (packages.get(name) ?? 0) + dt);
    continue;
  }
  self.set(key(leaf.callFrame), (self.get(key(leaf.callFrame)) ?? 0) + dt);
  packages.set(pkg(leaf.callFrame), (packages.get(pkg(leaf.callFrame)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
    const k = key(byId.get(id)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + dt);
  }
}
const busy = total - (self.get('(idle)') ?? 0);
const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const top = (m: Map<string, number>, n: number, keep: (k: string) => boolean = () => true): string[] =>
  [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${ms(v)} ${pct(v)}  ${k}`);

console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms busy (percentages of busy)`);
console.log('\n-- self time by package --');
console.log(top(packages, rows, (k) => k !== '(idle)').join('\n'));
console.log('\n-- self time --');
console.log(top(self, rows, (k) => k !== '(idle)').join('\n'));
console.log('\n-- inclusive time --');
console.log(top(incl, rows, (k) => (filter ? k.includes(filter) : true)).join('\n'));
