// Whether dist/ holds the current sources (the same test as scripts/run-tests.mjs: every source the
// build compiles has its output, no older than the source), so a bench that runs its nodes from
// dist/ (LIVEPEER_TS_DIST=1, node-child.ts) does not measure yesterday's code.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function fresh(dir: string, out: string): boolean {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (!fresh(p, join(out, name))) return false;
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && name !== 'testkit.ts') {
      let built: number;
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

export function distIsFresh(): boolean {
  return fresh(join(REPO, 'src'), join(REPO, 'dist'));
}

/** What the bench's nodes run, checked: throws when LIVEPEER_TS_DIST=1 asks for a dist/ older than src/. */
export function nodesCode(): string {
  if (process.env.LIVEPEER_TS_DIST !== '1') return 'the sources through tsx (LIVEPEER_TS_DIST=1: the compiled dist/)';
  if (!distIsFresh()) throw new Error('LIVEPEER_TS_DIST=1 but dist/ is older than src/: run `npm run build` first');
  return 'the compiled dist/ (as installed)';
}
