// Offchain orchestrator (no chain): real TLS + HTTP/2, real gRPC, real reference runners.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { AiModelsConfigError } from '../../market/index.js';
import { MemoryChainView, MemorySenderInfo } from '../../pm/index.js';
import { createOrchestratorClient, createOrchestratorRequest, encodeSegmentHeader, PingPongSchema, verifyPing } from '../../wire/index.js';
import { create } from '@bufbuild/protobuf';
import { OrchestratorConfigError } from './errors.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { TestGateway, h2post, multipart, pngOf, wavOf } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
let dir: string;
let t2i: ReferenceRunner;
let llm: ReferenceRunner;
let i2t: ReferenceRunner;
let a2t: ReferenceRunner;
let orch: Orchestrator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-off-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  llm = await startReferenceRunner({ pipeline: 'llm' });
  i2t = await startReferenceRunner({ pipeline: 'image-to-text' });
  a2t = await startReferenceRunner({ pipeline: 'audio-to-text' });
  const models = [
    { pipeline: 'image-to-text', model_id: i2t.modelId, url: i2t.url },
    { pipeline: 'audio-to-text', model_id: a2t.modelId, url: a2t.url },
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true },
    { pipeline: 'llm', model_id: llm.modelId, url: llm.url, capacity: 2 },
  ];
  orch = await startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify(models), network: 'offchain', ethPrivateKey: KEY });
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  await llm?.close();
  await i2t?.close();
  await a2t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('offchain orchestrator', () => {
  it('answers GetOrchestrator with transcoder URL, capabilities, auth token and no ticket params; signs Ping', async () => {
    const gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'text-to-image', t2i.modelId);
    const info = await gw.refresh();
    assert.equal(info.transcoder, orch.url);
    // go-livepeer offchain: no Recipient and no account → no ticket params, no price_info, no
    // capabilities_prices, a zero address (20 zero bytes); capabilities and an auth token as on chain.
    assert.equal(info.ticketParams, undefined);
    assert.equal(info.priceInfo, undefined);
    assert.deepEqual(info.address, new Uint8Array(20));
    assert.deepEqual(info.capabilitiesPrices, []);
    assert.ok(info.authToken && info.authToken.token.length === 32 && info.authToken.sessionId.length > 0);
    const validFor = Number(info.authToken.expiration) - Date.now() / 1000;
    assert.ok(validFor > 29 * 60 && validFor <= 30 * 60 + 1, `auth token valid for ${validFor} s`);
    assert.equal(info.capabilities?.constraints?.PerCapability[27]?.models[t2i.modelId]?.capacity, 1);
    const c = createOrchestratorClient(orch.url);
    const value = new Uint8Array([1, 2, 3]);
    const pong = await c.ping(create(PingPongSchema, { value }));
    verifyPing(value, pong.value, orch.address!);
    // An unsigned (garbage-signed) request is fine offchain.
    const req = await createOrchestratorRequest(undefined, { address: orch.address!, sig: new Uint8Array(65) });
    const bare = await c.getOrchestrator(req);
    assert.equal(bare.transcoder, orch.url);
    assert.equal(bare.priceInfo, undefined);
    assert.deepEqual(bare.capabilitiesPrices, []);
    c.close();
  });

  it('runs free jobs without payment; still checks the auth token (403)', async () => {
    const gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'text-to-image', t2i.modelId);
    await gw.refresh();
    const seg = await gw.headers(0);
    const r = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat', width: 64, height: 64 }), {
      'content-type': 'application/json',
      'livepeer-segment': seg['livepeer-segment']!,
    });
    assert.equal(r.status, 200, r.text);
    assert.match(JSON.parse(r.text).images[0].url, /^data:image\/png;base64,/);
    const noSeg = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat' }), { 'content-type': 'application/json' });
    assert.equal(noSeg.status, 403);
    assert.match(noSeg.text, /missing Livepeer-Segment/);
    const noToken = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat' }), {
      'content-type': 'application/json',
      'livepeer-segment': encodeSegmentHeader(await gw.segCreds({ authToken: false })),
    });
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /missing auth token/);
    const s = orch.stats();
    assert.equal(s.jobs['text-to-image'], 1);
    assert.equal(s.units['text-to-image'], 64n * 64n);
    assert.equal(s.refusals.AUTH_TOKEN, 1);
    assert.equal(s.refusals.SEGMENT_INVALID, 1);
    assert.equal(s.inFlight, 0);
  });

  it('streams llm as SSE and answers JSON otherwise', async () => {
    const gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'llm', llm.modelId);
    await gw.refresh();
    const h = await gw.headers(0);
    const body = { messages: [{ role: 'user', content: 'hello there' }], model: llm.modelId, max_tokens: 16 };
    const j = await h2post(orch.url, '/llm', JSON.stringify(body), { 'content-type': 'application/json', ...h });
    assert.equal(j.status, 200, j.text);
    assert.ok(JSON.parse(j.text).choices[0].message.content.length > 0);
    const s = await h2post(orch.url, '/llm', JSON.stringify({ ...body, stream: true }), { 'content-type': 'application/json', ...h });
    assert.equal(s.status, 200, s.text);
    assert.match(String(s.headers['content-type']), /text\/event-stream/);
    assert.match(s.text, /^data: \{/);
    // go-livepeer's orchestrator: every frame a chunk with a choice, ending at the finish_reason, no [DONE]
    const frames = s.text.split('\n\n').filter(Boolean).map((f) => JSON.parse(f.replace(/^data: /, '')) as { choices: { finish_reason: string }[] });
    assert.ok(frames.every((f) => f.choices.length > 0));
    assert.ok(frames.at(-1)!.choices[0]!.finish_reason);
    assert.doesNotMatch(s.text, /\[DONE\]/);
    assert.equal(orch.stats().inFlight, 0);
    assert.equal(orch.stats().units.llm, 32n);
  });

  it('takes multipart jobs and counts their units from the media (PNG size, WAV whole seconds)', async () => {
    const gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'image-to-text', i2t.modelId);
    await gw.refresh();
    const h = await gw.headers(0);
    const img = await multipart({ prompt: 'what is it' }, { image: { data: pngOf(40, 30), type: 'image/png', name: 'a.png' } });
    const r = await h2post(orch.url, '/image-to-text', img.body, { 'content-type': img.contentType, ...h });
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof JSON.parse(r.text).text, 'string');
    assert.equal(orch.stats().units['image-to-text'], 1200n);
    const audio = await multipart({}, { audio: { data: wavOf(1.5), type: 'audio/wav', name: 'a.wav' } });
    // Credentials are signed per job (manifest "<capability>_<model>"): audio-to-text needs its own.
    const a2tGw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'audio-to-text', a2t.modelId);
    await a2tGw.refresh();
    const r2 = await h2post(orch.url, '/audio-to-text', audio.body, { 'content-type': audio.contentType, ...(await a2tGw.headers(0)) });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(orch.stats().units['audio-to-text'], 1000n); // 1.5 s bills 1 whole second, as go-livepeer
    const notPng = await multipart({}, { image: { data: new Uint8Array([1, 2, 3]), type: 'image/png', name: 'x.png' } });
    const r3 = await h2post(orch.url, '/image-to-text', notPng.body, { 'content-type': notPng.contentType, ...h });
    assert.equal(r3.status, 400);
  });

  it('refuses a bad body with 400 plain text', async () => {
    const r = await h2post(orch.url, '/text-to-image', '{"prompt":', { 'content-type': 'application/json' });
    assert.equal(r.status, 400);
    const r2 = await h2post(orch.url, '/upscale', '{}', { 'content-type': 'application/json' });
    assert.equal(r2.status, 400);
    assert.match(r2.text, /multipart/);
  });
});

