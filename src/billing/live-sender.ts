// The gateway's LivePaymentSender (go-livepeer server/live_payment.go + live_payment_processor.go):
// per-second billing of one live stream on one orchestrator.
// - The initial payment covers `preloadUnits` (go-livepeer initPixelsToPay = 60·30·720·1280, 60 s
//   at its 720p30 unit) and goes on POST /live-video-to-video.
// - Then, on input segments (as go-livepeer) and on the caller's timer (`segment()` is both), once
//   per `intervalMs`, it pays the elapsed time since the stream started × price, in whole ms (live-price.ts LiveMeter: the sub-ms remainder
//   carries into the next payment, never lost and never billed twice).
//   POST <transcoder>/payment with Livepeer-Payment and Livepeer-Segment.
// - Tickets follow go-livepeer's StageUpdate: enough to keep our view of the credit ≥ max(fee, EV),
//   so a payment may carry none (it still goes: the orchestrator stops a stream whose payments
//   stop, live-receiver.ts); live-tuning.ts says how often tickets go and warns when the 1–3 aim
//   cannot be met.
// - Every PaymentResult's fresh ticket params are adopted for the next payment.
// The cycle itself (when a payment is due, one in flight, what was accepted, failures, the stop) is
// live-cycle.ts's, shared with the remote signer's sender (nodes/gateway/signer/live.ts).
// Unlike go-livepeer (nil error on a non-200 /payment, so a rejection counted as paid), a refused
// payment is an error here: its tickets are not counted as credit, and the time stays owed, so the
// next payment sends more tickets.
import { Rat, priceRat } from '../money/index.js';
import type { ChainView, Hex32, Sender, TicketParams } from '../pm/index.js';
import { PARAMS_EXPIRY_BUFFER } from '../pm/index.js';
import type { Capabilities, Hash32Signer, OrchestratorInfo } from '../wire/index.js';
import {
  PAYMENT_HEADER,
  PaymentResultSchema,
  SEGMENT_HEADER,
  WIRE_LIMITS,
  createPaymentSegCreds,
  decodeMessage,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
  ticketParamsFromWire,
} from '../wire/index.js';
import { AI_WORKER_PROTOCOL, PaymentError, type PaymentTarget } from './sender.js';
import { tuneLivePayments, type LiveTuning } from './live-tuning.js';
import { LIVE_INITIAL_SECONDS, LIVE_PIXELS_PER_SECOND, LiveMeter, liveFeeForMs } from './live-price.js';
import { LivePaymentCycle } from './live-cycle.js';

/** go-livepeer's paymentRequestTimeout. */
export const LIVE_PAYMENT_TIMEOUT_MS = 60_000;

export interface LivePaymentTarget extends PaymentTarget {
  /** OrchestratorInfo.transcoder (no trailing slash): /payment goes there. */
  transcoder: string;
  ticketParams: TicketParams | undefined;
  /** The job's capabilities (wire), signed into the segment credentials. */
  capabilities: Capabilities;
}

export interface LivePostResult {
  status: number;
  body: Uint8Array;
}
export type LivePaymentPost = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<LivePostResult>;

export interface LiveLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LivePaymentSenderOptions {
  signer: Hash32Signer;
  /** undefined = offchain: payments carry no tickets. */
  sender: Sender | undefined;
  chain?: ChainView | undefined;
  target: LivePaymentTarget;
  post: LivePaymentPost;
  intervalMs?: number;
  /** What the initial payment covers (default go-livepeer's 60 s; our -livePreloadSeconds). */
  preloadSeconds?: bigint;
  /** -maxTotalEV: caps the tickets of one payment. */
  maxTotalEV?: bigint;
  log?: LiveLog;
  now?: () => number;
}

/** What the status API shows of a stream's payments. All wei amounts are exact "n/d" strings. */
export interface LivePaymentSnapshot {
  /** Seconds billed so far (exact, as a decimal string with up to 3 decimals). */
  secondsPaid: string;
  fees: string;
  /** EV of the tickets the orchestrator accepted (initial payment included). */
  sentEV: string;
  ticketsSent: number;
  /** Our view of the orchestrator's balance for the stream: sentEV − fees. */
  balance: string;
  payments: number;
  failedPayments: number;
  /** ms since the epoch; undefined before the first interval payment. */
  lastPaymentAt: number | undefined;
  lastError: string | undefined;
  everyIntervals: number;
}

