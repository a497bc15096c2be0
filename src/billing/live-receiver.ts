// The orchestrator's live receiver: per-second debits of a live stream's credit (go-livepeer's
// livePaymentReceiver.AccountPayment driven by NewLV2VPaymentProcessor, reference §1.7). Tickets
// are credited to (sender, manifest id) by TicketPaymentReceiver; this debits the stream's wall-clock
// time from the same Balances entry once per interval, at the price fixed when the stream started.
//
// Differences from go-livepeer, on purpose:
//  - A timer drives the debits, not the arrival of input segments: go-livepeer stops charging when
//    the gateway stops sending media, while the runner (and its GPU) is still held.
//  - When the balance cannot cover an interval, the stream's handlers first get the figures (the
//    orchestrator writes them as an `insufficient_balance` event, live-events.ts), then the stream
//    is stopped; go-livepeer closes the channels with no reason given.
//  - The unpaid interval is still debited (the balance goes below zero), as is the time since the
//    last interval when the stream ends normally, so the fees debited are always the time streamed
//    × price exactly; go-livepeer drops the last partial interval.
//  - A stream whose payments stop is stopped within two intervals of the payment it missed, not
//    when its preload runs out (60 s in go-livepeer): the credit its start payment bought is held as
//    its reserve (both go-livepeer's gateway and ours count that preload as spent at the start and
//    keep paying the elapsed time on top of it), and when no payment (ticketless ones count) has
//    come for `graceIntervals` + 1 intervals and the credit beyond the reserve is used up, the
//    stream is stopped with the same figures (cause `payment_overdue`). A stream paid further ahead
//    runs exactly to the end of what it paid (checked at that moment), then stops the same way.
import { Rat, type PriceInfo } from '../money/index.js';
import type { Balances } from './balances.js';
import { BillingError } from './errors.js';
import type { InsufficientBalance, LiveStopCause } from './live-events.js';
import { DEFAULT_LIVE_PAYMENT_INTERVAL_MS, LiveMeter, liveWeiPerSecond } from './live-price.js';

export interface LiveReceiverOptions {
  balances: Balances;
  /** -livePaymentInterval, ms (go-livepeer: 5 s). */
  intervalMs?: number;
  /** Streams accounted at once; one more is refused (the orchestrator's live capacity is lower). */
  maxStreams?: number;
  /** Monotonic ms for stream time (default performance.now). */
  clock?: () => number;
  /** Unix ms for payment times (default Date.now). */
  wallClock?: () => number;
  /** false: no interval timers (tests drive `tick`). Default true. */
  timers?: boolean;
  /**
   * How many intervals late a payment may be before an unpaid stream living on its reserve is
   * stopped (default 2: a gateway that pays every interval, on input segments as go-livepeer's,
   * is never that late).
   */
  graceIntervals?: number;
}

/** A payment may be this many intervals late (see graceIntervals). */
export const LIVE_PAYMENT_GRACE_INTERVALS = 2;

export interface LiveStreamTerms {
  manifestId: string;
  sender: string;
  /** Wire price per 720p30 pixel (live-price.ts): fixed for the stream's life. */
  price: PriceInfo;
}

export type LiveStopReason = 'insufficient_balance';

export interface LiveStreamHandlers {
  /** The balance cannot cover the interval: tell the gateway (awaited, errors ignored) before the stop. */
  onInsufficientBalance(f: InsufficientBalance): Promise<void> | void;
  /** The receiver ends the stream: close its channels, stop its runner, then call `close`. */
  onStop(reason: LiveStopReason): void;
}

/** One stream's account, as the status and stats read it. */
export interface LiveStreamView {
  manifestId: string;
  sender: string;
  price: PriceInfo;
  pricePerSecond: Rat;
  billedMs: bigint;
  credited: Rat;
  debited: Rat;
  lastPaymentAt: number | undefined;
  /** The start payment's credit, held back: an unpaid stream may not stream on it. */
  reserve: Rat;
  stopping: boolean;
}

export const DEFAULT_MAX_LIVE_STREAMS = 256;

class Stream {
  readonly meter: LiveMeter;
  readonly pricePerSecond: Rat;
  credited = Rat.ZERO;
  debited = Rat.ZERO;
  lastPaymentAt: number | undefined;
  reserve = Rat.ZERO;
  timer: NodeJS.Timeout | undefined;
  /** Fires when the next payment is `graceIntervals` late; re-armed by every payment. */
  deadline: NodeJS.Timeout | undefined;
  stopping = false;
  constructor(
    readonly terms: LiveStreamTerms,
    readonly handlers: LiveStreamHandlers,
    start: number,
  ) {
    this.meter = new LiveMeter(terms.price, start);
    this.pricePerSecond = liveWeiPerSecond(terms.price);
  }
}

