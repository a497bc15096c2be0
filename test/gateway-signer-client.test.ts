// The gateway's remote-signer client against an in-test server that speaks the signer's contract
// (test/gateway-signer-fake.ts): go-livepeer's URL and header rules, the start-up signature, and the
// handling of each answer (200, 480, 481, 482, 409, others), the state resent byte for byte, calls
// serialised per session, bounded bodies, timeouts and cancellation.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { CapabilitiesSchema, OrchestratorInfoSchema, createAuthToken, encodeBase64, encodeMessage, fromHex, priceInfoToWire, type OrchestratorInfo } from '../src/wire/index.js';
import { RemoteSignerClient, SignerSession, normalizeSignerUrl, parseSignerHeaders, SignerClientError } from '../src/nodes/gateway/index.js';
import { aiJobCapabilities } from '../src/market/index.js';
import { capabilitiesToWire } from '../src/nodes/common/index.js';
import { errorAnswer, startFakeSigner, type FakeSigner } from './gateway-signer-fake.js';

const ORCH = '0x00000000000000000000000000000000000000aa';
const CAPS = encodeBase64(encodeMessage(CapabilitiesSchema, capabilitiesToWire(aiJobCapabilities('live-video-to-video', 'noop'))));

function info(n: number): OrchestratorInfo {
  return create(OrchestratorInfoSchema, {
    transcoder: `https://127.0.0.1:${9000 + n}`,
    priceInfo: priceInfoToWire({ pricePerUnit: 7n + BigInt(n), pixelsPerUnit: 3n }),
    address: fromHex(ORCH, 'address', 20),
    authToken: createAuthToken(new Uint8Array(32).fill(n)),
  });
}

let signer: FakeSigner;
let client: RemoteSignerClient;

before(async () => {
  signer = await startFakeSigner();
  client = new RemoteSignerClient({ url: signer.url, headers: { Authorization: 'Bearer s3cret', 'Signer-Auth-Id': 'app-1' } });
});
after(async () => {
  await signer.close();
});
beforeEach(() => {
  signer.requests.length = 0;
  signer.script.length = 0;
  signer.signInfoAnswer = undefined;
  signer.maxInFlight = 0;
});

function session(start: OrchestratorInfo, refreshed: OrchestratorInfo[] = []): { s: SignerSession; refreshes: () => number } {
  let n = 0;
  const s = new SignerSession({
    client,
    info: start,
    capabilities: CAPS,
    refresh: async () => {
      const next = refreshed[n] ?? info(100 + n);
      n++;
      return next;
    },
  });
  return { s, refreshes: () => n };
}

const b64 = (i: OrchestratorInfo) => encodeBase64(encodeMessage(OrchestratorInfoSchema, i));

describe('go-livepeer rules for -remoteSignerUrl and -remoteSignerHeaders', () => {
  it('prepends https:// when the URL has no scheme or no host', () => {
    assert.equal(normalizeSignerUrl('127.0.0.1:8935'), 'https://127.0.0.1:8935');
    assert.equal(normalizeSignerUrl('localhost:8935'), 'https://localhost:8935');
    assert.equal(normalizeSignerUrl('signer.example'), 'https://signer.example');
    assert.equal(normalizeSignerUrl('http://127.0.0.1:8935/'), 'http://127.0.0.1:8935');
    assert.equal(normalizeSignerUrl('https://s.example:9/base'), 'https://s.example:9/base');
  });
  it('parses k:v,k2:v2 on the first colon, trimmed, dropping entries without a key or colon', () => {
    assert.deepEqual(parseSignerHeaders('Authorization: Bearer a:b , Signer-Auth-Id:app1,bad,:x'), { Authorization: 'Bearer a:b', 'Signer-Auth-Id': 'app1' });
  });
});

describe('POST /sign-orchestrator-info', () => {
  it('returns the signer address and a signature that recovers to it, with the configured headers', async () => {
    const r = await client.signOrchestratorInfo();
    assert.equal(r.address, signer.address);
    assert.equal(r.signature.length, 65);
    const req = signer.requests.at(-1)!;
    assert.equal(req.headers.authorization, 'Bearer s3cret');
    assert.equal(req.headers['signer-auth-id'], 'app-1');
    assert.equal(req.raw, '', 'no body, as go-livepeer');
  });
  it('refuses a signature of another key, a non-200 and an unreachable signer with GW_SIGNER_START (fatal)', async () => {
    signer.signInfoAnswer = { status: 200, body: { address: '0x00000000000000000000000000000000000000bb', signature: `0x${'11'.repeat(64)}1b` } };
    await assert.rejects(client.signOrchestratorInfo(), (e: SignerClientError) => e.code === 'GW_SIGNER_START' && e.fatal);
    signer.signInfoAnswer = { status: 500, body: { error: { message: 'Internal Server Error' } } };
    await assert.rejects(client.signOrchestratorInfo(), (e: SignerClientError) => e.code === 'GW_SIGNER_START' && e.status === 500);
    const dead = new RemoteSignerClient({ url: 'http://127.0.0.1:1' });
    await assert.rejects(dead.signOrchestratorInfo(), (e: SignerClientError) => e.code === 'GW_SIGNER_START');
  });
});

