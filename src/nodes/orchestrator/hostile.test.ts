// The orchestrator's AI routes against garbled or mismatched headers and deep JSON, over real
// TLS + HTTP/2 with a real reference runner (offchain: no chain needed for these refusals).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { Capability, aiJobCapabilities } from '../../market/index.js';
import { MemoryChainView, MemorySenderInfo } from '../../pm/index.js';
import { encodeSegmentHeader } from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { TestGateway, h2post } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const JSON_CT = { 'content-type': 'application/json' };
let dir: string;
let t2i: ReferenceRunner;
let llm: ReferenceRunner;
let orch: Orchestrator;
let gw: TestGateway;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-hostile-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  llm = await startReferenceRunner({ pipeline: 'llm' });
  const models = [
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true },
    { pipeline: 'llm', model_id: llm.modelId, url: llm.url },
  ];
  orch = await startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify(models), network: 'offchain', ethPrivateKey: KEY });
  gw = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'text-to-image', t2i.modelId);
  await gw.refresh();
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  await llm?.close();
  rmSync(dir, { recursive: true, force: true });
});

const body = JSON.stringify({ prompt: 'a cat', width: 8, height: 8 });
const unpad = (b64: string) => b64.replace(/=+$/, '');
/** The same message plus an unknown varint field 16000 = 0 (4 bytes) (ignored, unsigned) until its base64 needs '=' padding. */
function padded(b64: string): string {
  let bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 3 === 0) bytes = Buffer.concat([bytes, Buffer.from([0x80, 0xe8, 0x07, 0x00])]);
  const out = bytes.toString('base64');
  assert.match(out, /=$/);
  return out;
}

describe('orchestrator AI routes: hostile headers and bodies', () => {
  it('refuses unpadded base64 like Go StdEncoding: Livepeer-Payment 402, Livepeer-Segment 403', async () => {
    const h = await gw.headers(0);
    const seg = padded(h['livepeer-segment']!);
    const payment = padded(h['livepeer-payment']!);
    const good = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-segment': seg, 'livepeer-payment': payment });
    assert.equal(good.status, 200, `padded base64 with an unknown field is accepted: ${good.text}`);
    const badSeg = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-segment': unpad(seg) });
    assert.equal(badSeg.status, 403, badSeg.text);
    assert.match(badSeg.text, /not standard base64/);
    const badPayment = await h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-payment': unpad(payment) });
    assert.equal(badPayment.status, 402, badPayment.text);
    assert.match(badPayment.text, /not standard base64/);
    assert.equal(orch.stats().refusals.PAYMENT_INVALID, 1);
  });

  it("refuses segment credentials signed for another job's manifest, capability or model (403)", async () => {
    const h = await gw.headers(0);
    const send = async (seg: Parameters<TestGateway['segCreds']>[0]) =>
      h2post(orch.url, '/text-to-image', body, { ...JSON_CT, ...h, 'livepeer-segment': encodeSegmentHeader(await gw.segCreds(seg)) });
    const before = orch.stats().jobs['text-to-image'] ?? 0;
    const otherManifest = await send({ manifestId: `${Capability.LLM}_${llm.modelId}` });
    assert.equal(otherManifest.status, 403, otherManifest.text);
    assert.match(otherManifest.text, /manifest/);
    const randomManifest = await send({ manifestId: 'abc123' });
    assert.equal(randomManifest.status, 403);
    const llmCaps = capabilitiesToWire(aiJobCapabilities('llm', llm.modelId));
    const otherCap = await send({ capabilities: llmCaps });
    assert.equal(otherCap.status, 403, otherCap.text);
    // A body for another model under a manifest naming it, with credentials that list only ours.
    const otherModel = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat', model_id: 'some/other-model' }), {
      ...JSON_CT,
      ...h,
      'livepeer-segment': encodeSegmentHeader(await gw.segCreds({ manifestId: `${Capability.TextToImage}_some/other-model` })),
    });
    assert.equal(otherModel.status, 403, otherModel.text);
    assert.match(otherModel.text, /model/);
    assert.equal(orch.stats().refusals.SEGMENT_JOB_MISMATCH, 4);
    assert.equal(orch.stats().jobs['text-to-image'] ?? 0, before, 'no mismatched job ran');
    const ok = await send({});
    assert.equal(ok.status, 200, ok.text);
  });

  it('answers 400 to JSON nested deeper than 64 levels, before any header is looked at', async () => {
    const h = await gw.headers(0);
    const deep = `{"prompt":"a cat","width":8,"height":8,"extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const r = await h2post(orch.url, '/text-to-image', deep, { ...JSON_CT, ...h });
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /nested more than 64 levels/);
    // No headers at all: still the body's 400, not the payment's 402/403 (the body comes first).
    const bare = await h2post(orch.url, '/text-to-image', deep, JSON_CT);
    assert.equal(bare.status, 400);
    const okDepth = `{"prompt":"a cat","width":8,"height":8,"extra":${'['.repeat(60)}${']'.repeat(60)}}`;
    const ok = await h2post(orch.url, '/text-to-image', okDepth, { ...JSON_CT, ...h });
    assert.notEqual(ok.status, 400, ok.text);
    assert.notEqual(ok.status, 500, ok.text);
  });
});
