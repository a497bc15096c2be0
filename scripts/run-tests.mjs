#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (through tsx), so the
// closing lines report how many tests ran, passed and failed. Extra args are passed through
// (e.g. `node scripts/run-tests.mjs src/pm` to run one folder).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = (roots.length ? roots : ['src', 'test']).flatMap((r) =>
  r.endsWith('.ts') ? [r] : collect(r, []),
).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Tests that start `livepeer-ts` as a process (bin/livepeer-ts.mjs) get the compiled dist/ when it
// is newer than every source file (npm test builds first): through tsx each start costs ~2.5 s of
// CPU to compile the CLI's modules, over a second without, and the suite starts well over a hundred.
// With a source newer than dist/ (an edit, no rebuild) they keep running the sources through tsx.
// Fresh = every source the build compiles has its output, no older than the source (the build is
// incremental: tsc rewrites only what changed, so the outputs' own times are compared one by one).
function distIsFresh(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (!distIsFresh(p, join(out, name))) return false;
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && name !== 'testkit.ts') {
      let built;
      try {
        built = statSync(join(out, `${name.slice(0, -3)}.js`)).mtimeMs;
      } catch {
        return false;
      }
      if (built < st.mtimeMs) return false;
    }
  }
  return true;
}
const distFresh = distIsFresh('src', 'dist');
const env = { ...process.env };
if (distFresh && env.LIVEPEER_TS_DIST === undefined) env.LIVEPEER_TS_DIST = '1';
console.error(`run-tests: livepeer-ts processes run ${env.LIVEPEER_TS_DIST === '1' ? 'dist/ (built from the current sources)' : 'the TypeScript sources through tsx (dist/ is older than src/)'}`);
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...flags, ...files],
  { stdio: 'inherit', env },
);
process.exit(res.status ?? 1);
