// `livepeer-ts gateway` as a separate process: prints its JSON line, answers the client API (503
// with go-livepeer's error shape when no orchestrator is configured), refuses a public bind without
// an auth token, and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnCli } from './cli-process.js';

describe('livepeer-ts gateway', () => {
  it('serves the client API on a free port and exits 0 on SIGTERM', async () => {
    // -v as go-livepeer's glog verbosity (6 = trace).
    const p = spawnCli(['gateway', '-httpAddr', '127.0.0.1:0', '-v', '6']);
    try {
      const info = JSON.parse(await p.firstLine()) as { url: string; address: string; offchain: boolean };
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.offchain, true);
      const res = await fetch(`${info.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { message: string; code: string; reason: string } };
      assert.equal(body.error.message, 'Service Unavailable Error');
      assert.equal(body.error.code, 'GW_NO_ORCHESTRATORS');
      assert.match(body.error.reason, /orchestrator/);
      assert.equal(await p.stop(), 0);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  it('refuses to listen beyond loopback without -authToken', async () => {
    const p = spawnCli(['gateway', '-httpAddr', '0.0.0.0:0'], { timeoutMs: 60_000 });
    assert.notEqual(await p.exited, 0);
    assert.match(p.stderr(), /auth token/);
  });
});
