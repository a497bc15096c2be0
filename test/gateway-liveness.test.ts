// Liveness of the paid path with real processes on loopback (anvil devnet, orchestrator CLI
// processes, in-process gateways and orchestrators on real sockets): an orchestrator killed
// (SIGKILL) or hung (SIGSTOP: its connection stays open, only PINGs notice) in the middle of a job
// is answered for within 5 s — 503 when it was the only one, the job run by the next orchestrator
// when there is one. A client that goes away mid-job or mid-stream (with or without backpressure)
// has its job cancelled all the way down: within 1 s the runner request is aborted, the
// orchestrator's slot is free and the gateway's staged payment settled, with the money on both
// sides still matching exactly.
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, type Devnet } from '../src/eth/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { startGateway, type GatewayHandle, type StartGatewayOptions } from '../src/nodes/gateway/index.js';
import { spawnCli, type CliProcess } from './cli-process.js';
import { startHeldRunner, type HeldRunner } from './held-runner.js';

let dev: Devnet;
let dir: string;
let t2i: ReferenceRunner;
/** Image jobs that never finish (the killed orchestrators' runner, and the disconnect test's). */
let heldImage: HeldRunner;
let llmStream: HeldRunner;
/** The healthy orchestrator jobs fail over to. */
let healthy: Orchestrator;
/** The in-process orchestrator of the client-disconnect tests. */
let local: Orchestrator;
const procs = new Set<CliProcess>();
const gateways = new Set<GatewayHandle>();

const orchKey = (i: number) => dev.accounts.filter((a) => a.role === 'orchestrator')[i]!.privateKey;
const imageModel = (url: string, capacity = 4) => ({ pipeline: 'text-to-image', model_id: t2i.modelId, url, price_per_unit: 1000, pixels_per_unit: 1, warm: true, capacity });

/** An orchestrator CLI process (a real one, to be killed) whose image jobs hang at the runner. */
async function orchestratorProcess(index: number): Promise<{ p: CliProcess; url: string }> {
  const p = spawnCli(
    ['orchestrator', '-serviceAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', dev.rpcUrl, '-ethController', dev.controller, '-dataDir', join(dir, `proc-${index}`), '-aiModels', JSON.stringify([imageModel(heldImage.url)]), '-v', 'error'],
    { env: { LIVEPEER_TS_PRIVATE_KEY: orchKey(index) }, timeoutMs: 120_000 },
  );
  procs.add(p);
  try {
    return { p, url: (JSON.parse(await p.firstLine()) as { url: string }).url };
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
}

async function gateway(orchAddr: string[], extra: Partial<StartGatewayOptions> = {}): Promise<GatewayHandle> {
  const g = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr,
    maxPricePerUnit: '2000',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
    logLevel: 'silent',
    // The orchestrator that dies must be the one the job goes to first: a draw that always returns 0
    // takes the first qualifier in -orchAddr order (selection itself is tested elsewhere).
    rng: () => 0,
    ...extra,
  });
  gateways.add(g);
  return g;
}

async function closeGateway(g: GatewayHandle): Promise<void> {
  gateways.delete(g);
  await g.close();
}

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(5);
  }
}

/**
 * Waits until every orchestrator in `urls` qualifies in the gateway's view. On a loaded machine a
 * freshly started orchestrator process can answer GetOrchestrator after the fan-out's first
 * checkpoint; the job would then go to the other one, and the test would wait for nothing.
 */
async function qualified(g: GatewayHandle, urls: readonly string[], ms = 30_000): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    const t = await g.orchestrators('text-to-image', t2i.modelId);
    const missing = urls.filter((u) => t.orchestrators.find((r) => r.url === u)?.qualifies !== true);
    if (missing.length === 0) return;
    if (performance.now() > end) assert.fail(`${missing.join(', ')} did not qualify within ${ms} ms: ${JSON.stringify(t.orchestrators.map((r) => [r.url, r.qualifies]))}`);
    await sleep(50);
  }
}

