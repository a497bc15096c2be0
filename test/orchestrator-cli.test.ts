// `livepeer-ts orchestrator` as a separate process (offchain): prints its JSON line, answers
// GetOrchestrator over gRPC/TLS, stops cleanly on SIGTERM; a malformed aiModels is a clear error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { createOrchestratorClient, createOrchestratorRequest } from '../src/wire/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'livepeer-ts.mjs');
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

function run(args: string[]) {
  const child = spawn(process.execPath, [bin, 'orchestrator', ...args], {
    env: { ...process.env, LIVEPEER_TS_PRIVATE_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    return code as number | null;
  });
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('livepeer-ts orchestrator', () => {
  it('serves offchain, then stops on SIGTERM', async () => {
    const models = JSON.stringify([{ pipeline: 'text-to-image', model_id: runner.modelId, url: runner.url }]);
    const p = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', models, '-network', 'offchain', '-v', '0']);
    let line = '';
    for (let i = 0; i < 600 && !line; i++) {
      const nl = p.out().indexOf('\n');
      if (nl >= 0) line = p.out().slice(0, nl);
      else await Promise.race([new Promise((r) => setTimeout(r, 100)), p.exited]);
      if (p.child.exitCode !== null) break;
    }
    assert.ok(line, `no JSON line; stderr: ${p.err()}`);
    const info = JSON.parse(line) as { url: string; address: string };
    assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.address.toLowerCase(), '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
    const c = createOrchestratorClient(info.url);
    const oi = await c.getOrchestrator(await createOrchestratorRequest(undefined, { address: info.address, sig: new Uint8Array(65) }));
    c.close();
    assert.equal(oi.transcoder, info.url);
    assert.ok(!p.err().includes(KEY.slice(2)), 'the key must never be logged');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
  });

  it('exits 1 naming the malformed aiModels entry', async () => {
    const p = run(['-serviceAddr', '127.0.0.1:0', '-dataDir', dir, '-aiModels', '[{"pipeline":"text-to-image","model_id":"m","url":"http://127.0.0.1:1","capacity":"two"}]']);
    assert.equal(await p.exited, 1);
    assert.match(p.err(), /entry #0.*capacity/s);
  });
});
