// Our gateway paying our orchestrator on the devnet, with real reference runners: paid jobs over
// several pipelines through the client API (JSON, multipart, llm SSE); the EV the orchestrator
// credits equals the EV the gateway sent, and fees debited equal units × price, exactly; an
// orchestrator above the gateway's max price gets no job; a failing orchestrator (runner down) is
// failed over to the next one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePng, newImage, startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, type Devnet } from '../src/eth/index.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';
import { Rat } from '../src/money/index.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { Forwarder } from '../src/nodes/gateway/forward.js';

type Orch = Awaited<ReturnType<typeof startOrchestrator>>;
const PIPELINES = ['text-to-image', 'image-to-image', 'llm', 'text-to-speech'] as const;

let dev: Devnet;
const runners: Record<string, ReferenceRunner> = {};
const orchs: Orch[] = [];
const dirs: string[] = [];
let cheap: Orch;
let pricey: Orch;
let down: Orch;
let deadRunner: DeadPeer;
let gw: GatewayHandle;

function aiModels(price: bigint, runnerUrl: (p: string) => string): string {
  return JSON.stringify(
    PIPELINES.map((p) => ({ pipeline: p, model_id: runners[p]!.modelId, price_per_unit: Number(price), pixels_per_unit: 1, warm: true, url: runnerUrl(p), capacity: 4 })),
  );
}

async function orchestrator(index: number, price: bigint, runnerUrl: (p: string) => string): Promise<Orch> {
  const acct = dev.accounts.filter((a) => a.role === 'orchestrator')[index]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'lpts-gw-orch-'));
  dirs.push(dataDir);
  const o = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir,
    aiModels: aiModels(price, runnerUrl),
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: acct.privateKey,
    logLevel: 'silent',
  });
  orchs.push(o);
  return o;
}

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

before(async () => {
  dev = await startDevnet({ orchestrators: 3, gateways: 1 });
  for (const p of PIPELINES) runners[p] = await startReferenceRunner({ pipeline: p });
  deadRunner = await deadPeer();
  down = await orchestrator(0, 1_000_000n, () => `http://${deadRunner.addr}`);
  pricey = await orchestrator(1, 5_000_000n, (p) => runners[p]!.url);
  cheap = await orchestrator(2, 2_000_000n, (p) => runners[p]!.url);
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    // Order matters: the runner-less one first (fails over), then the one above the max price.
    orchAddr: [down.url, pricey.url, cheap.url],
    maxPricePerUnit: '3000000',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
    logLevel: 'silent',
  });
});

