// The payment cycle both live senders share: the local one (live-sender.ts: our tickets) and the
// remote signer's (nodes/gateway/signer/live.ts: the signer's tickets). What is the same for both
// lives here, once:
// - when a payment is due: every interval from the start, tickets or not (the orchestrator stops a
//   stream that sends no payment for three intervals, live-receiver.ts), never before `started`,
//   never while suspended or stopped, one in flight at a time;
// - what the orchestrator accepted: tickets and EV (the start payment's once the start succeeded),
//   payments, the last accepted payment's time;
// - failures: counted, the last one kept for the status, logged with its code; never thrown to the
//   caller (the stream goes on, and the next cycle pays the time that is still owed);
// - the end: `final` pays up to the end, `stop` lets the payment in flight finish for a grace
//   period and then aborts it.
// A subclass says how one payment is made (`cycle`) and reports what was accepted (`accepted`).
import { Rat } from '../money/index.js';
import type { LiveLog } from './live-sender.js';
import { DEFAULT_LIVE_PAYMENT_INTERVAL_MS } from './live-price.js';

/** Tickets of one payment and the EV of each. */
export interface LiveCredit {
  tickets: number;
  ev: Rat;
}

/** Waits for `p` to settle (its outcome ignored), at most `ms`; the stop of a live payment sender. */
export async function settledWithin(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return;
  let t: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => {}), new Promise<void>((r) => (t = setTimeout(r, ms)))]);
  clearTimeout(t);
}

export abstract class LivePaymentCycle {
  readonly intervalMs: number;
  protected readonly now: () => number;
  /** Aborts the request in flight when the sender stops. */
  protected readonly abort = new AbortController();
  protected manifestId = '';
  #started = false;
  #lastAttemptAt = 0;
  #sentEV = Rat.ZERO;
  #tickets = 0;
  #payments = 0;
  #failed = 0;
  #lastPaymentAt: number | undefined;
  #lastError: string | undefined;
  #pendingInitial: LiveCredit | undefined;
  #inFlight: Promise<void> | undefined;
  #stopped = false;
  #suspended = false;

  constructor(
    intervalMs: number | undefined,
    now: (() => number) | undefined,
    protected readonly log: LiveLog | undefined,
  ) {
    this.intervalMs = intervalMs ?? DEFAULT_LIVE_PAYMENT_INTERVAL_MS;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${this.intervalMs}`);
    this.now = now ?? Date.now;
  }

  /** The session price is charged: no price, no payments (go-livepeer: no processor). */
  abstract get priced(): boolean;
  /** The orchestrator, for logs. */
  protected abstract get orchestratorUrl(): string;
  /** How a failed cycle is logged ("live payment failed"). */
  protected abstract readonly failureText: string;
  /**
   * One payment at `now`. Reports what the orchestrator accepted with `accepted` as soon as it
   * answered 200 (before anything that may still fail, so the credit is never lost); throws a
   * typed error when the payment failed. Resolving without `accepted` = nothing was sent.
   */
  protected abstract cycle(now: number): Promise<void>;
  /** The stream's time starts now. */
  protected onStarted(_now: number): void {}
  /** A cycle failed (already counted and logged). */
  protected onFailed(_err: unknown): void {}
  /** Before the final cycle. */
  protected beforeFinal(): void {}
  /** After the stop (the request in flight is settled or aborted). */
  protected onStopped(): void {}

  protected get sentEV(): Rat {
    return this.#sentEV;
  }
  protected get ticketsSent(): number {
    return this.#tickets;
  }
  /** Status counters shared by both snapshots. */
  protected counters(): { sentEV: string; ticketsSent: number; payments: number; failedPayments: number; lastPaymentAt: number | undefined; lastError: string | undefined } {
    return { sentEV: this.#sentEV.toString(), ticketsSent: this.#tickets, payments: this.#payments, failedPayments: this.#failed, lastPaymentAt: this.#lastPaymentAt, lastError: this.#lastError };
  }

  /** The start payment's tickets, counted once the orchestrator accepts the start (`started`). */
  protected holdInitial(c: LiveCredit): void {
    this.#pendingInitial = c;
  }

  /** The orchestrator answered 200 to the payment made at `at`. */
  protected accepted(c: LiveCredit, at: number): void {
    this.#credit(c);
    this.#payments++;
    this.#lastPaymentAt = at;
    this.#lastError = undefined;
  }

  #credit(c: LiveCredit): void {
    this.#tickets += c.tickets;
    this.#sentEV = this.#sentEV.add(c.ev.mul(BigInt(c.tickets)));
  }

  /** The orchestrator accepted the start (and so the initial tickets): time runs from now. */
  started(manifestId: string): void {
    const p = this.#pendingInitial;
    if (p) this.#credit(p);
    this.#pendingInitial = undefined;
    this.manifestId = manifestId;
    const now = this.now();
    this.#started = true;
    this.#lastAttemptAt = now;
    this.onStarted(now);
  }

  startFailed(): void {
    this.#pendingInitial = undefined;
  }

  /** Called per input segment and by the link's timer: pays when due (in the background; failures are logged and kept for the status). */
  segment(): void {
    if (this.#inFlight || !this.#due()) return;
    this.#inFlight = this.pay().finally(() => {
      this.#inFlight = undefined;
    });
  }

  #due(): boolean {
    if (this.#stopped || this.#suspended || !this.#started || !this.priced) return false;
    // Every interval, tickets or not: the orchestrator counts a payment more than two intervals late as stopped.
    return this.now() - this.#lastAttemptAt >= this.intervalMs;
  }

  /** One cycle now (unless stopped or not started). Resolves when it is over; never throws. */
  async pay(): Promise<void> {
    if (this.#stopped || !this.#started || !this.priced) return;
    const now = this.now();
    this.#lastAttemptAt = now;
    try {
      await this.cycle(now);
      this.#lastError = undefined;
    } catch (err) {
      if (this.#stopped) return;
      this.#failed++;
      this.#lastError = (err as Error).message;
      this.log?.warn({ orchestrator: this.orchestratorUrl, manifestId: this.manifestId, code: (err as { code?: unknown }).code }, `${this.failureText}: ${this.#lastError}`);
      this.onFailed(err);
    }
  }

  /**
   * The stream is ending normally: pay for the time since the last payment, so the orchestrator is
   * paid to the end (go-livepeer pays nothing for the last partial interval and leaves it to the
   * preload). Nothing when suspended or stopped.
   */
  async final(): Promise<void> {
    if (this.#suspended || this.#stopped) return;
    await this.#inFlight?.catch(() => {});
    this.beforeFinal();
    await this.pay();
  }

  /** Stops paying (the gateway keeps streaming): what an unpaid stream looks like to the orchestrator. */
  suspend(): void {
    this.#suspended = true;
  }

  /**
   * Ends the sender: no further payment; the one in flight may finish for `graceMs` (so the
   * orchestrator's credit and ours agree), then it is aborted.
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.#stopped = true;
    await settledWithin(this.#inFlight, graceMs);
    this.abort.abort();
    await this.#inFlight?.catch(() => {});
    this.onStopped();
  }

  /** Resolves once the payment in flight (if any) is answered. */
  async idle(): Promise<void> {
    await this.#inFlight;
  }
}
