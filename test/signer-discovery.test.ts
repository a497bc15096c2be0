// GET /discover-orchestrators (-remoteDiscovery) on a signer node over real gRPC orchestrators
// (TLS + HTTP/2 on loopback, GetOrchestrator only): go-livepeer's JSON, the price filter of the
// capabilities, ?caps=, the answer as soon as the first GetOrchestrator round has one (a slow
// orchestrator does not hold it up), last-good entries kept when an orchestrator fails, 503 "cache
// empty" only before anything answered, and the signer's own signature on the requests. The
// gateway's remote-signer discovery source (src/market) reads the answer as a real consumer.
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import Fastify from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Http2SecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteSignerSource } from '../src/market/index.js';
import { trackConnections } from '../src/nodes/common/index.js';
import { SignerNodeConfigError, startSignerNode } from '../src/nodes/signer/index.js';
import { CapabilitiesSchema, OrchestratorInfoSchema, PriceInfoSchema, ensureTlsCert, orchestratorServerOptions, registerOrchestratorService, verifyOrchestratorRequest, type OrchestratorInfo } from '../src/wire/index.js';
import { call, stubSigner } from './signer-testkit.js';

const LV2V = 35;
const T2I = 27;

interface TestOrch {
  url: string;
  /** What GetOrchestrator does next. */
  mode: 'ok' | 'fail';
  delayMs: number;
  requests: { sender: string; ignoreCapacityCheck: boolean }[];
  info: (url: string) => OrchestratorInfo;
  close(): Promise<void>;
}

