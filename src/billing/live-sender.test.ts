// The gateway's live payment sender against a real pm Sender (signed tickets, nonces) and an
// orchestrator stand-in that decodes every Livepeer-Payment it gets and answers PaymentResult with
// fresh ticket params, as O's /payment does. Time is a controlled clock: no sleeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import type { Address, Hex } from 'viem';
import { Rat } from '../money/index.js';
import { MAX_WIN_PROB, MemoryChainView, MemorySenderInfo, Sender, bytesToHex, keccak256, localTicketSigner, type TicketParams } from '../pm/index.js';
import {
  OrchestratorInfoSchema,
  PAYMENT_HEADER,
  PaymentResultSchema,
  SEGMENT_HEADER,
  decodePaymentHeader,
  decodeSegmentHeader,
  encodeMessage,
  paymentFromWire,
  priceInfoToWire,
  ticketParamsToWire,
} from '../wire/index.js';
import { LivePaymentSender, type LivePostResult } from './live-sender.js';
import { LIVE_INITIAL_PIXELS, LIVE_PIXELS_PER_SECOND as LV2V_UNITS_PER_SECOND } from './live-price.js';
import { tuneLivePayments } from './live-tuning.js';

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const RECIPIENT: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const rrh = (s: string): Hex => bytesToHex(keccak256(Buffer.from(s)));

/** 1000 wei per second on go-livepeer's lv2v unit (wei per pixel = 1000 / 27,648,000). */
const PRICE = { pricePerUnit: 1000n, pixelsPerUnit: LV2V_UNITS_PER_SECOND };

function params(seed: string, faceValue: bigint, winDen: bigint): TicketParams {
  return {
    recipient: RECIPIENT,
    faceValue,
    winProb: MAX_WIN_PROB / winDen,
    recipientRandHash: rrh(seed),
    seed: 1n,
    expirationBlock: 1000n,
    price: PRICE,
    expirationParams: { creationRound: 5n, creationRoundBlockHash: rrh('round') },
  };
}

function setup(opts: { intervalMs: number; faceValue?: bigint; winDen?: bigint; status?: (n: number) => number }) {
  const signer = localTicketSigner(KEY);
  const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: rrh('round') });
  const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, withdrawRound: 0n, reserve: { fundsRemaining: 10n ** 18n } });
  const sender = new Sender({ signer, chain, senders, maxEV: 10n ** 15n });
  const fv = opts.faceValue ?? 2_000_000n;
  const den = opts.winDen ?? 3000n; // EV ≈ 667 wei: 1.5 tickets per 1 s interval
  const first = params('p0', fv, den);
  const id = sender.startSession(first);
  let clock = 1_000_000;
  const received: { rrh: string; nonces: bigint[]; ev: Rat; manifest: string }[] = [];
  let n = 0;
  const post = async (url: string, headers: Record<string, string>): Promise<LivePostResult> => {
    assert.equal(url, 'https://o.example/payment');
    const p = paymentFromWire(decodePaymentHeader(headers[PAYMENT_HEADER]!));
    const seg = decodeSegmentHeader(headers[SEGMENT_HEADER]!);
    const status = opts.status?.(n) ?? 200;
    n++;
    if (status !== 200) return { status, body: new TextEncoder().encode('refused') };
    const nonces = p.senderParams.map((s) => s.senderNonce);
    const ev = p.ticketParams ? Rat.of(p.ticketParams.faceValue * p.ticketParams.winProb, MAX_WIN_PROB).mul(BigInt(nonces.length)) : Rat.ZERO;
    received.push({ rrh: p.ticketParams?.recipientRandHash ?? '', nonces, ev, manifest: new TextDecoder().decode(seg.manifestId) });
    const fresh = params(`p${n}`, fv, den);
    const info = create(OrchestratorInfoSchema, { transcoder: 'https://o.example', ticketParams: ticketParamsToWire(fresh), priceInfo: priceInfoToWire(PRICE) });
    return { status: 200, body: encodeMessage(PaymentResultSchema, create(PaymentResultSchema, { info })) };
  };
  const live = new LivePaymentSender({
    signer,
    sender,
    chain,
    post: (u, h) => post(u, h),
    intervalMs: opts.intervalMs,
    now: () => clock,
    target: {
      url: 'o.example:8935',
      transcoder: 'https://o.example',
      recipient: RECIPIENT,
      pmSessionId: id,
      price: PRICE,
      priceWire: priceInfoToWire(PRICE),
      authToken: undefined,
      faceValue: fv,
      ticketParams: first,
      capabilities: undefined as never,
    },
  });
  return { live, sender, received, advance: (ms: number) => (clock += ms), evOf: (t: TicketParams) => Rat.of(t.faceValue * t.winProb, MAX_WIN_PROB) };
}