describe('-maxSessions counts transcoding sessions, not AI jobs (go-livepeer)', () => {
  it('runs more AI jobs than -maxSessions and keeps answering GetOrchestrator while every slot is busy', async () => {
    const held: ServerResponse[] = [];
    let arrived: () => void = () => {};
    const stalled = createServer((req, res) => {
      req.resume();
      if (req.method !== 'POST') return void res.writeHead(404).end();
      held.push(res);
      arrived();
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const runnerUrl = `http://127.0.0.1:${(stalled.address() as { port: number }).port}`;
    const busy = await startOrchestrator({
      serviceAddr: '127.0.0.1:0',
      dataDir: join(dir, 'busy'),
      aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: 'slow', url: runnerUrl, capacity: 2 }]),
      network: 'offchain',
      maxSessions: 1,
    });
    try {
      const gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), busy.url, 'text-to-image', 'slow');
      await gw.refresh();
      const h = { 'content-type': 'application/json', ...(await gw.headers(0)) };
      const body = JSON.stringify({ prompt: 'a cat', model_id: 'slow', width: 64, height: 64 });
      const bothHeld = new Promise<void>((r) => (arrived = () => held.length === 2 && r()));
      const jobs = [h2post(busy.url, '/text-to-image', body, h), h2post(busy.url, '/text-to-image', body, h)];
      await bothHeld;
      assert.equal(busy.stats().inFlight, 2);
      // Busy: still discovered (a Go gateway would otherwise drop it), advertising 0 free slots.
      const info = await gw.refresh();
      assert.equal(info.transcoder, busy.url);
      const m = info.capabilities?.constraints?.PerCapability[27]?.models.slow;
      assert.deepEqual([m?.capacity, m?.capacityInUse], [0, 2]);
      const third = await h2post(busy.url, '/text-to-image', body, h);
      assert.equal(third.status, 503);
      assert.match(third.text, /insufficient capacity/);
      for (const r of held) r.writeHead(500, { 'content-type': 'application/json' }).end('{"detail":{"msg":"stopped by the test"}}');
      await Promise.all(jobs);
      assert.equal(busy.stats().inFlight, 0);
    } finally {
      for (const r of held) r.destroy();
      await busy.close();
      await new Promise<void>((r) => stalled.close(() => r()));
    }
  });
});

describe('startup errors', () => {
  it('names the malformed aiModels entry', async () => {
    const bad = join(dir, 'aiModels.json');
    writeFileSync(bad, JSON.stringify([{ pipeline: 'text-to-image', model_id: 'm', url: 'http://127.0.0.1:1' }, { pipeline: 'no-such-pipeline', model_id: 'x' }]));
    await assert.rejects(startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: bad }), (e: Error) => {
      assert.ok(e instanceof AiModelsConfigError, e.message);
      assert.match(e.message, /#1|no-such-pipeline/);
      return true;
    });
    await assert.rejects(
      startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify([{ pipeline: 'llm', model_id: 'x' }]) }),
      (e: Error) => e instanceof OrchestratorConfigError && /entry #0 \(llm x\).*url/.test(e.message),
    );
    await assert.rejects(
      startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: 'llm:x:true', network: 'arbitrum-one-mainnet' }),
      (e: Error) => e instanceof OrchestratorConfigError && /-ethUrl/.test(e.message),
    );
  });
});
