import { create } from '@bufbuild/protobuf';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Rat } from '../../money/index.js';
import { aiJobCapabilities, makeCapabilities, Capability, defaultCapabilities } from '../../market/index.js';
import { MemoryChainView, MemorySenderInfo, Sender, computeWinProb, localTicketSigner, recoverSigner, ticketEV, ticketHashBytes } from '../../pm/index.js';
import {
  AuthTokenSchema,
  OrchestratorInfoSchema,
  PAYMENT_HEADER,
  SEGMENT_HEADER,
  WIRE_LIMITS,
  decodePaymentHeader,
  fromHex,
  paymentFromWire,
  priceInfoToWire,
  ticketParamsToWire,
  verifySegmentCredentials,
  type OrchestratorClient,
} from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { classifyPaymentError } from './attempt-failure.js';
import { AI_WORKER_PROTOCOL, PaymentError, TicketPaymentSender, paymentTarget } from './payment.js';
import { SessionPool, SessionRefusedError, type JobTarget } from './sessions.js';
import { StatsRecorder } from './stats.js';

const gatewaySigner = localTicketSigner(`0x${'01'.repeat(32)}`);
const orchSigner = localTicketSigner(`0x${'02'.repeat(32)}`);
const MODEL = 'stabilityai/sdxl-turbo';
const PRICE = { pricePerUnit: 3n, pixelsPerUnit: 2n };
const FACE = 1_000_000n;
const EV = 1_000n;

function setup(opts: { maxEV?: bigint } = {}) {
  const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: `0x${'ab'.repeat(32)}` });
  const senders = new MemorySenderInfo().set(gatewaySigner.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } });
  const sender = new Sender({ signer: gatewaySigner, chain, senders, ...(opts.maxEV ? { maxEV: opts.maxEV } : {}) });
  const stats = new StatsRecorder();
  const pool = new SessionPool({
    discovery: ['https://o.test:8935'],
    client: () => ({}) as OrchestratorClient,
    signer: gatewaySigner,
    sender,
    chain,
    stats,
    log: pino({ level: 'silent' }),
    suspendMs: 1000,
    discoveryTimeoutMs: 1000,
  });
  const caps = aiJobCapabilities('text-to-image', MODEL);
  const job: JobTarget = { pipeline: 'text-to-image', modelId: MODEL, capability: Capability.TextToImage, capabilities: caps, capabilitiesWire: capabilitiesToWire(caps), maxPrice: Rat.of(2n) };
  const orchCaps = makeCapabilities({
    capabilities: [...defaultCapabilities(), Capability.TextToImage],
    perCapability: [[Capability.TextToImage, [[MODEL, { warm: true, capacity: 1 }]]]],
  });
  const info = (price = PRICE) =>
    create(OrchestratorInfoSchema, {
      transcoder: 'https://o.test:8935',
      priceInfo: priceInfoToWire(price),
      address: fromHex(orchSigner.address, 'address', 20),
      capabilities: capabilitiesToWire(orchCaps),
      authToken: create(AuthTokenSchema, { token: new Uint8Array(32), sessionId: 'sess-1', expiration: BigInt(Math.floor(Date.now() / 1000) + 1800) }),
      ticketParams: ticketParamsToWire({
        recipient: orchSigner.address,
        faceValue: FACE,
        winProb: computeWinProb(FACE, EV),
        recipientRandHash: `0x${'cd'.repeat(32)}`,
        seed: 7n,
        expirationBlock: 140n,
        price,
        expirationParams: { creationRound: 5n, creationRoundBlockHash: `0x${'ab'.repeat(32)}` },
      }),
    });
  return { sender, pool, job, info, stats };
}