describe('live payment tuning', () => {
  const base = { intervalMs: 5000, preloadMs: 60_000, maxTicketsPerPayment: 100 };
  it('pays every interval when an interval is worth 1–3 tickets', () => {
    const t = tuneLivePayments({ ...base, feePerInterval: Rat.from(250n), ticketEV: Rat.from(100n) });
    assert.equal(t.everyIntervals, 1);
    assert.equal(t.warning, undefined);
  });
  it('pays every ceil(EV / fee) intervals when one ticket is worth more than an interval', () => {
    const t = tuneLivePayments({ ...base, feePerInterval: Rat.from(30n), ticketEV: Rat.from(100n) });
    assert.equal(t.everyIntervals, 4);
    assert.ok(t.ticketsPerPayment.gte(1n) && t.ticketsPerPayment.lte(3n));
    assert.equal(t.warning, undefined);
  });
  it('never defers beyond half the preload, and says so', () => {
    const t = tuneLivePayments({ ...base, feePerInterval: Rat.from(1n), ticketEV: Rat.from(100n) });
    assert.equal(t.everyIntervals, 6); // 60 s / 2 / 5 s
    assert.match(t.warning ?? '', /smaller -ticketEV/);
  });
  it('says when an interval needs more than 3 tickets, or more than a payment carries', () => {
    assert.match(tuneLivePayments({ ...base, feePerInterval: Rat.from(1000n), ticketEV: Rat.from(100n) }).warning ?? '', /10 tickets/);
    assert.match(tuneLivePayments({ ...base, feePerInterval: Rat.from(100_000n), ticketEV: Rat.from(100n) }).warning ?? '', /fall behind/);
  });
});

