#!/usr/bin/env node
// Entry point for `livepeer-ts` / `npx livepeer-ts`. An installed package runs the compiled
// JavaScript in dist/ (no TypeScript tooling at run time). In a source checkout with tsx installed
// (a developer's clone), the TypeScript sources run directly through tsx, so an edit takes effect
// without a rebuild; LIVEPEER_TS_DIST=1 forces dist/ there too.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
let main;
if (process.env.LIVEPEER_TS_DIST !== '1' && existsSync(new URL('src/cli/main.ts', root))) {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    // no tsx (e.g. installed without dev dependencies): fall through to dist/
  }
  if (register) {
    register();
    ({ main } = await import('../src/cli/main.ts'));
  }
}
if (!main) {
  if (!existsSync(new URL('dist/cli/main.js', root))) {
    console.error('livepeer-ts: dist/ is missing; run `npm run build` (or `npm install`, which builds)');
    process.exit(1);
  }
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
