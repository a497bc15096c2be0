// `livepeer-ts gateway` as a separate process: prints its JSON line, answers the client API (503
// with go-livepeer's error shape when no orchestrator is configured), refuses a public bind without
// an auth token, and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'livepeer-ts.mjs');

describe('livepeer-ts gateway', () => {
  it('serves the client API on a free port and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'gateway', '-httpAddr', '127.0.0.1:0', '-v', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    try {
      let buf = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf('\n');
          if (nl >= 0) resolve(buf.slice(0, nl));
        });
        child.once('exit', (code) => reject(new Error(`gateway exited early with ${code}`)));
      });
      const info = JSON.parse(line) as { url: string; address: string; offchain: boolean };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.offchain, true);
      const res = await fetch(`${info.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { message: string; code: string; reason: string } };
      assert.equal(body.error.message, 'Service Unavailable Error');
      assert.equal(body.error.code, 'GW_NO_ORCHESTRATORS');
      assert.match(body.error.reason, /orchestrator/);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses to listen beyond loopback without -authToken', async () => {
    const child = spawn(process.execPath, [bin, 'gateway', '-httpAddr', '0.0.0.0:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(killer);
    assert.notEqual(code, 0);
    assert.match(stderr, /auth token/);
  });
});