const imageJob = (g: GatewayHandle, prompt: string) =>
  fetch(`${g.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt, width: 16, height: 16 }) }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
    at: performance.now(),
  }));

/** A client on its own connection, so destroying it is a disconnect. */
function rawPost(g: GatewayHandle, path: string, body: unknown): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const data = JSON.stringify(body);
  const req = request(`${g.url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  // Destroying the request rejects it: expected, not an unhandled rejection.
  response.catch(() => undefined);
  req.on('error', () => undefined);
  req.end(data);
  return { req, response };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lpts-liveness-'));
  dev = await startDevnet({ orchestrators: 4, gateways: 1 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  heldImage = await startHeldRunner({ mode: 'hold', pipeline: 'text-to-image' });
  llmStream = await startHeldRunner({ mode: 'llm-stream' });
  const common = { serviceAddr: '127.0.0.1:0', network: 'devnet', ethUrl: dev.rpcUrl, ethController: dev.controller, logLevel: 'silent' } as const;
  healthy = await startOrchestrator({ ...common, dataDir: join(dir, 'healthy'), ethPrivateKey: orchKey(2), aiModels: JSON.stringify([imageModel(t2i.url)]) });
  local = await startOrchestrator({
    ...common,
    dataDir: join(dir, 'local'),
    ethPrivateKey: orchKey(3),
    aiModels: JSON.stringify([
      imageModel(heldImage.url, 1),
      { pipeline: 'llm', model_id: llmStream.modelId, url: llmStream.url, price_per_unit: 1000, pixels_per_unit: 1, warm: true, capacity: 1 },
    ]),
  });
});

after(async () => {
  for (const g of gateways) await g.close();
  for (const p of procs) await p.stop('SIGKILL');
  await local?.close();
  await healthy?.close();
  for (const r of [t2i, heldImage, llmStream]) await r?.close();
  await dev?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an orchestrator that dies or hangs mid-job (devnet, orchestrator processes)', () => {
  it('SIGKILL with no other orchestrator: the client gets 503 within 5 s, the payment is settled', async () => {
    const o = await orchestratorProcess(0);
    const g = await gateway([o.url]);
    await qualified(g, [o.url]);
    const seen = heldImage.received();
    const answer = imageJob(g, 'killed mid-job');
    await until('the job reached the runner', () => heldImage.received() > seen, 30_000);
    const killedAt = performance.now();
    assert.equal(await o.p.stop('SIGKILL'), null);
    const r = await answer;
    assert.equal(r.status, 503, r.text);
    // How the death shows (a closed stream, a reset, a refused connect) is the kernel's timing; the
    // code is what the client decides on.
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'GW_NO_ORCHESTRATORS', r.text);
    assert.ok(r.at - killedAt < 5000, `answered ${Math.round(r.at - killedAt)} ms after the kill`);
    assert.equal(g.sizes().paymentsInFlight, 0);
    await closeGateway(g);
  });

  it('SIGKILL with a second orchestrator: the job is run there and answered 200 within 5 s', async () => {
    const o = await orchestratorProcess(1);
    const g = await gateway([o.url, healthy.url]);
    await qualified(g, [o.url, healthy.url]);
    const jobsBefore = healthy.stats().jobs['text-to-image'] ?? 0;
    const seen = heldImage.received();
    const answer = imageJob(g, 'killed, then elsewhere');
    await until('the job reached the runner', () => heldImage.received() > seen, 30_000);
    const killedAt = performance.now();
    await o.p.stop('SIGKILL');
    const r = await answer;
    assert.equal(r.status, 200, r.text);
    assert.match(JSON.parse(r.text).images[0].url, /^data:image\/png/);
    assert.ok(r.at - killedAt < 5000, `answered ${Math.round(r.at - killedAt)} ms after the kill`);
    assert.equal(healthy.stats().jobs['text-to-image'], jobsBefore + 1);
    assert.equal(g.stats().retries, 1);
    assert.equal(g.sizes().paymentsInFlight, 0);
    await closeGateway(g);
  });

  it('SIGSTOP (hung: the connection stays open, nothing answers): PINGs find it and the job is run elsewhere within 5 s', async () => {
    const o = await orchestratorProcess(0);
    const g = await gateway([o.url, healthy.url], { pingIntervalMs: 300, pingTimeoutMs: 700 });
    await qualified(g, [o.url, healthy.url]);
    const jobsBefore = healthy.stats().jobs['text-to-image'] ?? 0;
    const seen = heldImage.received();
    const answer = imageJob(g, 'hung mid-job');
    await until('the job reached the runner', () => heldImage.received() > seen, 30_000);
    const stoppedAt = performance.now();
    o.p.child.kill('SIGSTOP');
    try {
      const r = await answer;
      assert.equal(r.status, 200, r.text);
      assert.ok(r.at - stoppedAt < 5000, `answered ${Math.round(r.at - stoppedAt)} ms after the stop`);
      assert.equal(healthy.stats().jobs['text-to-image'], jobsBefore + 1);
    } finally {
      await o.p.stop('SIGKILL');
    }
    await closeGateway(g);
  });
});

describe('a client that goes away (in-process nodes on real sockets)', () => {
  let g: GatewayHandle;
  before(async () => {
    g = await gateway([local.url]);
  });

  /** Within 1 s: the runner request aborted, the slot free, the payment settled, nobody suspended. */
  async function cancelledEverywhere(runner: HeldRunner, abortedBefore: number, pipeline: string): Promise<void> {
    await until('runner request aborted, slot free, payment settled', () => runner.aborted() > abortedBefore && local.stats().inFlight === 0 && g.sizes().paymentsInFlight === 0, 1000);
    assert.equal(runner.aborted(), abortedBefore + 1);
    assert.ok((local.stats().aborted[pipeline] ?? 0) >= 1, `the orchestrator counted the ${pipeline} job cancelled`);
    assert.equal(g.sizes().suspended, 0, 'a client leaving is nobody\'s fault');
  }

  it('mid-job (no answer yet): the job is cancelled at the orchestrator and its runner', async () => {
    const seen = heldImage.received();
    const abortedBefore = heldImage.aborted();
    const { req } = rawPost(g, '/text-to-image', { prompt: 'left early', width: 16, height: 16 });
    await until('the job reached the runner', () => heldImage.received() > seen, 10_000);
    assert.equal(local.stats().inFlight, 1);
    assert.equal(g.sizes().paymentsInFlight, 1);
    req.destroy();
    await cancelledEverywhere(heldImage, abortedBefore, 'text-to-image');
  });

  for (const mode of ['reading', 'not reading (backpressure up to the runner)'] as const) {
    it(`mid-stream, ${mode}: the stream is cancelled down to the runner; the fee debited at its start is settled on both sides`, async () => {
      const before = local.stats();
      const s0 = g.stats().orchestrators[local.url];
      const abortedBefore = llmStream.aborted();
      const flood = mode !== 'reading';
      const { req, response } = rawPost(g, '/llm', { messages: [{ role: 'user', content: flood ? 'flood' : 'paced' }], max_tokens: 64, stream: true });
      const res = await response;
      assert.equal(res.statusCode, 200);
      res.on('error', () => undefined);
      await new Promise<void>((resolve) => res.once('data', () => resolve()));
      if (flood) {
        res.pause();
        await until('backpressure reached the runner', () => llmStream.blocked(), 10_000);
      } else {
        await sleep(100);
      }
      assert.equal(local.stats().inFlight, 1);
      req.destroy();
      await cancelledEverywhere(llmStream, abortedBefore, 'llm');
      // The orchestrator debited the job when its stream started; the gateway counts the same fee and
      // the same credit (nothing refused): the balance on both sides is exact.
      const now = local.stats();
      const s = g.stats().orchestrators[local.url]!;
      const ev = (x: typeof s | undefined) => (x ? x.ev.sub(x.refusedEv) : undefined);
      const fees = (x: typeof s | undefined) => x?.fees;
      const evSent = s0 ? ev(s)!.sub(ev(s0)!) : ev(s)!;
      const feesOwed = s0 ? fees(s)!.sub(fees(s0)!) : fees(s)!;
      assert.ok(now.evCredited.sub(before.evCredited).eq(evSent), `credited ${now.evCredited.sub(before.evCredited)} vs sent ${evSent}`);
      assert.ok(now.feesDebited.sub(before.feesDebited).eq(feesOwed), `debited ${now.feesDebited.sub(before.feesDebited)} vs owed ${feesOwed}`);
      assert.ok(feesOwed.gt(0n), 'the stream was paid for');
    });
  }
});
