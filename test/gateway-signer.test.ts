// The gateway paying through a remote signer (-remoteSignerUrl, -remoteSignerHeaders): it starts
// with the signer's address and signature (no key of its own), its GetOrchestrator requests carry
// them (the recording orchestrator verifies the signature), batch jobs are paid with the signer's
// payment and segment credentials (untyped, inPixels = units; the state carried from job to job),
// the signer headers go to the signer only, and 480/481/482 answers are handled. Then the live
// payment sender through the signer against an in-test /payment endpoint: preload, manifest id,
// 482 honoured (a ticketless /payment each interval, no signer call before retryAfterMs), 481 →
// refused (the stream swaps).
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { PAYMENT_HEADER, PaymentResultSchema, SEGMENT_HEADER, createAuthToken, decodeMessage, decodePaymentHeader, decodeSegmentHeader, encodeMessage, fromHex, priceInfoToWire, OrchestratorInfoSchema } from '../src/wire/index.js';
import { RemoteSignerClient, SignerLivePaymentSender, SignerSession, startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';
import { spawnCli } from './cli-process.js';
import { errorAnswer, startFakeSigner, type FakeSigner } from './gateway-signer-fake.js';

const PRICE = { pricePerUnit: 3n, pixelsPerUnit: 1n };
const ORCH_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;

let runner: ReferenceRunner;
let orch: FakeOrchestrator;
let signer: FakeSigner;
let gw: GatewayHandle;

async function job(i: number): Promise<Response> {
  return fetch(`${gw.url}/text-to-image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: `job ${i}`, width: 64, height: 64 }),
  });
}

before(async () => {
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  orch = await startFakeOrchestrator({ runners: { 'text-to-image': runner.url }, models: { 'text-to-image': runner.modelId }, price: PRICE, privateKey: ORCH_KEY });
  signer = await startFakeSigner();
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr: orch.url,
    remoteSignerUrl: signer.url,
    remoteSignerHeaders: 'Authorization:Bearer s3cret,Signer-Auth-Id:app-1',
    discoveryRefreshMs: 0,
    logLevel: 'silent',
  });
});

after(async () => {
  await gw?.close();
  await signer?.close();
  await orch?.close();
  await runner?.close();
});

describe('the gateway paying batch jobs through a remote signer', () => {
  it('starts with the signer address and pays each job with the signer\'s payment and segment credentials', async () => {
    assert.equal(gw.address, signer.address);
    assert.equal(signer.requests[0]!.path, '/sign-orchestrator-info');
    for (let i = 0; i < 3; i++) {
      const res = await job(i);
      assert.equal(res.status, 200, await res.text());
    }
    assert.equal(orch.jobs.length, 3);
    const calls = signer.payments();
    assert.equal(calls.length, 3);
    for (const [i, j] of orch.jobs.entries()) {
      assert.equal(j.payment.sender, signer.address, 'the payment is the signer\'s');
      assert.equal(j.authorization, 'Livepeer-AI-Worker-1.0', 'no signer header reaches the orchestrator');
      const body = calls[i]!.body!;
      assert.equal(body.type, '');
      assert.equal(new TextDecoder().decode(j.seg.manifestId), body.ManifestID);
      assert.match(calls[i]!.raw, /"inPixels":\d+/);
      assert.ok(Number(/"inPixels":(\d+)/.exec(calls[i]!.raw)![1]) > 0);
      assert.equal(calls[i]!.headers.authorization, 'Bearer s3cret');
      assert.equal(calls[i]!.headers['signer-auth-id'], 'app-1');
      if (i === 0) assert.equal(body.state, undefined);
      else assert.deepEqual(body.state, signer.issued[i - 1], 'the state the signer returned last, byte for byte');
    }
    const st = gw.stats().remoteSigner!;
    assert.equal(st.address, signer.address);
    assert.equal(st.last?.status, 200);
    assert.equal(st.calls['200'], 3);
  });

  it('480: refreshes the orchestrator info with GetOrchestrator and pays with it', async () => {
    const discoveries = orch.discoveries;
    signer.script.push(errorAnswer(480, 'SIGNER_REFRESH_SESSION', { headers: { 'Livepeer-Orchestrator-URL': orch.url } }));
    const res = await job(10);
    assert.equal(res.status, 200, await res.text());
    assert.equal(orch.discoveries, discoveries + 1);
    const [refused, retried] = signer.payments().slice(-2);
    assert.notEqual(retried!.body!.orchestrator, refused!.body!.orchestrator, 'the retry carries the refreshed info');
    assert.deepEqual(retried!.body!.state, refused!.body!.state);
  });

  it('482: the job goes with a ticketless payment and the last segment credentials; the state is kept', async () => {
    const before = orch.jobs.length;
    const state = signer.issued.at(-1)!;
    signer.script.push(errorAnswer(482, 'SIGNER_NO_TICKETS', { state, retryAfterMs: 1000 }));
    const res = await job(11);
    assert.equal(res.status, 200, await res.text());
    const j = orch.jobs[before]!;
    assert.equal(j.payment.sender, signer.address);
    assert.equal(j.payment.tickets.length, 0);
    const next = await job(12);
    assert.equal(next.status, 200);
    assert.deepEqual(signer.payments().at(-1)!.body!.state, state);
    assert.equal(gw.stats().remoteSigner!.calls['482'], 1);
  });

  it('481: the orchestrator is not paid; with no other one the client gets 503 naming the signer\'s refusal', async () => {
    const before = orch.jobs.length;
    signer.script.push(errorAnswer(481, 'SIGNER_PRICE_EXCEEDED'));
    const res = await job(13);
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.match(text, /481/);
    assert.equal(orch.jobs.length, before);
    assert.equal(gw.stats().remoteSigner!.last?.code, 'SIGNER_PRICE_EXCEEDED');
    const ok = await job(14);
    assert.equal(ok.status, 200, 'a 481 is not a suspension');
  });

  it('does not start when the signer cannot give its signature (GW_SIGNER_START)', async () => {
    signer.signInfoAnswer = { status: 503, body: { error: { message: 'Service Unavailable Error' } } };
    try {
      await assert.rejects(startGateway({ httpAddr: '127.0.0.1:0', orchAddr: orch.url, remoteSignerUrl: signer.url, logLevel: 'silent' }), (e: Error & { code?: string }) => e.code === 'GW_SIGNER_START');
    } finally {
      signer.signInfoAnswer = undefined;
    }
  });
});

describe('livepeer-ts gateway -remoteSignerUrl -remoteSignerHeaders', () => {
  it('prints the signer\'s address as its own; exits 1 when the signer cannot sign', async () => {
    const before = signer.requests.length;
    const p = spawnCli(['gateway', '-httpAddr', '127.0.0.1:0', '-remoteSignerUrl', signer.url, '-remoteSignerHeaders', 'Authorization:Bearer cli', '-dataDir', 'none', '-v', 'silent']);
    try {
      const line = JSON.parse(await p.firstLine()) as { address: string };
      assert.equal(line.address, signer.address);
      assert.equal(signer.requests[before]!.headers.authorization, 'Bearer cli');
    } finally {
      await p.stop('SIGKILL');
    }
    signer.signInfoAnswer = { status: 500, body: { error: { message: 'Internal Server Error' } } };
    try {
      const bad = spawnCli(['gateway', '-httpAddr', '127.0.0.1:0', '-remoteSignerUrl', signer.url, '-dataDir', 'none'], { timeoutMs: 60_000 });
      assert.equal(await bad.exited, 1);
      assert.match(bad.stderr(), /remote signer .* answered 500/);
    } finally {
      signer.signInfoAnswer = undefined;
    }
  });
});

describe('live payments through a remote signer', () => {
  let payUrl: string;
  const paid: IncomingHttpHeaders[] = [];
  let closePay: () => Promise<void>;
  const fresh = create(OrchestratorInfoSchema, {
    transcoder: 'https://127.0.0.1:9',
    priceInfo: priceInfoToWire(PRICE),
    address: fromHex('0x00000000000000000000000000000000000000aa', 'address', 20),
    authToken: createAuthToken(new Uint8Array(32).fill(9)),
    ticketParams: { recipient: fromHex('0x00000000000000000000000000000000000000aa', 'address', 20), faceValue: new Uint8Array([1]), winProb: new Uint8Array([1]), recipientRandHash: new Uint8Array(32).fill(2), seed: new Uint8Array([3]), expirationBlock: new Uint8Array([99]) },
  });
  before(async () => {
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        paid.push(req.headers);
        res.writeHead(200);
        res.end(Buffer.from(encodeMessage(PaymentResultSchema, create(PaymentResultSchema, { info: fresh }))));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const a = srv.address();
    payUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    closePay = () => new Promise<void>((r) => srv.close(() => r()));
  });
  after(async () => closePay());

  it('preload, then state + manifest id per interval; 482: a ticketless /payment each interval, no signer call before retryAfterMs; 481 ends the payments', async () => {
    let now = 1_000_000;
    const start = create(OrchestratorInfoSchema, { ...fresh, authToken: createAuthToken(new Uint8Array(32).fill(1)) });
    const client = new RemoteSignerClient({ url: signer.url });
    const session = new SignerSession({ client, info: start, refresh: async () => start });
    const post = async (url: string, headers: Record<string, string>, signal: AbortSignal) => {
      const r = await fetch(url.replace('https://127.0.0.1:9', payUrl), { method: 'POST', headers, signal });
      return { status: r.status, body: new Uint8Array(await r.arrayBuffer()) };
    };
    const p = new SignerLivePaymentSender({ session, url: 'orch', transcoder: 'https://127.0.0.1:9', price: PRICE, post, address: signer.address, intervalMs: 5_000, now: () => now });
    const n0 = signer.payments().length;
    const h = await p.initialPayment();
    const first = signer.payments()[n0]!.body!;
    assert.equal(first.type, 'lv2v');
    assert.equal(first.ManifestID, undefined);
    assert.equal(first.state, undefined);
    assert.ok(h[PAYMENT_HEADER] && h[SEGMENT_HEADER]);
    p.started('mid12345');

    now += 5_000;
    await p.pay();
    const second = signer.payments().at(-1)!;
    assert.equal(second.body!.ManifestID, 'mid12345');
    assert.deepEqual(second.body!.state, signer.issued.at(-2));
    assert.equal(paid.length, 1);
    assert.equal(new TextDecoder().decode(decodeSegmentHeader(paid[0]![SEGMENT_HEADER.toLowerCase()]).manifestId), 'mid12345');

    // The PaymentResult's info is what the next call sends, with the auth token of the start.
    signer.script.push(errorAnswer(482, 'SIGNER_NO_TICKETS', { state: signer.issued.at(-1)!, retryAfterMs: 12_000 }));
    now += 5_000;
    await p.pay();
    const sentInfo = signer.payments().at(-1)!.body!.orchestrator as string;
    const decoded = decodeMessage(OrchestratorInfoSchema, Uint8Array.from(Buffer.from(sentInfo, 'base64')));
    assert.deepEqual(Uint8Array.from(decoded.ticketParams!.recipientRandHash), fresh.ticketParams!.recipientRandHash);
    assert.equal(decoded.authToken?.sessionId, start.authToken!.sessionId);
    // 482: no tickets, but a ticketless /payment keeps the stream paid-up at our orchestrator (it
    // stops streams with no payment for three intervals), with the last segment credentials.
    assert.equal(paid.length, 2, '482: a ticketless /payment');
    const keepalive = decodePaymentHeader(paid[1]![PAYMENT_HEADER.toLowerCase()]!);
    assert.equal(keepalive.ticketSenderParams.length, 0);
    assert.equal(`0x${Buffer.from(keepalive.sender).toString('hex')}`, signer.address.toLowerCase());
    assert.equal(paid[1]![SEGMENT_HEADER.toLowerCase()], paid[0]![SEGMENT_HEADER.toLowerCase()]);
    assert.equal(p.snapshot().skipped, 1);
    const calls = signer.payments().length;
    now += 5_000;
    p.segment();
    await p.idle();
    assert.equal(signer.payments().length, calls, 'not before retryAfterMs');
    // …but the interval's ticketless /payment still goes: a retryAfterMs can outlast the
    // orchestrator's patience (three intervals without a payment stop the stream).
    assert.equal(paid.length, 3, 'a ticketless /payment while the 482 holds');
    const held = decodePaymentHeader(paid[2]![PAYMENT_HEADER.toLowerCase()]!);
    assert.equal(held.ticketSenderParams.length, 0);
    assert.equal(paid[2]![SEGMENT_HEADER.toLowerCase()], paid[0]![SEGMENT_HEADER.toLowerCase()]);
    assert.equal(p.snapshot().skipped, 1, 'one 482 from the signer');
    now += 7_000;
    p.segment();
    await p.idle();
    assert.equal(signer.payments().length, calls + 1);
    assert.equal(paid.length, 4);

    signer.script.push(errorAnswer(481, 'SIGNER_PRICE_EXCEEDED'));
    now += 5_000;
    await p.pay();
    const r = await p.refused;
    assert.equal(r.code, 'GW_SIGNER_PRICE_EXCEEDED');
    assert.equal(p.snapshot().signer?.code, 'SIGNER_PRICE_EXCEEDED');
    now += 60_000;
    const after481 = signer.payments().length;
    p.segment();
    await p.idle();
    assert.equal(signer.payments().length, after481, 'no more calls for this orchestrator');
    await p.stop();
  });
});