after(async () => {
  await gw?.close();
  await deadRunner?.close();
  for (const o of orchs) await o.close();
  for (const r of Object.values(runners)) await r.close();
  await dev?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('gateway → orchestrator (devnet, real runners)', () => {
  it('offchain gateway and offchain orchestrator: jobs run without tickets', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lpts-gw-orch-'));
    dirs.push(dataDir);
    const o = await startOrchestrator({
      serviceAddr: '127.0.0.1:0',
      dataDir,
      aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: runners['text-to-image']!.modelId, url: runners['text-to-image']!.url, warm: true }]),
      logLevel: 'silent',
    });
    orchs.push(o);
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: o.url, logLevel: 'silent' });
    try {
      const r = await fetch(`${g.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'free', width: 8, height: 8 }) });
      assert.equal(r.status, 200, await r.text());
      assert.equal(o.stats().jobs['text-to-image'], 1);
      assert.equal(g.stats().tickets.sent, 0);
    } finally {
      await g.close();
    }
  });

  it('runs paid jobs over four pipelines; EV and fees match on both sides exactly', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await postJson('/text-to-image', { prompt: `t2i ${i}`, width: 64, height: 64 });
      assert.equal(r.status, 200, await r.text());
      const img = newImage(32, 16);
      const form = new FormData();
      form.append('prompt', `i2i ${i}`);
      form.append('image', new Blob([new Uint8Array(encodePng(img))], { type: 'image/png' }), 'in.png');
      const r2 = await fetch(`${gw.url}/image-to-image`, { method: 'POST', body: form });
      assert.equal(r2.status, 200, await r2.text());
      const r3 = await postJson('/text-to-speech', { text: `say ${i}` });
      assert.equal(r3.status, 200, await r3.text());
      const r4 = await postJson('/llm', { messages: [{ role: 'user', content: `q ${i}` }], max_tokens: 16 });
      assert.equal(r4.status, 200, await r4.text());
    }
    const s = gw.stats();
    const o = cheap.stats();
    assert.equal(s.jobs.ok, 12);
    assert.ok(s.tickets.sent > 0);
    assert.ok(o.evCredited.eq(s.orchestrators[cheap.url]!.ev.sub(s.orchestrators[cheap.url]!.refusedEv)), `orchestrator credited ${o.evCredited}, gateway sent ${s.orchestrators[cheap.url]!.ev}`);
    assert.ok(o.feesDebited.eq(s.orchestrators[cheap.url]!.fees), `debited ${o.feesDebited}, gateway owes ${s.orchestrators[cheap.url]!.fees}`);
    for (const p of PIPELINES) assert.equal(o.units[p], s.jobs.byPipeline[p]!.units, `${p} units`);
  });

  it('concurrent jobs beyond the orchestrator capacity wait for a slot; credit still matches exactly', async () => {
    const okBefore = gw.stats().jobs.ok;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postJson('/text-to-image', { prompt: `burst ${i}`, width: 32, height: 32 }).then(async (r) => [r.status, await r.text()] as const)),
    );
    for (const [status, text] of results) assert.equal(status, 200, text);
    const s = gw.stats();
    assert.equal(s.jobs.ok - okBefore, 12);
    assert.ok(cheap.stats().evCredited.eq(s.orchestrators[cheap.url]!.ev.sub(s.orchestrators[cheap.url]!.refusedEv)), 'credited = sent − refused (busy)');
    assert.ok(cheap.stats().feesDebited.eq(s.orchestrators[cheap.url]!.fees));
  });

  it('never sends a job to the orchestrator above the max price', () => {
    assert.equal(Object.values(pricey.stats().jobs).reduce((a, b) => a + b, 0), 0);
    assert.equal(pricey.stats().tickets.received, 0);
    assert.ok((gw.stats().refusals.GW_PRICE_TOO_HIGH ?? 0) >= 1);
  });

  it('failed over from the orchestrator whose runner is down (503) to the next one', () => {
    const s = gw.stats();
    assert.ok((s.orchestrators[down.url]?.failed ?? 0) >= 1);
    assert.ok(s.retries >= 1);
    assert.equal(down.stats().inFlight, 0, 'its capacity slot was released');
    // The runner-less orchestrator credited the tickets before the runner failed (go-livepeer's
    // order), so all the EV the gateway did not count as refused is credited somewhere, exactly.
    const credited = orchs.reduce((acc, o) => acc.add(o.stats().evCredited), Rat.ZERO);
    assert.ok(credited.eq(s.tickets.ev.sub(s.tickets.refusedEv)), `credited ${credited}, sent ${s.tickets.ev} − refused ${s.tickets.refusedEv}`);
  });

  it('a runner 4xx goes back to the client as 400; the healthy orchestrator is not suspended and keeps the credit', async () => {
    const failedBefore = gw.stats().orchestrators[cheap.url]?.failed ?? 0;
    const refusedBefore = gw.stats().tickets.refusedEv;
    // The reference runner refuses sizes that are not multiples of 8 (ai-runner's 400); the orchestrator
    // ran the payment first, so it answers RUNNER_REJECTED in Livepeer-Error-Code.
    const bad = await postJson('/text-to-image', { prompt: 'bad size', width: 60, height: 60 });
    assert.equal(bad.status, 400, await bad.clone().text());
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /divisible by 8/);
    const s = gw.stats();
    assert.equal(s.orchestrators[cheap.url]?.failed, failedBefore + 1);
    assert.ok(s.tickets.refusedEv.eq(refusedBefore), 'the tickets sent were counted as credited, not refused');
    // Not suspended: the next job goes to the same orchestrator at once.
    const jobsBefore = cheap.stats().jobs['text-to-image'] ?? 0;
    const ok = await postJson('/text-to-image', { prompt: 'good size', width: 64, height: 64 });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal(cheap.stats().jobs['text-to-image'], jobsBefore + 1);
    const credited = orchs.reduce((acc, o) => acc.add(o.stats().evCredited), Rat.ZERO);
    const g = gw.stats();
    assert.ok(credited.eq(g.tickets.ev.sub(g.tickets.refusedEv)), `credited ${credited}, sent ${g.tickets.ev} − refused ${g.tickets.refusedEv}`);
  });

  it('the orchestrator answers refusals with go-livepeer\'s status and text, and the code in Livepeer-Error-Code', async () => {
    const f = new Forwarder({ connectTimeoutMs: 3000, requestTimeoutMs: 10_000 });
    try {
      const res = await f.post(`${cheap.url}/text-to-image`, { 'content-type': 'application/json' }, new TextEncoder().encode('{"prompt":"no payment"}'));
      const text = await res.text();
      assert.equal(res.status, 402);
      assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
      assert.ok(text.endsWith('\n') && !text.startsWith('{'), 'plain text, as go-livepeer http.Error');
      assert.equal(res.headers['livepeer-error-code'], 'PAYMENT_INVALID');
      assert.equal(res.headers['livepeer-error-reason'], 'WIRE_MISSING_HEADER');
    } finally {
      f.close();
    }
  });

  it('streams llm answers (SSE) through both nodes and pays for them', async () => {
    const before = cheap.stats().units.llm ?? 0n;
    const r = await postJson('/llm', { messages: [{ role: 'user', content: 'stream' }], max_tokens: 24, stream: true });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await r.text();
    assert.match(text, /finish_reason/);
    assert.equal((cheap.stats().units.llm ?? 0n) - before, 24n);
    const s = gw.stats();
    assert.ok(cheap.stats().evCredited.eq(s.orchestrators[cheap.url]!.ev.sub(s.orchestrators[cheap.url]!.refusedEv)));
    assert.ok(cheap.stats().feesDebited.eq(s.orchestrators[cheap.url]!.fees));
  });
});
