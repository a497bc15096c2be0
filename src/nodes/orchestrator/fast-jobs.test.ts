// The raw HTTP/2 path of the JSON job routes (fast-jobs.ts) answers as the fastify route does: each
// request is sent over HTTP/1.1 (fastify's route, the reference) and over HTTP/2 (the raw stream),
// to one offchain orchestrator with real runners over TLS, and the two answers are compared —
// status, text and the headers a gateway reads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { MemoryChainView, MemorySenderInfo } from '../../pm/index.js';
import { h1open, h2open, type Answer } from '../common/testkit.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { TestGateway } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const MAX_BODY = 2048;
const IDLE_MS = 400;
let dir: string;
let t2i: ReferenceRunner;
let llm: ReferenceRunner;
let orch: Orchestrator;
let t2iGw: TestGateway;
let llmGw: TestGateway;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-fast-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  llm = await startReferenceRunner({ pipeline: 'llm' });
  const models = [
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true, capacity: 4 },
    { pipeline: 'llm', model_id: llm.modelId, url: llm.url, warm: true, capacity: 4 },
  ];
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir: dir,
    aiModels: JSON.stringify(models),
    network: 'offchain',
    ethPrivateKey: KEY,
    maxBodyBytes: MAX_BODY,
    bodyIdleTimeoutMs: IDLE_MS,
  });
  t2iGw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'text-to-image', t2i.modelId);
  llmGw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'llm', llm.modelId);
  await t2iGw.refresh();
  await llmGw.refresh();
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  await llm?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What a gateway reads of an answer. */
function seen(a: Answer): Record<string, unknown> {
  const h = (k: string) => a.headers[k];
  return {
    status: a.status,
    'content-type': h('content-type'),
    'cache-control': h('cache-control'),
    'livepeer-error-code': h('livepeer-error-code'),
    'livepeer-error-reason': h('livepeer-error-reason'),
    'x-content-type-options': h('x-content-type-options'),
    'retry-after': h('retry-after'),
    hasDate: typeof h('date') === 'string',
  };
}

/** The same request over HTTP/1.1 (fastify) and HTTP/2 (the raw path); `body` undefined sends nothing after the headers. */
async function both(path: string, headers: Record<string, string>, body: string | undefined): Promise<{ h1: Answer; h2: Answer }> {
  const r1 = h1open(orch.url, path, headers);
  const r2 = h2open(orch.url, path, headers);
  if (body !== undefined) {
    r1.end(body);
    r2.end(body);
  }
  try {
    return { h1: await r1.answer, h2: await r2.answer };
  } finally {
    r1.destroy();
    r2.destroy();
  }
}

async function same(path: string, headers: Record<string, string>, body: string | undefined, want: { status: number; code?: string }): Promise<{ h1: Answer; h2: Answer }> {
  const r = await both(path, headers, body);
  assert.equal(r.h2.status, want.status, `${path} ${body?.slice(0, 60)}: ${r.h2.text}`);
  if (want.code !== undefined) assert.equal(r.h2.headers['livepeer-error-code'], want.code);
  assert.deepEqual(seen(r.h2), seen(r.h1), `${path} ${body?.slice(0, 60)}`);
  if (want.status !== 200) assert.equal(r.h2.text, r.h1.text);
  return r;
}

const JSON_CT = { 'content-type': 'application/json' };
const t2iBody = JSON.stringify({ prompt: 'a cat', width: 8, height: 8 });
const llmBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: llm.modelId, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });

