// The gateway node offchain, against recording orchestrators (real gRPC + HTTP/2 TLS) in front of
// real reference runners: the client API, headers as go-livepeer sends them, the max-price filter
// (no job reaches an orchestrator above the max), failover, client errors, multipart, llm SSE.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deadPeer } from './dead-peer.js';
import { DEFAULT_MODEL_IDS, encodePng, encodeWav16, newImage, startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { Capability, fromBitstring } from '../src/market/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';

const KEYS = {
  cheap: `0x${'a1'.repeat(32)}`,
  pricey: `0x${'a2'.repeat(32)}`,
  broken: `0x${'a3'.repeat(32)}`,
  picky: `0x${'a4'.repeat(32)}`,
} as const;
const PIPELINES = ['text-to-image', 'image-to-image', 'llm', 'text-to-speech', 'audio-to-text'] as const;

const runners: ReferenceRunner[] = [];
const runnerUrls: Record<string, string> = {};
const models: Record<string, string> = {};
let cheap: FakeOrchestrator;
let pricey: FakeOrchestrator;
let broken: FakeOrchestrator;
let picky: FakeOrchestrator;
let goRunner400: FakeOrchestrator;
let stale: FakeOrchestrator;
let gw: GatewayHandle;
const gateways: GatewayHandle[] = [];
/**
 * These tests are about what the gateway does with each kind of failure, so the orchestrator under
 * test must be the one tried first: a draw that always returns 0 takes the first qualifier, in
 * -orchAddr order (selection itself is tested in src/market/selection and test/gateway-market).
 */
const firstInOrder = (): number => 0;

async function post(g: GatewayHandle, path: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${g.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

function png(width: number, height: number): Buffer {
  const img = newImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) & 0xff;
  return encodePng(img);
}

before(async () => {
  for (const p of PIPELINES) {
    const r = await startReferenceRunner({ pipeline: p });
    runners.push(r);
    runnerUrls[p] = r.url;
    models[p] = r.modelId;
  }
  const common = { runners: runnerUrls, models };
  cheap = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.cheap });
  pricey = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 10n, pixelsPerUnit: 1n }, privateKey: KEYS.pricey });
  broken = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 1n, pixelsPerUnit: 2n }, privateKey: KEYS.broken, failWith: { status: 500, message: 'runner exploded' } });
  picky = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.picky, failWith: { status: 400, message: 'width must be a multiple of 8' } });
  // A go-livepeer orchestrator passing on its runner's 400 (ai/worker/worker.go text, answered as 500, no code).
  // A go-livepeer orchestrator that refuses every payment as "TicketParams expired" (pm/recipient.go, 400).
  stale = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.picky, failWith: { status: 400, message: 'TicketParams expired\n' } });
  goRunner400 = await startFakeOrchestrator({ ...common, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.picky, failWith: { status: 500, message: 'text-to-image container returned 400: image expired\n' } });
  // pricey first: the first responsive orchestrator is skipped because of its price.
  gw = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [pricey.url, cheap.url], maxPricePerUnit: '5', logLevel: 'silent', rng: firstInOrder });
  gateways.push(gw);
});

after(async () => {
  for (const g of gateways) await g.close();
  for (const o of [cheap, pricey, broken, picky, goRunner400, stale]) await o?.close();
  for (const r of runners) await r.close();
});

