#!/usr/bin/env node
// `npm test`'s static checks: the type check (npm run typecheck) and the lint (npm run lint) at
// the same time. Each is one single-threaded process (~40 s and ~20 s on 2 cores), so side by side
// they take the longer one's time instead of the sum. Each one's output is printed whole when it
// ends (never interleaved), with its time; the exit code is non-zero when either fails.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The packages' own entry scripts (eslint's package exports do not include its bin).
const bin = (p) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));
const checks = [
  { name: 'typecheck', args: [bin('typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'lint', args: [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.'] },
];

const t0 = performance.now();
const results = await Promise.all(
  checks.map(
    (c) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, c.args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('error', (err) => {
          out += `${err.message}\n`;
        });
        child.on('close', (code, signal) => {
          const ok = code === 0;
          const secs = ((performance.now() - t0) / 1000).toFixed(1);
          process.stderr.write(`checks: ${c.name} ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${secs} s\n${out}`);
          resolve(ok);
        });
      }),
  ),
);
process.exit(results.every(Boolean) ? 0 : 1);
