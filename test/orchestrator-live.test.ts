// The orchestrator's live video-to-video on the devnet, driven the way a go-livepeer gateway drives
// it (server/ai_process.go submitLiveVideoToVideo, server/live_payment.go SendPayment): the start
// body and headers it sends, its 60 s initial payment sized as it sizes it, `/payment` with an
// empty body and the manifest id the orchestrator named, fresh ticket params adopted from each
// PaymentResult. The runner is a small real HTTP server here that records the start body (the
// real CPU live runner is another test's); trickle traffic goes over the orchestrator's HTTPS port.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { LIVE_INITIAL_PIXELS, LIVE_PIXELS_PER_SECOND, readInsufficientBalanceEvent } from '../src/billing/index.js';
import { startDevnet, connectChain, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { HttpTricklePublisher, HttpTrickleSubscriber } from '../src/media/index.js';
import { Rat, priceRat } from '../src/money/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';
import {
  PaymentResultSchema,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
  priceInfoFromWire,
  priceInfoToWire,
  ticketParamsFromWire,
} from '../src/wire/index.js';

const EV = 10n ** 12n;
/** wei per second, as aiModels.json says it. */
const PRICE = 50_000_000_000n; // 60 s = 3e12 wei: three tickets at the start
const DEAR = 1_000_000_000_000n; // one ticket ≈ 1 s
const INTERVAL_MS = 250;

let dev: Devnet;
let chain: ChainAdapters;
let dir: string;
let orch: Orchestrator;
let runner: Server;
let runnerUrl: string;
const starts: { body: Record<string, unknown>; headers: Record<string, unknown> }[] = [];
let runnerAnswer: { status: number; body: unknown } = { status: 200, body: { status: 'success', message: 'Stream started successfully', request_id: 'r' } };
let gw1: DevAccount;
let gw2: DevAccount;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-live-'));
  dev = await startDevnet({ orchestrators: 1, gateways: 2 });
  [gw1, gw2] = dev.accounts.filter((a) => a.role === 'gateway') as [DevAccount, DevAccount];
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  runner = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/live-video-to-video') starts.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers });
      if (req.url === '/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"pipeline":"live-video-to-video","model_id":"noop","version":"0.0.1"}');
      res.writeHead(runnerAnswer.status, { 'content-type': 'application/json' }).end(JSON.stringify(runnerAnswer.body));
    });
  });
  await new Promise<void>((ok) => runner.listen(0, '127.0.0.1', ok));
  runnerUrl = `http://127.0.0.1:${(runner.address() as { port: number }).port}`;
  const models = [
    { pipeline: 'live-video-to-video', model_id: 'noop', url: runnerUrl, price_per_unit: Number(PRICE), capacity: 1 },
    { pipeline: 'live-video-to-video', model_id: 'dear', url: runnerUrl, price_per_unit: Number(DEAR), capacity: 1 },
  ];
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    pollMs: 100,
    dataDir: dir,
    aiModels: JSON.stringify(models),
    ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
    ticketEV: EV,
    autoAdjustPrice: false,
    livePaymentInterval: `${INTERVAL_MS}ms`,
    liveAITrickleHostForRunner: 'runner-sees-orch:8935',
    logLevel: 'silent',
  });
});