describe('gateway client API (offchain)', () => {
  it('text-to-image: default model, go-livepeer headers, units × price, never the orchestrator above the max', async () => {
    const before = cheap.jobs.length;
    const r = await post(gw, '/text-to-image', { prompt: 'a red ticket', width: 64, height: 32 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(Array.isArray(r.json.images) && r.json.images.length === 1);
    assert.equal(cheap.jobs.length, before + 1);
    assert.equal(pricey.jobs.length, 0, 'the orchestrator above -maxPricePerUnit never gets a job');
    assert.ok(pricey.discoveries >= 1, 'it was asked for its price');
    const job = cheap.jobs.at(-1)!;
    assert.equal(job.authorization, 'Livepeer-AI-Worker-1.0');
    assert.equal(JSON.parse(job.body.toString()).model_id, DEFAULT_MODEL_IDS['text-to-image']);
    assert.equal(new TextDecoder().decode(job.seg.manifestId), `${Capability.TextToImage}_${DEFAULT_MODEL_IDS['text-to-image']}`);
    assert.ok(job.seg.authToken, 'segment credentials carry the auth token');
    assert.ok(fromBitstring(job.seg.capabilities?.bitstring ?? []).has(Capability.TextToImage));
    assert.equal(job.payment.sender, gw.address);
    assert.equal(job.payment.tickets.length, 0, 'offchain: no tickets');
    assert.equal(job.payment.expectedPrice?.pricePerUnit, 1n);
    const s = gw.stats();
    assert.equal(s.jobs.byPipeline['text-to-image']?.ok, 1);
    assert.equal(s.jobs.byPipeline['text-to-image']?.units, 64n * 32n);
    assert.ok(s.jobs.byPipeline['text-to-image']?.fees.isZero(), 'offchain: zero price');
    assert.equal(s.refusals.GW_PRICE_TOO_HIGH, 1);
    assert.equal(s.tickets.sent, 0);
  });

  it('image-to-image: multipart upload of a PNG, units = input width × height', async () => {
    const form = new FormData();
    form.append('prompt', 'make it blue');
    form.append('image', new Blob([new Uint8Array(png(40, 24))], { type: 'image/png' }), 'in.png');
    const res = await fetch(`${gw.url}/image-to-image`, { method: 'POST', body: form });
    const json = (await res.json()) as { images: { url: string }[] };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(json.images.length, 1);
    const job = cheap.jobs.at(-1)!;
    assert.equal(job.pipeline, 'image-to-image');
    assert.match(job.contentType, /^multipart\/form-data; boundary=/);
    assert.equal(gw.stats().jobs.byPipeline['image-to-image']?.units, 40n * 24n);
  });

  it('audio-to-text: units are whole seconds of the uploaded WAV × 1000 (as go-livepeer)', async () => {
    const form = new FormData();
    form.append('audio', new Blob([new Uint8Array(encodeWav16(new Float32Array(8000 * 3 / 2), 8000))], { type: 'audio/wav' }), 'a.wav');
    const res = await fetch(`${gw.url}/audio-to-text`, { method: 'POST', body: form });
    const json = (await res.json()) as { text: string };
    assert.equal(res.status, 200, JSON.stringify(json));
    assert.equal(typeof json.text, 'string');
    assert.equal(gw.stats().jobs.byPipeline['audio-to-text']?.units, 1000n); // 1.5 s → 1 s
  });

  it('text-to-speech: 1000 units per code point (the orchestrator side definition)', async () => {
    const r = await post(gw, '/text-to-speech', { text: 'héllo 👋' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(r.json.audio.url);
    assert.equal(gw.stats().jobs.byPipeline['text-to-speech']?.units, 7000n);
  });

  it('llm: JSON answer, and SSE streaming passed through', async () => {
    const r = await post(gw, '/llm', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.ok(r.json.choices[0].message.content.length > 0);

    const res = await fetch(`${gw.url}/llm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'stream please' }], max_tokens: 30, stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await res.text();
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.ok(events.length >= 2, text);
    const chunks = events.filter((e) => e !== '[DONE]').map((e) => JSON.parse(e) as { choices: { finish_reason: string }[] });
    assert.ok(chunks.some((c) => c.choices[0]?.finish_reason), 'a chunk carries finish_reason');
    const llm = gw.stats().jobs.byPipeline.llm!;
    assert.equal(llm.ok, 2);
    assert.equal(llm.units, 50n);
    assert.ok(llm.fees.isZero());
  });

  it('bad client requests answer 400 {"error":{"message"}} and reach no orchestrator', async () => {
    const before = cheap.jobs.length;
    const r = await post(gw, '/text-to-image', { width: 64 });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /prompt/);
    const form = new FormData();
    form.append('prompt', 'x');
    form.append('image', new Blob([new Uint8Array([1, 2, 3])]), 'x.png');
    const res = await fetch(`${gw.url}/image-to-image`, { method: 'POST', body: form });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /PNG/);
    assert.equal(cheap.jobs.length, before);
  });

  it('503 "Service Unavailable Error" when no orchestrator is within the max price; none gets a job', async () => {
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [pricey.url, cheap.url], maxPricePerUnit: '1', pixelsPerUnit: '2', logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const before = cheap.jobs.length;
    const r = await post(g, '/text-to-image', { prompt: 'too cheap a gateway' });
    assert.equal(r.status, 503);
    const err = (r.json as { error: { message: string; code: string; reason: string } }).error;
    assert.equal(err.message, 'Service Unavailable Error', "go-livepeer's message, for clients that match on it");
    assert.equal(err.code, 'GW_NO_ORCHESTRATORS');
    assert.match(err.reason, /price/, 'the reason names the price as the cause');
    assert.equal(cheap.jobs.length, before);
    assert.equal(pricey.jobs.length, 0);
    assert.equal(g.stats().refusals.GW_PRICE_TOO_HIGH, 2);
    assert.equal(g.stats().jobs.failed, 1);
  });

  it('503 names the real cause when the only orchestrator is suspended (not "within the max price")', async () => {
    const failing = await startFakeOrchestrator({ runners: runnerUrls, models, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.broken, failWith: { status: 500, message: 'runner exploded' } });
    after(() => failing.close());
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [failing.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const first = await post(g, '/text-to-image', { prompt: 'fails and suspends', width: 16, height: 16 });
    assert.equal(first.status, 503);
    const r = await post(g, '/text-to-image', { prompt: 'only a suspended one left', width: 16, height: 16 });
    assert.equal(r.status, 503);
    const err = (r.json as { error: { code: string; reason: string } }).error;
    assert.equal(err.code, 'GW_NO_ORCHESTRATORS');
    assert.match(err.reason, /suspended/);
    assert.doesNotMatch(err.reason, /price/);
  });

  it('fails over to the next orchestrator on 5xx and on an unreachable one, and suspends the failed one', async () => {
    const dead = await deadPeer();
    after(() => dead.close());
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [dead.addr, broken.url, cheap.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const before = cheap.jobs.length;
    const r = await post(g, '/text-to-image', { prompt: 'first try fails', width: 16, height: 16 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(broken.jobs.length, 1);
    assert.equal(cheap.jobs.length, before + 1);
    const r2 = await post(g, '/text-to-image', { prompt: 'suspended one is skipped', width: 16, height: 16 });
    assert.equal(r2.status, 200);
    assert.equal(broken.jobs.length, 1, 'the failed orchestrator is suspended');
    const s = g.stats();
    assert.equal(s.jobs.ok, 2);
    assert.equal(s.retries, 1);
    assert.equal(s.orchestrators[broken.url]?.failed, 1);
    assert.equal(s.refusals.GW_ORCH_SERVER, 1);
    assert.equal(s.refusals.GW_DISCOVERY_FAILED, 1);
  });

  it("returns the orchestrator's 4xx about the request to the client without retrying", async () => {
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [picky.url, cheap.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const before = cheap.jobs.length;
    const r = await post(g, '/text-to-image', { prompt: 'odd size', width: 17 });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /multiple of 8/);
    assert.equal(picky.jobs.length, 1);
    assert.equal(cheap.jobs.length, before, 'not retried elsewhere');
  });

  it('a go-livepeer orchestrator whose runner said 400 ("image expired"): the client gets 400, the orchestrator is not suspended', async () => {
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [goRunner400.url, cheap.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const before = cheap.jobs.length;
    for (let i = 1; i <= 2; i++) {
      const r = await post(g, '/text-to-image', { prompt: `expired ${i}`, width: 16, height: 16 });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.error.message, /image expired/);
      assert.equal(goRunner400.jobs.length, i, 'still selected: not suspended');
    }
    assert.equal(cheap.jobs.length, before, 'not retried elsewhere');
    assert.equal(g.stats().refusals.GW_ORCH_CLIENT, 2);
  });

  it('"TicketParams expired": fresh params from the same orchestrator (bounded), then another one; not suspended', async () => {
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [stale.url, cheap.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const discoveries = stale.discoveries;
    const r = await post(g, '/text-to-image', { prompt: 'stale params', width: 16, height: 16 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(stale.jobs.length, 3, 'the first try and two refreshed ones');
    assert.equal(stale.discoveries - discoveries, 3, 'a new GetOrchestrator before each retry');
    assert.equal(g.stats().refusals.GW_ORCH_PARAMS_EXPIRED, 3);
    const again = await post(g, '/text-to-image', { prompt: 'still selectable', width: 16, height: 16 });
    assert.equal(again.status, 200);
    assert.equal(stale.jobs.length, 6, 'not suspended: the next job tries it first again (and refreshes twice)');
  });

  it('a refused payment (403): another orchestrator runs the job; the refusing one is not suspended but asked for a fresh session', async () => {
    const refusing = await startFakeOrchestrator({ runners: runnerUrls, models, price: { pricePerUnit: 1n, pixelsPerUnit: 1n }, privateKey: KEYS.picky, failWith: { status: 403, message: 'Could not verify auth token\n' } });
    after(() => refusing.close());
    const g = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: [refusing.url, cheap.url], logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    for (let i = 1; i <= 2; i++) {
      const r = await post(g, '/text-to-image', { prompt: `refused ${i}`, width: 16, height: 16 });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(refusing.jobs.length, i, 'tried first again: not suspended');
      assert.equal(refusing.discoveries, i, 'a new GetOrchestrator after the refusal');
    }
    assert.equal(g.stats().refusals.GW_ORCH_PAYMENT, 2);
  });

  it('needs an auth token to listen beyond loopback, and then checks it', async () => {
    await assert.rejects(startGateway({ httpAddr: '0.0.0.0:0', orchAddr: cheap.url, logLevel: 'silent', rng: firstInOrder }), /auth token/);
    const g = await startGateway({ httpAddr: '0.0.0.0:0', orchAddr: cheap.url, authToken: 'letmein', logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    const denied = await post(g, '/text-to-image', { prompt: 'x' });
    assert.equal(denied.status, 401);
    const res = await fetch(`${g.url}/text-to-image`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer letmein' },
      body: JSON.stringify({ prompt: 'x', width: 8, height: 8 }),
    });
    assert.equal(res.status, 200);
    assert.equal(g.stats().jobs.ok, 1);
  });

  it('answers 400 to a 5k-deep JSON body before choosing or paying an orchestrator', async () => {
    const before = cheap.jobs.length;
    const deep = `{"prompt":"x","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /nested more than 64 levels/);
    assert.equal(cheap.jobs.length, before);
  });

  it('binds -httpAddr localhost as 127.0.0.1 itself (no hosts-file lookup) and needs no token there', async () => {
    const g = await startGateway({ httpAddr: 'localhost:0', orchAddr: cheap.url, logLevel: 'silent', rng: firstInOrder });
    gateways.push(g);
    assert.match(g.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await post(g, '/text-to-image', { prompt: 'loopback by rule', width: 8, height: 8 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
});