describe('a signer session', () => {
  it('200: sends the info bytes, type, capabilities; then the returned state byte for byte with the manifest id', async () => {
    const i0 = info(1);
    const { s } = session(i0);
    const r1 = await s.call({ type: 'lv2v' });
    assert.equal(r1.kind, 'paid');
    const first = signer.payments()[0]!.body!;
    assert.equal(first.orchestrator, b64(i0));
    assert.equal(first.type, 'lv2v');
    assert.equal(first.capabilities, CAPS);
    assert.equal(first.state, undefined);
    assert.equal(first.ManifestID, undefined);
    await s.call({ type: 'lv2v', manifestId: 'mid00001' });
    const second = signer.payments()[1]!.body!;
    assert.deepEqual(second.state, signer.issued.at(-2));
    assert.equal(second.ManifestID, 'mid00001');
    assert.equal(signer.payments()[1]!.headers.authorization, 'Bearer s3cret');
  });

  it('480: GetOrchestrator again and retry with the fresh info, at most 3 refreshes', async () => {
    const fresh = info(2);
    const { s, refreshes } = session(info(1), [fresh]);
    signer.script.push(errorAnswer(480, 'SIGNER_REFRESH_SESSION', { headers: { 'Livepeer-Orchestrator-URL': 'https://127.0.0.1:9001' } }));
    const r = await s.call({ type: 'lv2v' });
    assert.equal(r.kind, 'paid');
    assert.equal(refreshes(), 1);
    assert.equal(signer.payments()[1]!.body!.orchestrator, b64(fresh));
    assert.equal(s.info, fresh);

    const { s: s2, refreshes: n2 } = session(info(1));
    for (let i = 0; i < 10; i++) signer.script.push(errorAnswer(480, 'SIGNER_REFRESH_SESSION'));
    await assert.rejects(s2.call({ type: 'lv2v' }), (e: SignerClientError) => e.code === 'GW_SIGNER_REFRESH_FAILED' && e.remoteCode === 'SIGNER_REFRESH_SESSION');
    assert.equal(n2(), 3);
  });

  it('481: GW_SIGNER_PRICE_EXCEEDED with the signer code; the state is unchanged', async () => {
    const { s } = session(info(1));
    await s.call({ type: 'lv2v' });
    const state = s.state;
    signer.script.push(errorAnswer(481, 'SIGNER_PRICE_EXCEEDED'));
    await assert.rejects(s.call({ type: 'lv2v', manifestId: 'm' }), (e: SignerClientError) => e.code === 'GW_SIGNER_PRICE_EXCEEDED' && e.remoteCode === 'SIGNER_PRICE_EXCEEDED' && e.status === 481);
    assert.equal(s.state, state);
  });

  it('482: no payment this time, retryAfterMs passed on, and the unchanged state sent next time', async () => {
    const { s } = session(info(1));
    await s.call({ type: 'lv2v' });
    const state = s.state!;
    signer.script.push(errorAnswer(482, 'SIGNER_NO_TICKETS', { state, retryAfterMs: 7_500 }));
    const r = await s.call({ type: 'lv2v', manifestId: 'm' });
    assert.deepEqual(r.kind === 'skip' ? r.retryAfterMs : 'paid', 7_500);
    await s.call({ type: 'lv2v', manifestId: 'm' });
    assert.deepEqual(signer.payments().at(-1)!.body!.state, state);
  });

  it('409: adopts the signer\'s latest state and retries once; a second 409 is GW_SIGNER_CONFLICT', async () => {
    const { s } = session(info(1));
    await s.call({ type: 'lv2v' });
    const latest = { State: Buffer.from('{"SequenceNumber":41}').toString('base64'), Sig: 'bGF0ZXN0' };
    signer.script.push(errorAnswer(409, 'SIGNER_STATE_REPLAYED', { state: latest }));
    const r = await s.call({ type: 'lv2v', manifestId: 'm' });
    assert.equal(r.kind, 'paid');
    assert.deepEqual(signer.payments().at(-1)!.body!.state, latest);
    signer.script.push(errorAnswer(409, 'SIGNER_STATE_CONFLICT', { state: latest }), errorAnswer(409, 'SIGNER_STATE_CONFLICT', { state: latest }));
    await assert.rejects(s.call({ type: 'lv2v', manifestId: 'm' }), (e: SignerClientError) => e.code === 'GW_SIGNER_CONFLICT' && e.remoteCode === 'SIGNER_STATE_CONFLICT');
    signer.script.push(errorAnswer(409, 'SIGNER_STATE_CONFLICT'));
    await assert.rejects(s.call({ type: 'lv2v', manifestId: 'm' }), (e: SignerClientError) => e.code === 'GW_SIGNER_CONFLICT');
  });

  it('serialises concurrent calls: one in flight, each sending the state the previous one got', async () => {
    const { s } = session(info(1));
    signer.defaultDelayMs = 20;
    try {
      const before = signer.issued.length;
      await Promise.all(Array.from({ length: 6 }, (_, i) => s.call({ type: 'lv2v', ...(i > 0 ? { manifestId: 'm' } : {}) })));
      assert.equal(signer.maxInFlight, 1);
      const sent = signer.payments().map((r) => r.body!.state);
      assert.equal(sent.length, 6);
      assert.equal(sent[0], undefined);
      for (let i = 1; i < 6; i++) assert.deepEqual(sent[i], signer.issued[before + i - 1]);
    } finally {
      signer.defaultDelayMs = 0;
    }
  });

  it('other statuses: GW_SIGNER_REFUSED with status and code; the state is unchanged', async () => {
    const { s } = session(info(1));
    signer.script.push(errorAnswer(403, 'SIGNER_SPEND_CAP'));
    await assert.rejects(s.call({ type: 'lv2v' }), (e: SignerClientError) => e.code === 'GW_SIGNER_REFUSED' && e.status === 403 && e.remoteCode === 'SIGNER_SPEND_CAP');
    assert.equal(s.state, undefined);
    signer.script.push({ status: 500, raw: 'not json' });
    await assert.rejects(s.call({ type: 'lv2v' }), (e: SignerClientError) => e.code === 'GW_SIGNER_REFUSED' && e.status === 500 && e.remoteCode === undefined);
    signer.script.push({ status: 200, body: { payment: 'x' } });
    await assert.rejects(s.call({ type: 'lv2v' }), (e: SignerClientError) => e.code === 'GW_SIGNER_BAD_REPLY');
  });

  it('untyped calls write inPixels as an exact JSON number, however large', async () => {
    const { s } = session(info(1));
    await s.call({ type: '', manifestId: '5_model', inPixels: 2n ** 62n + 1n });
    const raw = signer.payments().at(-1)!.raw;
    assert.match(raw, /"inPixels":4611686018427387905[,}]/);
    assert.match(raw, /"type":""/);
  });
});