describe('orchestrator: the JSON job routes over HTTP/2 without fastify answer as fastify does', () => {
  it('paid jobs: text-to-image and llm (200 JSON, the runner answer relayed), a streaming llm (SSE), the charset form of the content type', async () => {
    const t = await same('/text-to-image', { ...JSON_CT, ...(await t2iGw.headers(0)) }, t2iBody, { status: 200 });
    assert.ok(Array.isArray((JSON.parse(t.h2.text) as { images: unknown }).images));
    const l = await same('/llm', { ...JSON_CT, ...(await llmGw.headers(0)) }, llmBody(), { status: 200 });
    assert.deepEqual(Object.keys(JSON.parse(l.h2.text) as object).sort(), Object.keys(JSON.parse(l.h1.text) as object).sort());
    const s = await same('/llm', { ...JSON_CT, ...(await llmGw.headers(0)) }, llmBody({ stream: true }), { status: 200 });
    assert.match(s.h2.text, /^data: \{/);
    assert.equal(s.h2.text.split('data: ').length, s.h1.text.split('data: ').length);
    await same('/llm', { 'content-type': 'application/json; charset=utf-8', ...(await llmGw.headers(0)) }, llmBody(), { status: 200 });
  });

  it("fastify's own body refusals: empty, not JSON, proto poisoning, too deep (400 BAD_REQUEST, its texts)", async () => {
    await same('/llm', JSON_CT, '', { status: 400, code: 'BAD_REQUEST' });
    await same('/llm', JSON_CT, '{"messages": [', { status: 400, code: 'BAD_REQUEST' });
    await same('/llm', JSON_CT, '{"__proto__": {"x": 1}, "messages": []}', { status: 400, code: 'BAD_REQUEST' });
    await same('/text-to-image', JSON_CT, `${'['.repeat(80)}${']'.repeat(80)}`, { status: 400, code: 'BAD_REQUEST' });
  });

  it('the job checks in their order: the body (400), Livepeer-Payment (402), Livepeer-Segment (403), then the units (400)', async () => {
    await same('/llm', JSON_CT, '[]', { status: 400, code: 'BAD_REQUEST' });
    await same('/llm', JSON_CT, JSON.stringify({ model: llm.modelId }), { status: 400, code: 'BAD_REQUEST' });
    await same('/llm', { ...JSON_CT, 'livepeer-payment': '%%%' }, llmBody(), { status: 402, code: 'PAYMENT_INVALID' });
    await same('/llm', JSON_CT, llmBody(), { status: 403, code: 'SEGMENT_INVALID' });
    // Credentials signed for the text-to-image job, sent with an llm job.
    await same('/llm', { ...JSON_CT, ...(await t2iGw.headers(0)) }, llmBody(), { status: 403, code: 'SEGMENT_JOB_MISMATCH' });
    const r = await same('/llm', { ...JSON_CT, ...(await llmGw.headers(0)) }, JSON.stringify({ model: llm.modelId, messages: [] }), { status: 400, code: 'BAD_REQUEST' });
    assert.equal(r.h2.headers['livepeer-error-reason'], 'MAX_TOKENS_MISSING');
  });

  it('body bounds: a declared or counted size above the route limit (413), a stalled body (408 idle)', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(MAX_BODY) });
    await same('/text-to-image', { ...JSON_CT, 'content-length': String(Buffer.byteLength(big)) }, big, { status: 413, code: 'REQUEST_TOO_LARGE' });
    // Counted: fastify words it its own way when the body was buffered before its hook ran (HTTP/1: in
    // the headers' packet), so only the status and code are compared; the raw path counts every byte.
    const counted = await both('/text-to-image', JSON_CT, big);
    for (const a of [counted.h1, counted.h2]) {
      assert.equal(a.status, 413);
      assert.equal(a.headers['livepeer-error-code'], 'REQUEST_TOO_LARGE');
    }
    assert.equal(counted.h2.text, `request body too large: more than ${MAX_BODY} bytes is above the /text-to-image limit of ${MAX_BODY}\n`);
    const r1 = h1open(orch.url, '/text-to-image', JSON_CT);
    const r2 = h2open(orch.url, '/text-to-image', JSON_CT);
    r1.write('{');
    r2.write('{');
    const [a1, a2] = [await r1.answer, await r2.answer];
    r1.destroy();
    r2.destroy();
    assert.equal(a2.status, 408);
    assert.equal(a2.headers['livepeer-error-reason'], 'idle');
    assert.deepEqual(seen(a2), seen(a1));
    assert.equal(a2.text, a1.text);
  });

  it('what the raw path does not take goes to fastify: other methods, paths with a query, other content types', async () => {
    const q = await both('/llm?x=1', JSON_CT, llmBody());
    assert.equal(q.h2.status, 403);
    assert.deepEqual(seen(q.h2), seen(q.h1));
    const mp = await both('/llm', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--\r\n');
    assert.equal(mp.h2.status, 400);
    assert.equal(mp.h2.text, mp.h1.text);
  });
});