async function startOrch(dir: string, info: (url: string) => OrchestratorInfo): Promise<TestOrch> {
  const tls = await ensureTlsCert(dir);
  const app = Fastify({ ...orchestratorServerOptions(tls), logger: false });
  const conns = trackConnections(app.server as unknown as Http2SecureServer);
  const o: TestOrch = {
    url: '',
    mode: 'ok',
    delayMs: 0,
    requests: [],
    info,
    async close() {
      const c = app.close();
      conns.closeAll(200);
      await c;
    },
  };
  await registerOrchestratorService(app, {
    async getOrchestrator(req) {
      o.requests.push({ sender: verifyOrchestratorRequest(req), ignoreCapacityCheck: req.ignoreCapacityCheck });
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      if (o.mode === 'fail') throw new Error('orchestrator down');
      return o.info(o.url);
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  o.url = `https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return o;
}

/** An OrchestratorInfo pricing `models` (capability → model ids) at a global price, with per-model prices. */
function infoWith(url: string, models: Record<number, string[]>, price: [bigint, bigint], perModel: { capability: number; constraint: string; price: [bigint, bigint] }[] = []): OrchestratorInfo {
  return create(OrchestratorInfoSchema, {
    transcoder: url,
    priceInfo: create(PriceInfoSchema, { pricePerUnit: price[0], pixelsPerUnit: price[1] }),
    capabilitiesPrices: perModel.map((p) => create(PriceInfoSchema, { capability: p.capability, constraint: p.constraint, pricePerUnit: p.price[0], pixelsPerUnit: p.price[1] })),
    capabilities: create(CapabilitiesSchema, {
      constraints: { PerCapability: Object.fromEntries(Object.entries(models).map(([cap, ids]) => [cap, { models: Object.fromEntries(ids.map((id) => [id, {}])) }])) },
    }),
  });
}

/** Polls until `n` orchestrators are listed (the first answer comes at the first checkpoint with any; the rest land after). */
async function listed(url: string, n: number): Promise<{ address: string }[]> {
  let got: { address: string }[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await call(url, '/discover-orchestrators', { method: 'GET' });
    got = r.status === 200 ? r.json<{ address: string }[]>() : [];
    if (got.length >= n) return got;
    await new Promise((res) => setTimeout(res, 100));
  }
  return got;
}

const SIGNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'; // anvil's account 1 (the test signer's key)

describe('signer node: /discover-orchestrators', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signer-disc-'));
  let a: TestOrch;
  let b: TestOrch;
  let c: TestOrch;
  before(async () => {
    // a: lv2v m1 at 10 wei/px and text-to-image sd; m2 priced per model at 1000 (above the 100 max for lv2v).
    a = await startOrch(dir, (url) => infoWith(url, { [LV2V]: ['m1', 'm2'], [T2I]: ['sd'] }, [10n, 1n], [{ capability: LV2V, constraint: 'm2', price: [1000n, 1n] }]));
    // b: lv2v m1 only, 50/2 = 25 wei/px.
    b = await startOrch(dir, (url) => infoWith(url, { [LV2V]: ['m1'] }, [50n, 2n]));
    // c: priced above every max: never listed.
    c = await startOrch(dir, (url) => infoWith(url, { [LV2V]: ['m1'] }, [101n, 1n]));
  });
  after(async () => {
    await Promise.all([a.close(), b.close(), c.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const limits = { maxPricePerUnit: '100', maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"text-to-image","model_id":"sd","price_per_unit":20}]}' };

  it('answers go-livepeer\'s JSON: service URI, score 1, the capabilities priced within the max, sorted; ?caps= filters (OR, exact)', async () => {
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', remoteDiscovery: true, orchAddr: [a.url, b.url, c.url].join(','), priceLimits: limits, service: await stubSigner() });
    try {
      assert.equal((await listed(node.url, 2)).length, 2);
      const r = await call(node.url, '/discover-orchestrators', { method: 'GET' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      // The order is -orchAddr's; c is never listed.
      assert.equal(r.text, `[{"address":"${a.url}","score":1,"capabilities":["live-video-to-video/m1","text-to-image/sd"]},{"address":"${b.url}","score":1,"capabilities":["live-video-to-video/m1"]}]\n`);
      const t2i = await call(node.url, '/discover-orchestrators?caps=text-to-image/sd', { method: 'GET' });
      assert.deepEqual(t2i.json<{ address: string }[]>().map((e) => e.address), [a.url]);
      const both = await call(node.url, '/discover-orchestrators?caps=text-to-image/sd&caps=live-video-to-video/m1&caps=', { method: 'GET' });
      assert.deepEqual(both.json<{ address: string }[]>().map((e) => e.address), [a.url, b.url]);
      const none = await call(node.url, '/discover-orchestrators?caps=live-video-to-video/m2', { method: 'GET' });
      assert.equal(none.status, 200);
      assert.equal(none.text, '[]\n');
      assert.equal((await call(node.url, '/discover-orchestrators', { method: 'POST', body: '{}' })).status, 405);
      // Asked with the signer's own OrchestratorRequest signature, ignoring capacity.
      assert.ok(a.requests.length > 0);
      for (const q of [...a.requests, ...b.requests]) assert.deepEqual(q, { sender: SIGNER, ignoreCapacityCheck: true });
      // The gateway's remote-signer source reads it.
      const fromSource = await remoteSignerSource(node.url).list();
      assert.deepEqual(fromSource.map((e) => e.url), [a.url, b.url]);
    } finally {
      await node.close();
    }
  });

  it('answers once the first checkpoint has an answer, not after the slowest; the slow one joins when it lands', async () => {
    b.delayMs = 2500;
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', remoteDiscovery: true, orchAddr: [a.url, b.url].join(','), priceLimits: limits, service: await stubSigner() });
    try {
      const t0 = Date.now();
      const first = await call(node.url, '/discover-orchestrators', { method: 'GET' });
      const waited = Date.now() - t0;
      assert.equal(first.status, 200);
      assert.deepEqual(first.json<{ address: string }[]>().map((e) => e.address), [a.url]);
      assert.ok(waited < 2000, `answered after ${waited} ms`);
      // b's answer lands ≈ 2.5 s after it was asked (within the 6 s cut-off) and is served from then on.
      let later: string[] = [];
      for (let i = 0; i < 80 && later.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        later = (await call(node.url, '/discover-orchestrators', { method: 'GET' })).json<{ address: string }[]>().map((e) => e.address);
      }
      assert.deepEqual(later.sort(), [a.url, b.url].sort());
    } finally {
      b.delayMs = 0;
      await node.close();
    }
  });

  it('keeps an orchestrator\'s last good entry when it fails a later round', async () => {
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', remoteDiscovery: true, orchAddr: [a.url, b.url].join(','), priceLimits: limits, service: await stubSigner() });
    try {
      assert.equal((await listed(node.url, 2)).length, 2);
      b.mode = 'fail';
      const asked = b.requests.length;
      await node.discovery!.refresh();
      assert.ok(b.requests.length > asked, 'b was asked again');
      const r = await call(node.url, '/discover-orchestrators', { method: 'GET' });
      // Order is the answers' arrival order, not the flag's: compare as sets.
      assert.deepEqual(r.json<{ address: string }[]>().map((e) => e.address).sort(), [a.url, b.url].sort());
    } finally {
      b.mode = 'ok';
      await node.close();
    }
  });

  it('503 "cache empty" (go-livepeer\'s masked message) only while nothing answered; retried on the next request', async () => {
    a.mode = 'fail';
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', remoteDiscovery: true, orchAddr: a.url, priceLimits: limits, service: await stubSigner() });
    try {
      const r = await call(node.url, '/discover-orchestrators', { method: 'GET' });
      assert.equal(r.status, 503);
      assert.deepEqual(r.json(), { error: { message: 'Service Unavailable Error', code: 'SIGNER_DISCOVERY_EMPTY' } });
      a.mode = 'ok';
      const ok = await call(node.url, '/discover-orchestrators', { method: 'GET' });
      assert.equal(ok.status, 200);
      assert.equal(ok.json<unknown[]>().length, 1);
    } finally {
      a.mode = 'ok';
      await node.close();
    }
  });

  it('-remoteDiscovery with no source to list is refused at start (go-livepeer: no orchestrator pool)', async () => {
    await assert.rejects(startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', remoteDiscovery: true, service: await stubSigner() }), SignerNodeConfigError);
  });
});
