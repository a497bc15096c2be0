// The layering rule, checked on the sources instead of trusted to review: a folder of src/ imports
// only the folders below it (docs/architecture.md's table), and only through their index.ts.
// Tests, testkits and benchmarks may reach anywhere; this checks what ships.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** What each folder may import (besides itself). `errors` is open to all. */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  money: ['errors'],
  pm: ['money', 'errors'],
  eth: ['money', 'pm', 'errors'],
  wire: ['money', 'pm', 'errors'],
  store: ['money', 'pm', 'errors'],
  market: ['money', 'pm', 'wire', 'eth', 'errors'],
  billing: ['money', 'pm', 'wire', 'store', 'errors'],
  media: ['errors'],
  settlement: ['money', 'pm', 'eth', 'store', 'errors'],
  ai: ['media', 'wire', 'errors'],
  signer: ['money', 'pm', 'eth', 'wire', 'store', 'market', 'billing', 'errors'],
  nodes: ['errors', 'money', 'pm', 'eth', 'wire', 'store', 'market', 'billing', 'media', 'settlement', 'ai', 'signer'],
  cli: ['errors', 'money', 'pm', 'eth', 'wire', 'store', 'market', 'billing', 'media', 'settlement', 'ai', 'signer', 'nodes'],
  web: ['errors', 'nodes'],
};
/** src/index.ts, the SDK root, re-exports the SDK surfaces. */
const ROOT_INDEX_ALLOWED = ['money', 'pm', 'wire', 'market'];

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'gen') sources(p, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'testkit.ts' && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative import specifiers of a module (static imports and exports; dynamic import() too). */
export function relativeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)) out.push((m[1] ?? m[2])!);
  return out;
}

/** A folder's index.ts; src/nodes is a set of nodes, each with its own (nodes/gateway/index.ts …). */
function isPublicSurface(folder: string, path: string): boolean {
  if (path === 'index.js') return true;
  return folder === 'nodes' && /^[a-z-]+[/\\]index\.js$/.test(path);
}

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes(sep) ? rel.split(sep)[0]! : '';
}

describe('layers', () => {
  const files = sources(SRC);
  const folders = new Set(files.map(folderOf).filter(Boolean));

  it('every folder of src/ is in the layer table', () => {
    for (const f of folders) assert.ok(f in ALLOWED, `src/${f} is not in the layer table (test/layers.test.ts, docs/architecture.md)`);
  });

  it('the import scanner sees static, re-export and dynamic imports', () => {
    const text = "import { a } from './a.js';\nimport type { B } from '../money/index.js';\nexport * from './c.js';\nconst m = await import('../pm/index.js');";
    assert.deepEqual(relativeImports(text), ['./a.js', '../money/index.js', './c.js', '../pm/index.js']);
  });

  for (const folder of [...folders].sort()) {
    it(`src/${folder} imports only what sits below it, through index.ts`, () => {
      const problems: string[] = [];
      for (const file of files.filter((f) => folderOf(f) === folder)) {
        for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(SRC + sep)) continue; // e.g. ../../package.json
          const to = folderOf(target);
          if (to === folder || to === '') continue;
          const where = `${relative(SRC, file)} → ${spec}`;
          if (!ALLOWED[folder]?.includes(to)) problems.push(`${where}: src/${folder} may not import src/${to}`);
          else if (!isPublicSurface(to, relative(join(SRC, to), target))) problems.push(`${where}: import src/${to} through its index.ts`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }

  it('src/index.ts (the SDK root) re-exports only the SDK surfaces', () => {
    const specs = relativeImports(readFileSync(join(SRC, 'index.ts'), 'utf8'));
    assert.deepEqual(specs.map((s) => s.split('/')[1]).sort(), [...ROOT_INDEX_ALLOWED].sort());
  });
});
