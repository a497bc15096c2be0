// The gateway's failure policy by cause, with real processes on loopback (anvil devnet, our
// orchestrator, CPU reference runners; the llm runner a `livepeer-ts runner` process): the llm
// runner SIGKILLed takes out llm on that orchestrator only, and only until a runner is back at the
// same address; text-to-image on the same orchestrator keeps running throughout. A client's
// oversized or malformed job is answered 400 and suspends nothing: the next good job goes to the
// same orchestrator at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MODEL_IDS, startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, type Devnet } from '../src/eth/index.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';
import { spawnCli, type CliProcess } from './cli-process.js';

type Orch = Awaited<ReturnType<typeof startOrchestrator>>;

let dev: Devnet;
let t2i: ReferenceRunner;
let llm: CliProcess;
/** The llm runner's address as the orchestrator knows it: piped to whichever llm runner is up. */
let llmAddr: DeadPeer;
let orch: Orch;
let gw: GatewayHandle;
let dataDir: string;
const runnerProcs: CliProcess[] = [];

/** An llm reference runner in its own process; resolves with its port. */
async function llmRunnerProcess(): Promise<{ p: CliProcess; port: number }> {
  const p = spawnCli(['runner', '-pipeline', 'llm', '-port', '0'], { timeoutMs: 120_000 });
  runnerProcs.push(p);
  return { p, port: Number(new URL((JSON.parse(await p.firstLine()) as { url: string }).url).port) };
}

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
}
const llmJob = (q: string) => post('/llm', { messages: [{ role: 'user', content: q }], max_tokens: 8 });
const imageJob = (p: string) => post('/text-to-image', { prompt: p, width: 16, height: 16 });
const jobs = (pipeline: string) => orch.stats().jobs[pipeline] ?? 0;

before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  const first = await llmRunnerProcess();
  llm = first.p;
  llmAddr = await deadPeer();
  llmAddr.forwardTo(first.port);
  dataDir = mkdtempSync(join(tmpdir(), 'lpts-gw-backoff-'));
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir,
    aiModels: JSON.stringify([
      { pipeline: 'text-to-image', model_id: t2i.modelId, price_per_unit: 1000, pixels_per_unit: 1, warm: true, url: t2i.url, capacity: 4 },
      { pipeline: 'llm', model_id: DEFAULT_MODEL_IDS.llm, price_per_unit: 1000, pixels_per_unit: 1, warm: true, url: `http://${llmAddr.addr}`, capacity: 4 },
    ]),
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
    logLevel: 'silent',
  });
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr: orch.url,
    maxPricePerUnit: '2000',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
    logLevel: 'silent',
  });
});

after(async () => {
  await gw?.close();
  await orch?.close();
  await llmAddr?.close();
  await t2i?.close();
  for (const p of runnerProcs) await p.stop('SIGKILL');
  await dev?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('gateway failure policy by cause (devnet, real runners)', () => {
  it('both pipelines run on the one orchestrator', async () => {
    const a = await imageJob('warm up');
    assert.equal(a.status, 200, a.text);
    const b = await llmJob('warm up');
    assert.equal(b.status, 200, b.text);
  });

  it("a client's oversized job is answered 400 and suspends nothing: the next good job runs at once on the same orchestrator", async () => {
    for (const [path, bad, why, code] of [
      // Its fee is above what one payment may carry (tickets, -maxTotalEV): no ticket is sent.
      ['/llm', { messages: [{ role: 'user', content: 'huge' }], max_tokens: Number.MAX_SAFE_INTEGER }, /too large to pay for.*(max total ticket EV|tickets, above)/, 'GW_PAYMENT_TOO_LARGE'],
      // A 100000² image: 10^10 px. Payable within -maxTotalEV, but not in one payment at this
      // orchestrator's ticket EV (≈ 1260 tickets: Node's HTTP/2 client refused so large a header as
      // REFUSED_STREAM, which used to suspend the orchestrator).
      ['/text-to-image', { prompt: 'huge', width: 100_000, height: 100_000 }, /too large to pay for.*tickets, above the 471-ticket/, 'GW_PAYMENT_TOO_LARGE'],
      // The runner refuses it (sizes must be multiples of 8): the orchestrator answers RUNNER_REJECTED.
      ['/text-to-image', { prompt: 'odd size', width: 60, height: 60 }, /divisible by 8/, 'GW_BAD_REQUEST'],
    ] as const) {
      const r = await post(path, bad);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(bad)}: ${r.text}`);
      assert.match(r.text, why);
      assert.equal(gw.sizes().suspended, 0, 'no backoff recorded for anyone');
      assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, code);
      const before = jobs(path.slice(1));
      const t0 = performance.now();
      const ok = path === '/llm' ? await llmJob('after a bad one') : await imageJob('after a bad one');
      assert.equal(ok.status, 200, ok.text);
      assert.equal(jobs(path.slice(1)), before + 1, 'run by the same orchestrator');
      assert.ok(performance.now() - t0 < 5000, 'not held back');
    }
  });

  it('the llm runner killed: llm fails (503) while text-to-image keeps running on the same orchestrator; llm is back once a runner is', async () => {
    // The runner process dies: the connection through llmAddr now fails, the orchestrator answers RUNNER_UNAVAILABLE.
    assert.equal(await llm.stop('SIGKILL'), null);
    const down = await llmJob('runner is down');
    assert.equal(down.status, 503, down.text);
    // Backed off for llm: the next llm job is answered at once, naming the suspension, without a new attempt.
    const again = await llmJob('still down');
    assert.equal(again.status, 503, again.text);
    const imagesBefore = jobs('text-to-image');
    for (let i = 0; i < 3; i++) {
      const ok = await imageJob(`while llm is down ${i}`);
      assert.equal(ok.status, 200, ok.text);
    }
    assert.equal(jobs('text-to-image'), imagesBefore + 3, 'text-to-image still goes to the orchestrator whose llm runner is down');

    // A new llm runner at the same address: llm works again within the (short) backoff.
    const back = await llmRunnerProcess();
    llmAddr.forwardTo(back.port);
    const t0 = performance.now();
    let last = { status: 0, text: '' };
    while (performance.now() - t0 < 15_000) {
      last = await llmJob('runner is back');
      if (last.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(last.status, 200, `llm did not recover within 15 s: ${last.text}`);
    const recoveredMs = performance.now() - t0;
    // 1 s after the first fault, 2 s after the second: well under the old blanket 60 s.
    assert.ok(recoveredMs < 8000, `recovered after ${Math.round(recoveredMs)} ms`);
    const ok = await imageJob('after llm is back');
    assert.equal(ok.status, 200, ok.text);
  });
});