after(async () => {
  await orch?.close();
  await new Promise<void>((ok) => (runner ? runner.close(() => ok()) : ok()));
  chain?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const gateway = (acct: DevAccount, model: string) => new TestGateway(acct.privateKey, chain.view, chain.senders, orch.url, 'live-video-to-video', model);

/** go-livepeer's start body: LiveVideoToVideoParams marshalled by encoding/json (empty required URLs included). */
const goStartBody = (model: string) =>
  JSON.stringify({ gateway_request_id: 'req-1', model_id: model, params: { filter: 'grayscale' }, publish_url: '', stream_id: 'stream-1', subscribe_url: '' });

/** go-livepeer's ticket count for a fee: minCredit = max(fee, EV), nothing credited yet → ceil(minCredit / EV). */
function goTickets(fee: Rat, ev: Rat): number {
  const min = fee.gt(ev) ? fee : ev;
  return Number(min.div(ev).ceil());
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function goStart(g: TestGateway, model: string, tickets: number) {
  const h = await g.headers(tickets);
  return h2post(orch.url, '/live-video-to-video', goStartBody(model), {
    'content-type': 'application/json',
    authorization: 'Livepeer-AI-Worker-1.0',
    ...h,
  });
}

/** `/payment` as go-livepeer's SendPayment: POST, no body, the SegData manifest id = the stream's. */
async function goPayment(g: TestGateway, mid: string, tickets: number) {
  const batch = await g.sender.createTicketBatch(g.sessionId, tickets);
  return h2post(orch.url, '/payment', new Uint8Array(0), {
    'livepeer-payment': encodePaymentHeader(paymentToWire(batch, { expectedPrice: g.info.priceInfo })),
    'livepeer-segment': encodeSegmentHeader(await g.segCreds({ manifestId: mid })),
  });
}

describe('live video-to-video: a go-livepeer-shaped gateway', () => {
  it('starts a paid stream, pays with fresh params every time, and is debited time × price exactly', async () => {
    const g = gateway(gw1, 'noop');
    const info = await g.refresh();
    const price = priceInfoFromWire(info.priceInfo!);
    // P wei/s on the wire as per 720p30 pixel: what go-livepeer's gateway pays for a second is P.
    assert.ok(priceRat(price).mul(LIVE_PIXELS_PER_SECOND).eq(PRICE), `${price.pricePerUnit}/${price.pixelsPerUnit}`);
    const ev = g.sender.ev(g.sessionId);
    const n = goTickets(priceRat(price).mul(LIVE_INITIAL_PIXELS), ev);
    assert.equal(n, 3, '60 s at 5e10 wei/s over 1e12 EV');
    // A second gateway gets its quote while the model is free (GetOrchestrator refuses a full one).
    const other = gateway(gw2, 'noop');
    await other.refresh();
    const before = orch.sizes();
    const r = await goStart(g, 'noop', n);
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const reply = JSON.parse(r.text) as Record<string, string>;
    const mid = reply.manifest_id!;
    assert.match(mid, /^[0-9a-f]{8}$/);
    const base = `${orch.url}/ai/trickle/${mid}`;
    assert.deepEqual(reply, { publish_url: base, subscribe_url: `${base}-out`, control_url: `${base}-control`, events_url: `${base}-events`, manifest_id: mid });

    // The runner got go-livepeer's worker request, URLs on -liveAITrickleHostForRunner.
    const start = starts.at(-1)!;
    const rb = `https://runner-sees-orch:8935/ai/trickle/${mid}`;
    assert.deepEqual(start.body, {
      model_id: 'noop',
      subscribe_url: rb,
      publish_url: `${rb}-out`,
      control_url: `${rb}-control`,
      events_url: `${rb}-events`,
      params: { filter: 'grayscale' },
      gateway_request_id: 'req-1',
      manifest_id: mid,
      stream_id: 'stream-1',
    });
    assert.equal(orch.sizes().trickleChannels, before.trickleChannels + 4);
    assert.equal(orch.sizes().liveStreams, before.liveStreams + 1);
    // The start payment is credited to (sender, mid): n tickets × their EV, exactly.
    assert.ok(orch.liveStream(mid)!.credited.eq(ev.mul(BigInt(n))));

    // Capacity 1: a second stream of the model is refused before its payment is looked at.
    const busy = await goStart(other, 'noop', 3);
    assert.equal(busy.status, 503);
    assert.equal(busy.text, 'insufficient capacity\n');
    assert.equal(orch.balance(gw2.address, mid), undefined, 'nothing credited');

    // Payments: each answer carries fresh ticket params, which the next payment uses.
    let credited = orch.liveStream(mid)!.credited;
    let lastRandHash = info.ticketParams!.recipientRandHash;
    for (let i = 0; i < 3; i++) {
      const p = await goPayment(g, mid, 1);
      assert.equal(p.status, 200, p.text);
      assert.equal(p.headers['content-type'], 'application/octet-stream');
      const pr = fromBinary(PaymentResultSchema, new Uint8Array(p.bytes));
      assert.ok(pr.info?.ticketParams, 'fresh ticket params');
      assert.notDeepEqual(pr.info.ticketParams.recipientRandHash, lastRandHash);
      assert.deepEqual(pr.info.authToken, g.info.authToken, 'the request\'s auth token is kept');
      assert.ok(priceRat(priceInfoFromWire(pr.info.priceInfo!)).eq(priceRat(price)), 'the stream\'s price');
      lastRandHash = pr.info.ticketParams.recipientRandHash;
      const spent = g.sender.ev(g.sessionId);
      credited = credited.add(spent);
      // Adopt the new params (go-livepeer updateSession): a new ticket session, nonce 0.
      g.info = pr.info;
      g.sessionId = g.sender.startSession(ticketParamsFromWire(pr.info.ticketParams, priceInfoFromWire(pr.info.priceInfo!)));
      assert.ok(orch.liveStream(mid)!.credited.eq(credited), 'credited EV = sent EV');
    }
    // The stream is debited per interval while it runs.
    await waitFor('a debit', () => orch.liveStream(mid)!.billedMs > 0n);

    // The gateway stops: its input publisher closes the channel (DELETE), which ends the stream.
    const statsBefore = orch.stats();
    const pub = new HttpTricklePublisher({ url: base, insecureSkipVerify: true, mime: 'video/MP2T' });
    await pub.write(new Uint8Array([0x47, 0, 0, 0]));
    await pub.close();
    await waitFor('the stream to end', () => orch.liveStream(mid) === undefined);
    assert.equal(orch.sizes().trickleChannels, before.trickleChannels);
    assert.equal(orch.sizes().liveStreams, before.liveStreams);
    assert.equal(orch.sizes().liveAccounts, before.liveAccounts);
    // Debited: the stream's whole time × P, to the wei (its last partial interval included).
    const s = orch.stats();
    const pixels = s.units['live-video-to-video']! - (statsBefore.units['live-video-to-video'] ?? 0n);
    assert.equal(pixels % 27_648n, 0n, 'whole milliseconds');
    const debited = Rat.of(pixels * PRICE, LIVE_PIXELS_PER_SECOND);
    assert.ok(s.feesDebited.sub(statsBefore.feesDebited).eq(debited));
    assert.ok(orch.balance(gw1.address, mid)!.eq(credited.sub(debited)));
    // The slot is free again.
    const again = await goStart(other, 'noop', 3);
    assert.equal(again.status, 200, again.text);
    const mid2 = (JSON.parse(again.text) as { manifest_id: string }).manifest_id;
    new HttpTricklePublisher({ url: `${orch.url}/ai/trickle/${mid2}`, insecureSkipVerify: true }).close().catch(() => {});
    await waitFor('the second stream to end', () => orch.liveStream(mid2) === undefined);
  });

  it('refuses as go-livepeer does (402, 403, 400, 500) and leaves nothing behind', async () => {
    const g = gateway(gw2, 'noop');
    await g.refresh();
    const channels = orch.sizes().trickleChannels;
    const post = (headers: Record<string, string>) => h2post(orch.url, '/live-video-to-video', goStartBody('noop'), { 'content-type': 'application/json', ...headers });
    const seg = encodeSegmentHeader(await g.segCreds());
    const garbled = await post({ 'livepeer-payment': 'not base64 protobuf!', 'livepeer-segment': seg });
    assert.equal(garbled.status, 402);
    const h = await g.headers(1);
    const badSeg = await post({ 'livepeer-payment': h['livepeer-payment']!, 'livepeer-segment': 'AAAA' });
    assert.equal(badSeg.status, 403);
    // A ticketless payment claiming a zero price, then one at the right price with no credit.
    const cheap = await post({ 'livepeer-payment': encodePaymentHeader(emptyPayment(g.signer.address, priceInfoToWire({ pricePerUnit: 0n, pixelsPerUnit: 1n }))), 'livepeer-segment': seg });
    assert.equal(cheap.status, 400, cheap.text);
    assert.equal(cheap.headers['livepeer-error-code'], 'EXPECTED_PRICE_TOO_LOW');
    const unpaid = await post({ 'livepeer-payment': encodePaymentHeader(emptyPayment(g.signer.address, g.info.priceInfo)), 'livepeer-segment': seg });
    assert.equal(unpaid.status, 400);
    assert.equal(unpaid.text, 'Insufficient balance\n');
    const badBody = await h2post(orch.url, '/live-video-to-video', '{"params":{}}', { 'content-type': 'application/json', ...h });
    assert.equal(badBody.status, 400);
    // The runner refuses: 500 with go-livepeer's worker text, channels closed, slot freed.
    runnerAnswer = { status: 500, body: { detail: { msg: 'boom' } } };
    try {
      const failed = await post(await g.headers(3));
      assert.equal(failed.status, 500);
      assert.equal(failed.text, 'live-video-to-video container returned 500: boom\n');
    } finally {
      runnerAnswer = { status: 200, body: { status: 'success' } };
    }
    assert.equal(orch.sizes().trickleChannels, channels);
    assert.equal(orch.sizes().liveStreams, 0);
    // /payment: garbled → 402; for no stream of ours → 400, nothing credited.
    assert.equal((await h2post(orch.url, '/payment', '', { 'livepeer-payment': '%%%', 'livepeer-segment': seg })).status, 402);
    const stray = await goPayment(g, 'deadbeef', 1);
    assert.equal(stray.status, 400);
    assert.equal(stray.headers['livepeer-error-reason'], 'LIVE_STREAM_UNKNOWN');
    assert.equal(orch.balance(gw2.address, 'deadbeef'), undefined);
  });

  it('when payments stop, writes insufficient_balance with the figures on the events channel three intervals after the last, then stops the stream', async () => {
    const g = gateway(gw1, 'dear');
    const info = await g.refresh();
    const ev = g.sender.ev(g.sessionId);
    // One ticket: about one second of a 1e12 wei/s stream, then nothing more.
    const r = await goStart(g, 'dear', 1);
    assert.equal(r.status, 200, r.text);
    const reply = JSON.parse(r.text) as Record<string, string>;
    const mid = reply.manifest_id!;
    const events = new HttpTrickleSubscriber({ url: reply.events_url!, insecureSkipVerify: true, start: -1 });
    let body = '';
    try {
      const seg = await events.read();
      assert.ok(seg, 'an event segment before the end');
      for await (const c of seg) body += Buffer.from(c).toString('utf8');
      // Then the channel ends: end of stream, or gone (404) if the next read comes after its removal.
      const next = await events.read().catch((e: unknown) => e);
      assert.ok(next === null || (next as { code?: string }).code === 'TRICKLE_STREAM_NOT_FOUND', String(next));
    } finally {
      events.close();
    }
    const f = readInsufficientBalanceEvent(JSON.parse(body));
    assert.ok(f, body);
    assert.equal(f.manifestId, mid);
    assert.equal(f.sender.toLowerCase(), gw1.address.toLowerCase());
    assert.ok(f.pricePerSecond.eq(DEAR));
    assert.ok(priceRat(f.price).eq(priceRat(priceInfoFromWire(info.priceInfo!))));
    assert.ok(f.credited.eq(ev), 'the one ticket');
    // No payment after the start's for three intervals (750 ms), while the one ticket (≈ 1 s) still
    // held: stopped as overdue, the credit beyond its reserve (the whole start credit) being nothing.
    assert.equal(f.cause, 'payment_overdue');
    assert.ok(f.reserve.eq(ev), 'the start payment is the reserve');
    assert.ok(f.required.eq(f.owed.add(f.reserve)), `${f.required}`);
    assert.ok(f.balance.lt(f.required) && !f.balance.isNegative(), `${f.balance} / ${f.required}`);
    assert.ok(f.shortfall.eq(f.required.sub(f.balance)));
    assert.ok(f.stoppedAt! - f.lastPaymentAt! > 3 * INTERVAL_MS, `stopped ${f.stoppedAt! - f.lastPaymentAt!} ms after the start payment`);
    assert.ok(f.debited.eq(Rat.of(f.billedMs * DEAR, 1000n)), 'billed time × price');
    assert.ok(f.credited.sub(f.debited).eq(f.balance.sub(f.owed)));
    assert.ok(f.lastPaymentAt !== undefined && f.lastPaymentAt <= Date.now());
    await waitFor('the stream to be gone', () => orch.liveStream(mid) === undefined);
    assert.equal(orch.sizes().liveStreams, 0);
    assert.equal(orch.sizes().trickleChannels, 0);
    assert.ok(orch.balance(gw1.address, mid)!.eq(f.balance.sub(f.owed)));
  });
});