export class LivePaymentSender extends LivePaymentCycle {
  readonly preloadSeconds: bigint;
  #target: LivePaymentTarget;
  #meter: LiveMeter | undefined;
  #preloadFee = Rat.ZERO;
  #tuning: LiveTuning = { everyIntervals: 1, ticketsPerPayment: Rat.ZERO, warning: undefined };
  /** pm sessions started from PaymentResult params: ours to end (the first one is the pool's). */
  #owned: Hex32 | undefined;
  protected readonly failureText = 'live payment failed';

  constructor(private readonly o: LivePaymentSenderOptions) {
    super(o.intervalMs, o.now, o.log);
    this.preloadSeconds = o.preloadSeconds ?? LIVE_INITIAL_SECONDS;
    if (this.preloadSeconds < 0n) throw new RangeError(`preloadSeconds must be ≥ 0, got ${this.preloadSeconds}`);
    this.#target = o.target;
    this.#retune();
  }

  protected get orchestratorUrl(): string {
    return this.#target.url;
  }

  get target(): LivePaymentTarget {
    return this.#target;
  }
  get tuning(): LiveTuning {
    return this.#tuning;
  }
  /** The session price is charged: no price, no payments (go-livepeer: no processor). */
  get priced(): boolean {
    return priceRat(this.#target.price).gt(0n);
  }

  #ev(): Rat {
    const { sender } = this.o;
    const id = this.#target.pmSessionId;
    return sender && id && sender.hasSession(id) ? sender.ev(id) : Rat.ZERO;
  }

