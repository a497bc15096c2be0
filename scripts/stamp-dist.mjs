#!/usr/bin/env node
// Runs right after `tsc -p tsconfig.build.json` succeeded. tsc's incremental build does not rewrite
// an output whose source changed back to (or was touched with) content it already compiled, so such
// an output keeps an mtime older than its source although it is current. run-tests.mjs decides by
// mtimes whether test-started CLI processes may run dist/; this marks every output tsc just
// confirmed as current with the time of this build, so that decision is not fooled.
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

let stamped = 0;
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      walk(p, join(out, name));
      continue;
    }
    if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
    const built = join(out, `${name.slice(0, -3)}.js`);
    let b;
    try {
      b = statSync(built);
    } catch {
      continue; // not part of the build (testkits)
    }
    if (b.mtimeMs < st.mtimeMs) {
      const now = new Date();
      utimesSync(built, now, now);
      stamped++;
    }
  }
}
walk('src', 'dist');
if (stamped > 0) console.error(`stamp-dist: ${stamped} current output(s) were older than their sources; marked current`);
