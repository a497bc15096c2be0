// `livepeer-ts gateway` as a separate process: prints its JSON line, answers the client API (503
// with go-livepeer's error shape when no orchestrator is configured), refuses a public bind without
// an auth token, and exits 0 on SIGTERM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startReferenceRunner } from '../src/ai/index.js';
import { spawnCli } from './cli-process.js';
import { startFakeOrchestrator } from './gateway-fake-orchestrator.js';

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

  it('gateway orchestrators prints the market table of a running gateway process', async () => {
    const runner = await startReferenceRunner({ pipeline: 'text-to-image' });
    const cheap = await startFakeOrchestrator({ runners: { 'text-to-image': runner.url }, models: { 'text-to-image': runner.modelId }, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: `0x${'e1'.repeat(32)}` });
    const dear = await startFakeOrchestrator({ runners: { 'text-to-image': runner.url }, models: { 'text-to-image': runner.modelId }, price: { pricePerUnit: 9n, pixelsPerUnit: 1n }, privateKey: `0x${'e2'.repeat(32)}` });
    const gw = spawnCli(['gateway', '-httpAddr', '127.0.0.1:0', '-orchAddr', `${cheap.url},${dear.url}`, '-maxPricePerUnit', '5', '-selectLatencyBand', '10000']);
    try {
      const { url } = JSON.parse(await gw.firstLine()) as { url: string };
      const table = spawnCli(['gateway', 'orchestrators', '-httpAddr', url, '-pipeline', 'text-to-image']);
      assert.equal(await table.exited, 0, table.stderr());
      const out = table.stdout();
      const line = (u: string) => out.split('\n').find((l) => l.startsWith(u)) ?? '';
      assert.match(line(cheap.url), /\byes\b\s+1\.000$/, out);
      assert.match(line(dear.url), /price-above-max/, out);
      assert.match(out, /max price: 5 wei\/unit/);
      const json = spawnCli(['gateway', 'orchestrators', '-httpAddr', url, '-pipeline', 'text-to-image', '-json']);
      assert.equal(await json.exited, 0);
      const t = JSON.parse(json.stdout()) as { weights: { latencyBandMs: number }; orchestrators: { url: string; qualifies: unknown }[] };
      assert.equal(t.weights.latencyBandMs, 10000, '-selectLatencyBand reached the gateway');
      assert.equal(t.orchestrators.length, 2);
      const missing = spawnCli(['gateway', 'orchestrators', '-httpAddr', url]);
      assert.notEqual(await missing.exited, 0);
      assert.match(missing.stderr(), /-pipeline is required/);
    } finally {
      await gw.stop('SIGKILL');
      await cheap.close();
      await dear.close();
      await runner.close();
    }
  });
});
