// `livepeer-ts orchestrator` as a separate process (offchain): prints its JSON line, answers
// GetOrchestrator over gRPC/TLS, stops cleanly on SIGTERM; a malformed aiModels is a clear error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { createOrchestratorClient, createOrchestratorRequest } from '../src/wire/index.js';
import { spawnCli } from './cli-process.js';

const KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';

let runner: ReferenceRunner;
let dir: string;
before(async () => {
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  dir = mkdtempSync(join(tmpdir(), 'orch-cli-'));
});
after(async () => {
  await runner?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => spawnCli(['orchestrator', ...args], { env: { LIVEPEER_TS_PRIVATE_KEY: KEY }, timeoutMs: 90_000 });

describe('livepeer-ts orchestrator', () => {
  it('serves offchain, then stops on SIGTERM', async () => {
    const models = JSON.stringify([{ pipeline: 'text-to-image', model_id: runner.modelId, url: runner.url }]);
    // go-livepeer's flag shapes: -maxSessions auto, -autoAdjustPrice=false, -v=6 (glog verbosity → trace, on stderr).
    const p = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', models, '-network', 'offchain', '-maxSessions', 'auto', '-autoAdjustPrice=false', '-v=6']);
    const line = await p.firstLine();
    assert.ok(line, `no JSON line; stderr: ${p.stderr()}`);
    const info = JSON.parse(line) as { url: string; address: string };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.address.toLowerCase(), '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
    const c = createOrchestratorClient(info.url);
    const oi = await c.getOrchestrator(await createOrchestratorRequest(undefined, { address: info.address, sig: new Uint8Array(65) }));
    c.close();
    assert.equal(oi.transcoder, info.url);
    // The offchain OrchestratorInfo as go-livepeer sends it: no price, no params, a zero address.
    assert.equal(oi.priceInfo, undefined);
    assert.equal(oi.ticketParams, undefined);
    assert.deepEqual(oi.address, new Uint8Array(20));
    assert.match(p.stderr(), /orchestrator listening/);
    assert.ok(!p.stderr().includes(KEY.slice(2)), 'the key must never be logged');
    assert.equal(await p.stop(), 0);
  });

  it('refuses -maxSessions that go-livepeer refuses, and a -v that is no verbosity', async () => {
    const models = JSON.stringify([{ pipeline: 'text-to-image', model_id: runner.modelId, url: runner.url }]);
    const zero = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', models, '-maxSessions', '0']);
    assert.equal(await zero.exited, 2);
    assert.match(zero.stderr(), /-maxSessions must be 'auto' or greater than zero/);
    const loud = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', models, '-v', 'loud']);
    assert.equal(await loud.exited, 2);
    assert.match(loud.stderr(), /-v takes glog's verbosity/);
  });

  it('exits 1 naming the malformed aiModels entry', async () => {
    const p = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', '[{"pipeline":"text-to-image","model_id":"m","url":"http://127.0.0.1:1","capacity":"two"}]']);
    assert.equal(await p.exited, 1);
    assert.match(p.stderr(), /entry #0.*capacity/s);
  });
});