describe('bounds', () => {
  let url: string;
  let close: () => Promise<void>;
  before(async () => {
    const srv = createServer((req, res) => {
      if (req.url === '/generate-live-payment' && req.headers['x-mode'] === 'huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"payment":"${'A'.repeat(2 * 1024 * 1024)}"}`);
      } else if (req.headers['x-mode'] === 'stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
      }
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const a = srv.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    close = () => new Promise<void>((r) => {
      srv.closeAllConnections();
      srv.close(() => r());
    });
  });
  after(async () => close());

  it('an answer above the body limit is GW_SIGNER_BAD_REPLY', async () => {
    const c = new RemoteSignerClient({ url, headers: { 'x-mode': 'huge' } });
    await assert.rejects(c.generateLivePayment({ orchestrator: '' }), (e: SignerClientError) => e.code === 'GW_SIGNER_BAD_REPLY');
  });
  it('a stalled answer times out (GW_SIGNER_UNREACHABLE), and a call is cancellable', async () => {
    const c = new RemoteSignerClient({ url, headers: { 'x-mode': 'stall' }, timeoutMs: 200 });
    await assert.rejects(c.generateLivePayment({ orchestrator: '' }), (e: SignerClientError) => e.code === 'GW_SIGNER_UNREACHABLE');
    const slow = new RemoteSignerClient({ url, headers: { 'x-mode': 'stall' }, timeoutMs: 60_000 });
    const ac = new AbortController();
    const p = slow.generateLivePayment({ orchestrator: '' }, ac.signal);
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.equal(slow.status().last?.status, 200);
  });
});