describe('LivePaymentSender', () => {
  it('pays the preload at start, then elapsed × price at most once per interval, exactly', async () => {
    const { live, received, advance, evOf } = setup({ intervalMs: 1000 });
    await live.initialPayment();
    live.started('abcd1234');
    // The preload: 60 s at 1000 wei/s = 60,000 wei, in tickets of EV ≈ 667.
    const ev = evOf(params('p0', 2_000_000n, 3000n));
    assert.equal(live.tuning.everyIntervals, 1);
    assert.equal(live.totals().tickets, Number(Rat.from(60_000n).div(ev).ceil()));
    live.segment();
    assert.equal(received.length, 0, 'no payment before one interval has passed');
    advance(999);
    live.segment();
    assert.equal(received.length, 0);
    advance(501); // 1.5 s
    live.segment();
    live.segment(); // a second segment in the same instant: still one payment
    await live.idle();
    assert.equal(received.length, 1);
    assert.equal(received[0]!.manifest, 'abcd1234', 'interval payments are credited to the orchestrator\'s manifest id');
    advance(2250); // 3.75 s
    live.segment();
    await live.idle();
    const t = live.totals();
    // 3.75 s × 1000 wei/s, by hand.
    assert.ok(t.fees.eq(3750n), t.fees.toString());
    assert.equal(t.billedMs, 3750n);
    assert.equal(live.snapshot().secondsPaid, '3.750');
  });

  it('carries the sub-millisecond remainder into the next payment', async () => {
    const { live, advance } = setup({ intervalMs: 1000 });
    await live.initialPayment();
    live.started('m');
    advance(1500.6);
    await live.pay();
    assert.equal(live.totals().billedMs, 1500n);
    advance(1500.6); // 3001.2 ms since the start
    await live.pay();
    assert.equal(live.totals().billedMs, 3001n, 'nothing lost, nothing billed twice');
    assert.ok(live.totals().fees.eq(Rat.of(3001n * 1000n, 1000n)));
  });

  it('adopts the fresh ticket params of every PaymentResult for the next payment', async () => {
    const { live, received, advance, evOf } = setup({ intervalMs: 1000, faceValue: 200_000n, winDen: 100n }); // EV 2000 = 2 s of price
    await live.initialPayment();
    live.started('m');
    for (let i = 0; i < 4; i++) {
      advance(2000);
      await live.pay();
    }
    const withTickets = received.filter((r) => r.nonces.length > 0);
    assert.ok(withTickets.length >= 3, JSON.stringify(received.map((r) => r.nonces.length)));
    // Each payment uses the params of the previous reply (p1, p2, …), their nonces starting over at 1
    // (the first continues after the initial payment's on the discovery params).
    assert.deepEqual(received.map((r) => r.rrh), ['p0', 'p1', 'p2', 'p3'].map(rrh));
    for (const r of received.slice(1)) if (r.nonces.length > 0) assert.equal(r.nonces[0], 1n);
    const credited = received.reduce((a, r) => a.add(r.ev), Rat.ZERO);
    // Credited EV (as the orchestrator computes it from the tickets) = sent EV minus the preload's.
    const ev = evOf(params('p0', 200_000n, 100n));
    const preload = ev.mul(Rat.from(60_000n).div(ev).ceil());
    assert.ok(credited.add(preload).eq(live.totals().sentEV));
  });

  it('keeps a refused payment\'s time owed and its tickets uncounted: the next payment makes up for it', async () => {
    const { live, received, advance } = setup({ intervalMs: 1000, status: (n) => (n === 0 ? 400 : 200) });
    await live.initialPayment();
    live.started('m');
    const preloadEV = live.totals().sentEV;
    advance(60_000); // the whole preload used up
    await live.pay();
    assert.equal(live.snapshot().failedPayments, 1);
    assert.ok(live.totals().sentEV.eq(preloadEV), 'refused tickets are not credit');
    assert.match(live.snapshot().lastError ?? '', /HTTP 400/);
    advance(2000);
    await live.pay();
    // 62 s owed against 60,000 + 2,000 wei of preload credit: 62 s × 1000 = 62,000 → ≥ 1 ticket sent now.
    assert.ok(received[0]!.nonces.length >= 1);
    assert.ok(live.totals().sentEV.gte(62_000n), live.totals().sentEV.toString());
    assert.ok(live.totals().fees.eq(62_000n));
  });

  it('pays every interval even when no ticket is needed: tickets about every EV / fee intervals, one each', async () => {
    // EV 4000 wei = 4 intervals of 1 s at 1000 wei/s.
    const { live, received, advance } = setup({ intervalMs: 1000, faceValue: 400_000n, winDen: 100n });
    await live.initialPayment();
    live.started('m');
    assert.equal(live.tuning.everyIntervals, 4);
    for (let i = 0; i < 16; i++) {
      advance(1000);
      live.segment();
      await live.idle();
    }
    assert.equal(received.length, 16, 'one payment per interval');
    const counts = received.map((r) => r.nonces.length);
    assert.ok(counts.every((n) => n <= 1), JSON.stringify(counts));
    const withTickets = counts.filter((n) => n === 1).length;
    // 16 s = 16,000 wei at 4000 wei a ticket: 4 tickets, or 5 with go-livepeer's one-ticket head start.
    assert.ok(withTickets >= 4 && withTickets <= 5, JSON.stringify(counts));
    assert.ok(received.some((r) => r.nonces.length === 0), 'ticketless payments in between');
  });

  it('pays nothing more once stopped or suspended', async () => {
    const { live, received, advance } = setup({ intervalMs: 1000 });
    await live.initialPayment();
    live.started('m');
    live.suspend();
    advance(5000);
    live.segment();
    await live.idle();
    assert.equal(received.length, 0);
    await live.stop();
    await live.pay();
    assert.equal(received.length, 0);
  });

  it('sizes the default preload as go-livepeer (60 s at 1280·720·30)', () => {
    assert.equal(LIVE_INITIAL_PIXELS, 60n * 30n * 720n * 1280n);
  });
});