/** Whole ms (at least 1, +1 so the check finds it spent) that `credit` pays for at `perSecond` wei/s. */
function msCoveredBy(credit: Rat, perSecond: Rat): number {
  if (!perSecond.gt(Rat.ZERO)) return 1;
  const ms = credit.mul(1000n).div(perSecond).ceil();
  // Bounded: a timer holds at most ~24.8 days; a later check comes from the interval pass anyway.
  return Number(ms > 2_000_000_000n ? 2_000_000_000n : ms) + 1;
}

export class LivePaymentReceiver {
  readonly intervalMs: number;
  readonly maxStreams: number;
  readonly #streams = new Map<string, Stream>();
  readonly #balances: Balances;
  readonly #clock: () => number;
  readonly #wall: () => number;
  readonly #timers: boolean;
  /** No payment for this long (ms): overdue. */
  readonly overdueMs: number;

  constructor(o: LiveReceiverOptions) {
    this.#balances = o.balances;
    this.intervalMs = o.intervalMs ?? DEFAULT_LIVE_PAYMENT_INTERVAL_MS;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs <= 0) throw new RangeError(`livePaymentInterval must be > 0 ms, got ${this.intervalMs}`);
    this.maxStreams = o.maxStreams ?? DEFAULT_MAX_LIVE_STREAMS;
    this.#clock = o.clock ?? (() => performance.now());
    this.#wall = o.wallClock ?? Date.now;
    this.#timers = o.timers ?? true;
    const grace = o.graceIntervals ?? LIVE_PAYMENT_GRACE_INTERVALS;
    if (!Number.isFinite(grace) || grace < 0) throw new RangeError(`graceIntervals must be ≥ 0, got ${grace}`);
    this.overdueMs = (1 + grace) * this.intervalMs;
  }

  get size(): number {
    return this.#streams.size;
  }

  /**
   * Starts accounting a stream from now. `credited` is what its start payment credited (recorded as
   * its first payment). Throws BillingError INSUFFICIENT_CAPACITY (503) when maxStreams are open.
   */
  open(terms: LiveStreamTerms, handlers: LiveStreamHandlers, credited: Rat = Rat.ZERO): LiveStreamView {
    if (this.#streams.has(terms.manifestId)) throw new RangeError(`live stream ${terms.manifestId} is already accounted`);
    if (this.#streams.size >= this.maxStreams) {
      throw new BillingError('INSUFFICIENT_CAPACITY', 503, `insufficient capacity: this orchestrator accounts at most ${this.maxStreams} live streams at once: try another orchestrator`);
    }
    const s = new Stream(terms, handlers, this.#clock());
    s.credited = credited;
    s.reserve = credited;
    s.lastPaymentAt = this.#wall();
    this.#streams.set(terms.manifestId, s);
    // No price, nothing to debit (go-livepeer makes no payment processor then).
    if (this.#timers && terms.price.pricePerUnit !== 0n) {
      // Not unref'd: a stream left open holds the process, so a leak shows instead of hiding.
      s.timer = setInterval(() => void this.tick(terms.manifestId), this.intervalMs);
      this.#arm(s);
    }
    return this.#view(s);
  }

  /** The stream's sender, or undefined when no such stream is accounted. */
  senderOf(manifestId: string): string | undefined {
    return this.#streams.get(manifestId)?.terms.sender;
  }

  /** Records a payment credited to the stream (its tickets were credited to the Balances entry). */
  noteCredit(manifestId: string, amount: Rat): void {
    const s = this.#streams.get(manifestId);
    if (!s) return;
    s.credited = s.credited.add(amount);
    s.lastPaymentAt = this.#wall();
    if (s.deadline) this.#arm(s);
  }

  /** (Re)arms the overdue check for `overdueMs` after the last payment (the check is a tick). */
  #arm(s: Stream): void {
    // +1 ms: the check must find the payment strictly older than overdueMs.
    this.#armAt(s, this.overdueMs + 1);
  }

  #armAt(s: Stream, ms: number): void {
    if (s.deadline) clearTimeout(s.deadline);
    s.deadline = setTimeout(() => void this.tick(s.terms.manifestId), ms);
  }

  view(manifestId: string): LiveStreamView | undefined {
    const s = this.#streams.get(manifestId);
    return s && this.#view(s);
  }

  /**
   * One accounting pass (the interval timer and the overdue deadline call it): debits the stream
   * time since the last pass; when the balance does not cover it, or the stream is overdue (no
   * payment for overdueMs, and the credit beyond its reserve used up), hands
   * the figures to the stream's handlers and stops it.
   * Returns the figures when it stopped the stream.
   */
  async tick(manifestId: string): Promise<InsufficientBalance | undefined> {
    const s = this.#streams.get(manifestId);
    if (!s || s.stopping) return undefined;
    const { sender } = s.terms;
    const now = this.#clock();
    const owed = s.meter.dueFee(now);
    const balance = this.#balances.balance(sender, manifestId) ?? Rat.ZERO;
    const since = s.lastPaymentAt === undefined ? Infinity : this.#wall() - s.lastPaymentAt;
    // Overdue: no payment for overdueMs, and the stream has used up what it paid beyond its reserve
    // (it is living on the reserve). A sender that paid ahead (large tickets, as go-livepeer's
    // remote-signer gateway sends: it skips intervals while its credit lasts) streams exactly to the
    // end of what it paid: the check is re-armed for that moment, not left to the next pass.
    const overdueNeed = owed.add(s.reserve);
    const ahead = balance.sub(overdueNeed);
    const late = since > this.overdueMs;
    const overdue = late && ahead.lt(Rat.ZERO);
    if (late && !overdue && this.#timers && !balance.lt(owed)) this.#armAt(s, msCoveredBy(ahead, s.pricePerSecond));
    if (owed.isZero() && !overdue) return undefined;
    this.#debit(s, now);
    const cause: LiveStopCause | undefined = balance.lt(owed) ? 'credit_exhausted' : overdue ? 'payment_overdue' : undefined;
    if (!cause) return undefined;
    s.stopping = true;
    this.#clearTimer(s);
    const required = cause === 'credit_exhausted' ? owed : overdueNeed;
    const figures: InsufficientBalance = {
      manifestId,
      sender,
      cause,
      balance,
      owed,
      required,
      shortfall: required.sub(balance),
      reserve: s.reserve,
      pricePerSecond: s.pricePerSecond,
      price: s.terms.price,
      lastPaymentAt: s.lastPaymentAt,
      stoppedAt: this.#wall(),
      billedMs: s.meter.billedMs,
      credited: s.credited,
      debited: s.debited,
    };
    try {
      await s.handlers.onInsufficientBalance(figures);
    } catch {
      // The stop below is what matters; telling the gateway is best effort.
    }
    s.handlers.onStop('insufficient_balance');
    return figures;
  }

  /**
   * The stream ended (or was stopped): debits its time since the last pass (unless the receiver
   * stopped it, whose figures already went out), stops its timer and forgets it. Idempotent.
   */
  close(manifestId: string): LiveStreamView | undefined {
    const s = this.#streams.get(manifestId);
    if (!s) return undefined;
    if (!s.stopping) this.#debit(s, this.#clock());
    s.stopping = true;
    this.#clearTimer(s);
    this.#streams.delete(manifestId);
    return this.#view(s);
  }

  /** Ends every stream's accounting (the orchestrator is shutting down). */
  closeAll(): void {
    for (const id of [...this.#streams.keys()]) this.close(id);
  }

  #debit(s: Stream, now: number): void {
    const c = s.meter.take(now);
    if (c.fee.isZero()) return;
    this.#balances.debit(s.terms.sender, s.terms.manifestId, c.fee);
    s.debited = s.debited.add(c.fee);
  }

  #clearTimer(s: Stream): void {
    if (s.timer) clearInterval(s.timer);
    if (s.deadline) clearTimeout(s.deadline);
    s.timer = undefined;
    s.deadline = undefined;
  }

  #view(s: Stream): LiveStreamView {
    return {
      manifestId: s.terms.manifestId,
      sender: s.terms.sender,
      price: s.terms.price,
      pricePerSecond: s.pricePerSecond,
      billedMs: s.meter.billedMs,
      credited: s.credited,
      debited: s.debited,
      lastPaymentAt: s.lastPaymentAt,
      reserve: s.reserve,
      stopping: s.stopping,
    };
  }
}