  #retune(): void {
    const ev = this.#ev();
    const perInterval = liveFeeForMs(BigInt(Math.floor(this.intervalMs)), this.#target.price);
    const before = this.#tuning;
    this.#tuning = tuneLivePayments({
      feePerInterval: perInterval,
      ticketEV: ev,
      intervalMs: this.intervalMs,
      preloadMs: Number(this.preloadSeconds * 1000n),
      maxTicketsPerPayment: ev.gt(0n) ? this.#maxTickets(ev) : WIRE_LIMITS.ticketsPerPaymentHeader,
    });
    const t = this.#tuning;
    if (t.warning && t.warning !== before.warning) this.o.log?.warn({ orchestrator: this.#target.url, everyIntervals: t.everyIntervals }, `live payments cannot be tuned: ${t.warning}`);
  }

  #maxTickets(ev: Rat): number {
    const byTotal = this.o.maxTotalEV !== undefined ? Number(Rat.from(this.o.maxTotalEV).div(ev).floor()) : Infinity;
    return Math.max(1, Math.min(WIRE_LIMITS.ticketsPerPaymentHeader, byTotal));
  }

  /** Livepeer-Payment + Livepeer-Segment (+ the AI worker marker) for `credit` wei against `existing`. */
  async #headers(minCredit: Rat, existing: Rat, manifestId: string): Promise<{ headers: Record<string, string>; tickets: number; ev: Rat }> {
    const t = this.#target;
    const ev = this.#ev();
    let tickets = 0;
    let payment: string;
    if (this.o.sender && t.pmSessionId && ev.gt(0n) && existing.lt(minCredit)) {
      tickets = Number(minCredit.sub(existing).div(ev).ceil());
      const max = this.#maxTickets(ev);
      if (tickets > max) {
        this.o.log?.warn({ orchestrator: t.url, tickets, max }, `a live payment needs ${tickets} tickets, above the ${max} one payment carries: the rest stays owed`);
        tickets = max;
      }
      try {
        const batch = await this.o.sender.createTicketBatch(t.pmSessionId, tickets);
        payment = encodePaymentHeader(paymentToWire(batch, { expectedPrice: t.priceWire }));
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new PaymentError(typeof code === 'string' ? `PM_${code}` : 'GW_PAYMENT_FAILED', `cannot pay ${t.url}: ${(err as Error).message}`, { cause: err });
      }
    } else {
      payment = encodePaymentHeader(emptyPayment(this.o.signer.address, t.priceWire));
    }
    const seg = encodeSegmentHeader(await createPaymentSegCreds({ manifestId, authToken: t.authToken, capabilities: t.capabilities }, this.o.signer));
    return { headers: { [PAYMENT_HEADER]: payment, [SEGMENT_HEADER]: seg, authorization: AI_WORKER_PROTOCOL }, tickets, ev };
  }

  /**
   * Headers for POST /live-video-to-video: tickets for the preload. The segment credentials carry a
   * fresh random manifest id (go-livepeer clears the session balance the same way); the orchestrator
   * credits its own manifest id. Then `started` or `startFailed`.
   */
  async initialPayment(): Promise<Record<string, string>> {
    const fee = this.priced ? priceRat(this.#target.price).mul(this.preloadSeconds * LIVE_PIXELS_PER_SECOND) : Rat.ZERO;
    const ev = this.#ev();
    const min = ev.gt(fee) ? ev : fee;
    const mid = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
    const h = await this.#headers(min, Rat.ZERO, mid);
    this.holdInitial({ tickets: h.tickets, ev: h.ev });
    this.#preloadFee = fee;
    return h.headers;
  }

  protected override onStarted(now: number): void {
    this.#meter = new LiveMeter(this.#target.price, now);
  }

  /** Pays for the time elapsed so far. */
  protected async cycle(now: number): Promise<void> {
    const meter = this.#meter!;
    // Our view of what the orchestrator holds beyond the preload (go-livepeer's local balance).
    const existing = this.sentEV.sub(this.#preloadFee).sub(meter.totalFee);
    const { fee } = meter.take(now);
    await this.#ensureFreshParams();
    const ev = this.#ev();
    const { headers, tickets } = await this.#headers(ev.gt(fee) ? ev : fee, existing, this.manifestId);
    const res = await this.o.post(`${this.#target.transcoder}/payment`, headers, this.abort.signal);
    if (res.status !== 200) throw new PaymentError('GW_PAYMENT_FAILED', `${this.#target.url} refused the live payment: HTTP ${res.status} ${new TextDecoder().decode(res.body.subarray(0, 500)).trim()}`);
    this.accepted({ tickets, ev }, now);
    this.#adopt(decodeMessage(PaymentResultSchema, res.body).info);
  }

  /** Params about to expire: a ticketless /payment brings fresh ones (its reply carries new params). */
  async #ensureFreshParams(): Promise<void> {
    const tp = this.#target.ticketParams;
    const chain = this.o.chain;
    const id = this.#target.pmSessionId;
    const stale = tp && chain ? tp.expirationBlock - chain.lastSeenL1Block() <= PARAMS_EXPIRY_BUFFER + 1n : false;
    if (!stale && (!id || !this.o.sender || this.o.sender.hasSession(id))) return;
    const { headers } = await this.#headers(Rat.ZERO, Rat.ZERO, this.manifestId);
    const res = await this.o.post(`${this.#target.transcoder}/payment`, headers, this.abort.signal);
    if (res.status !== 200) throw new PaymentError('GW_PAYMENT_FAILED', `${this.#target.url} refused a ticketless live payment: HTTP ${res.status}`);
    this.#adopt(decodeMessage(PaymentResultSchema, res.body).info);
  }

  /** go-livepeer updateSession: the reply's OrchestratorInfo and its fresh ticket params replace ours. */
  #adopt(info: OrchestratorInfo | undefined): void {
    if (!info) return;
    const t = this.#target;
    const next: LivePaymentTarget = { ...t, authToken: info.authToken ?? t.authToken };
    const sender = this.o.sender;
    if (sender && info.ticketParams) {
      let params: TicketParams;
      try {
        // The session price stays the one fixed at start (the orchestrator debits with it).
        params = ticketParamsFromWire(info.ticketParams, t.price);
      } catch (err) {
        this.o.log?.warn({ orchestrator: t.url }, `ignoring unusable ticket params in a payment result: ${(err as Error).message}`);
        return;
      }
      if (params.recipientRandHash.toLowerCase() !== t.pmSessionId?.toLowerCase()) {
        const id = sender.hasSession(params.recipientRandHash) ? params.recipientRandHash : sender.startSession(params);
        if (this.#owned && this.#owned !== id) sender.endSession(this.#owned);
        this.#owned = id;
        next.pmSessionId = id;
        next.ticketParams = params;
        next.faceValue = params.faceValue;
        next.recipient = params.recipient;
      }
    }
    this.#target = next;
    this.#retune();
  }

  /** The stop ends the pm session this sender started from PaymentResult params. */
  protected override onStopped(): void {
    if (this.#owned) this.o.sender?.endSession(this.#owned);
    this.#owned = undefined;
  }

  snapshot(): LivePaymentSnapshot {
    const ms = this.#meter?.billedMs ?? 0n;
    const fees = this.#meter?.totalFee ?? Rat.ZERO;
    return {
      secondsPaid: `${ms / 1000n}.${(ms % 1000n).toString().padStart(3, '0')}`,
      fees: fees.toString(),
      ...this.counters(),
      balance: this.sentEV.sub(fees).toString(),
      everyIntervals: this.#tuning.everyIntervals,
    };
  }

  /** Exact totals for callers that check the money (tests, the demo's settlement). */
  totals(): { billedMs: bigint; fees: Rat; sentEV: Rat; tickets: number } {
    return { billedMs: this.#meter?.billedMs ?? 0n, fees: this.#meter?.totalFee ?? Rat.ZERO, sentEV: this.sentEV, tickets: this.ticketsSent };
  }
}