describe('gateway payments', () => {
  it('builds Livepeer-Payment / Livepeer-Segment / Authorization as go-livepeer: decoded back with the wire codecs', async () => {
    const { sender, pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    const payer = new TicketPaymentSender({ signer: gatewaySigner, sender });
    const units = 1_000n; // fee = 1000 × 3/2 = 1500 wei; EV per ticket ≈ 1000 → 2 tickets
    const req = (n: bigint) => ({ units: n, capabilities: job.capabilitiesWire, manifestId: '27_model' });
    const p = await payer.prepare(paymentTarget(sess), req(units));
    assert.equal(p.headers.authorization, AI_WORKER_PROTOCOL);
    assert.ok(p.fee.eq(1500n));
    const ev = ticketEV(FACE, computeWinProb(FACE, EV));
    assert.equal(p.numTickets, Number(Rat.from(1500n).div(ev).ceil()));
    const payment = paymentFromWire(decodePaymentHeader(p.headers[PAYMENT_HEADER]));
    assert.equal(payment.sender, gatewaySigner.address);
    assert.equal(payment.tickets.length, p.numTickets);
    assert.deepEqual(payment.expectedPriceWire?.pricePerUnit, 3n);
    assert.deepEqual(payment.expectedPriceWire?.pixelsPerUnit, 2n);
    assert.deepEqual(payment.tickets.map((t) => t.ticket.senderNonce), [1n, 2n]);
    for (const { ticket, sig } of payment.tickets) {
      const r = recoverSigner(ticketHashBytes(ticket), sig);
      assert.ok('signer' in r && r.signer === gatewaySigner.address);
      assert.equal(ticket.recipient, orchSigner.address);
    }
    const seg = verifySegmentCredentials(p.headers[SEGMENT_HEADER], { sender: gatewaySigner.address });
    assert.equal(new TextDecoder().decode(seg.manifestId), '27_model');
    assert.equal(seg.authToken?.sessionId, 'sess-1');

    // Success: the credit left is what was sent minus units × price.
    payer.settle(p, 'received');
    // Credit is keyed by (orchestrator, manifest) as the orchestrator keys it, not by auth session.
    const key = { recipient: orchSigner.address, orchestrator: 'https://o.test:8935', manifest: '27_model' };
    const left = payer.credit.credit(key);
    assert.ok(left?.eq(ev.mul(BigInt(p.numTickets)).sub(1500n)));
    const p2 = await payer.prepare(paymentTarget(sess), req(10n));
    // minCredit = max(fee, one ticket's EV): ~500 wei left < EV, so one more ticket even for a 15 wei job.
    assert.equal(p2.numTickets, 1);
    assert.deepEqual(paymentFromWire(decodePaymentHeader(p2.headers[PAYMENT_HEADER])).tickets.map((t) => t.ticket.senderNonce), [3n]);
    // Refused: the reserved credit comes back.
    payer.settle(p2, 'refused');
    assert.ok(payer.credit.credit(key)?.eq(left!));
  });

  it('concurrent jobs on one orchestrator share the credit: tickets for what they need, not a batch each', async () => {
    const { sender, pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    const payer = new TicketPaymentSender({ signer: gatewaySigner, sender });
    const ev = ticketEV(FACE, computeWinProb(FACE, EV));
    const units = 250n; // fee 375 wei, about 0.4 of a ticket's EV
    const fee = Rat.of(250n * 3n, 2n);
    // Each request "goes out" as soon as it is ready (jobs counting on earlier tickets wait for them).
    const t0 = Date.now();
    const ps = await Promise.all(
      Array.from({ length: 16 }, () =>
        payer.prepare(paymentTarget(sess), { units, capabilities: job.capabilitiesWire, manifestId: '27_model' }).then((p) => {
          p.sent();
          return p;
        }),
      ),
    );
    assert.ok(Date.now() - t0 < 1500, 'no job waited for the ordering timeout');
    // What 16 jobs in flight need, simulated here: each keeps max(fee, EV) covered.
    let avail = Rat.ZERO;
    let expected = 0;
    for (let i = 0; i < 16; i++) {
      const need = fee.gt(ev) ? fee : ev;
      if (avail.lt(need)) {
        const n = need.sub(avail).div(ev).ceil();
        expected += Number(n);
        avail = avail.add(ev.mul(n));
      }
      avail = avail.sub(fee);
    }
    assert.equal(ps.reduce((a, p) => a + p.numTickets, 0), expected);
    assert.ok(expected < 16, 'fewer tickets than jobs');
    const nonces = ps.flatMap((p) => paymentFromWire(decodePaymentHeader(p.headers[PAYMENT_HEADER])).tickets.map((t) => t.ticket.senderNonce));
    assert.deepEqual(nonces.sort((a, b) => Number(a - b)), Array.from({ length: expected }, (_, i) => BigInt(i + 1)), 'every nonce once');
    for (const p of ps) payer.settle(p, 'received');
    const left = payer.credit.credit({ recipient: orchSigner.address, orchestrator: 'https://o.test:8935', manifest: '27_model' })!;
    assert.ok(left.eq(avail), `${left} = ${avail}`);
  });

  it('a job needing more tickets than one Livepeer-Payment carries is refused before signing (GW_PAYMENT_TOO_LARGE), its credit given back', async () => {
    const { sender, pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    const payer = new TicketPaymentSender({ signer: gatewaySigner, sender });
    const ev = ticketEV(FACE, computeWinProb(FACE, EV));
    // units whose fee (× 3/2) needs exactly n tickets of `ev` on an empty credit.
    const unitsFor = (n: number) => ev.mul(BigInt(2 * n - 1)).div(3n).floor();
    const req = (n: number) => ({ units: unitsFor(n), capabilities: job.capabilitiesWire, manifestId: '27_model' });
    const max = WIRE_LIMITS.ticketsPerPaymentHeader;
    await assert.rejects(payer.prepare(paymentTarget(sess), req(max + 1)), (e: unknown) => e instanceof PaymentError && e.code === 'GW_PAYMENT_TOO_LARGE' && /needs 472 tickets, above the 471-ticket/.test(e.message));
    assert.equal(sender.nonce(sess.pmSessionId!), 0n, 'nothing was signed');
    const key = { recipient: orchSigner.address, orchestrator: 'https://o.test:8935', manifest: '27_model' };
    assert.ok((payer.credit.credit(key) ?? Rat.ZERO).isZero(), 'the reservation was given back');
    const p = await payer.prepare(paymentTarget(sess), req(max));
    assert.equal(p.numTickets, max);
    assert.ok(p.headers[PAYMENT_HEADER]!.length <= WIRE_LIMITS.paymentHeaderChars);
    assert.equal(decodePaymentHeader(p.headers[PAYMENT_HEADER]).ticketSenderParams.length, max);
    payer.settle(p, 'refused');
  });

  it('signs segment credentials once per (session, manifest, capabilities) and reuses the bytes of ticketless payments', async () => {
    const { sender, pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    let segSigns = 0;
    const counting = { address: gatewaySigner.address, sign: (h: Uint8Array) => (segSigns++, gatewaySigner.sign(h)) };
    const payer = new TicketPaymentSender({ signer: counting, sender });
    const req = (manifestId = '27_model', capabilities = job.capabilitiesWire) => ({ units: 10n, capabilities, manifestId });
    const run = async (s = sess, r = req()) => {
      const p = await payer.prepare(paymentTarget(s), r);
      p.sent();
      payer.settle(p, 'received');
      const seg = verifySegmentCredentials(p.headers[SEGMENT_HEADER], { sender: gatewaySigner.address });
      return { p, seg };
    };
    const a = await run();
    const b = await run();
    assert.equal(segSigns, 1, 'one signature for two jobs of the same session and manifest');
    assert.equal(a.p.headers[SEGMENT_HEADER], b.p.headers[SEGMENT_HEADER]);
    await run(sess, req('27_other'));
    assert.equal(segSigns, 2, 'another manifest is signed');
    await run(sess, req('27_model', capabilitiesToWire(aiJobCapabilities('text-to-image', MODEL))));
    assert.equal(segSigns, 3, 'other capabilities are signed afresh');
    // A refreshed session brings a new auth token: its credentials carry it.
    const fresh = await pool.accept('https://o.test:8935', info(), job);
    const c = await run(fresh);
    assert.equal(segSigns, 4);
    assert.equal(c.seg.authToken?.sessionId, 'sess-1');
    // Fee 15 wei, EV ≈ 1000: two jobs bought a ticket each, the credit now covers the next ones without any.
    const d = await run();
    const e = await run();
    assert.deepEqual([a.p.numTickets, b.p.numTickets, d.p.numTickets, e.p.numTickets], [1, 1, 0, 0]);
    assert.equal(d.p.headers[PAYMENT_HEADER], e.p.headers[PAYMENT_HEADER]);
    const empty = paymentFromWire(decodePaymentHeader(e.p.headers[PAYMENT_HEADER]));
    assert.equal(empty.sender, gatewaySigner.address);
    assert.equal(empty.tickets.length, 0);
    assert.deepEqual([empty.expectedPriceWire?.pricePerUnit, empty.expectedPriceWire?.pixelsPerUnit], [3n, 2n]);
  });

  it('offchain: no tickets, the quoted price echoed, signed segment credentials', async () => {
    const { pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    const payer = new TicketPaymentSender({ signer: gatewaySigner, sender: undefined });
    const p = await payer.prepare(paymentTarget({ ...sess, pmSessionId: undefined }), { units: 100n, capabilities: job.capabilitiesWire, manifestId: 'm' });
    const payment = paymentFromWire(decodePaymentHeader(p.headers[PAYMENT_HEADER]));
    assert.equal(payment.tickets.length, 0);
    assert.equal(payment.ticketParams, undefined);
    assert.ok(p.fee.isZero(), 'offchain: zero price, nothing owed');
    verifySegmentCredentials(p.headers[SEGMENT_HEADER], { sender: gatewaySigner.address });
  });

  it('refuses orchestrators above the max price, without the model, or with params it will not pay with', async () => {
    const { pool, job, info } = setup();
    await assert.rejects(pool.accept('u', info({ pricePerUnit: 5n, pixelsPerUnit: 2n }), job), (e: unknown) => e instanceof SessionRefusedError && e.code === 'GW_PRICE_TOO_HIGH');
    await pool.accept('u', info({ pricePerUnit: 4n, pixelsPerUnit: 2n }), job); // equal to the max passes
    await pool.accept('u', info({ pricePerUnit: 0n, pixelsPerUnit: 1n }), job); // free always passes
    await assert.rejects(pool.accept('u', info(), { ...job, modelId: 'other/model' }), (e: unknown) => e instanceof SessionRefusedError && e.code === 'GW_MODEL_MISSING');
    const strict = setup({ maxEV: 10n });
    await assert.rejects(strict.pool.accept('u', strict.info(), strict.job), (e: unknown) => e instanceof SessionRefusedError && e.code === 'PM_EV_TOO_HIGH');
  });

  it('a job needing more tickets than one payment may carry is refused before sending (too costly here, not a broken orchestrator), nothing left reserved', async () => {
    const { sender, pool, job, info } = setup();
    const sess = await pool.accept('https://o.test:8935', info(), job);
    const payer = new TicketPaymentSender({ signer: gatewaySigner, sender });
    const ev = ticketEV(FACE, computeWinProb(FACE, EV));
    // units whose fee (× 3/2) is n tickets' EV
    const unitsFor = (n: number) => ev.mul(BigInt(n) * 2n).div(3n).ceil();
    const key = { recipient: orchSigner.address, orchestrator: 'https://o.test:8935', manifest: '27_model' };
    // 601 tickets: above pm's 600 nonces per params; 560: within it, but its Livepeer-Payment header
    // could pass 48 KiB. Both above the 471 that surely fit: refused before any is signed.
    for (const n of [601, 560]) {
      const err = await payer.prepare(paymentTarget(sess), { units: unitsFor(n), capabilities: job.capabilitiesWire, manifestId: '27_model' }).catch((e: unknown) => e);
      assert.ok(err instanceof PaymentError && err.code === 'GW_PAYMENT_TOO_LARGE', `${n} tickets: ${String(err)}`);
      assert.equal(classifyPaymentError(err.code).kind, 'too-costly');
      assert.equal(payer.credit.inFlight, 0);
      assert.ok((payer.credit.credit(key) ?? Rat.ZERO).isZero());
    }
    // Just below both limits: paid as usual.
    const ok = await payer.prepare(paymentTarget(sess), { units: unitsFor(400), capabilities: job.capabilitiesWire, manifestId: '27_model' });
    assert.equal(ok.numTickets, Number(ok.fee.div(ev).ceil()));
    assert.ok(ok.numTickets <= 401);
    payer.settle(ok, 'refused');
  });
});
