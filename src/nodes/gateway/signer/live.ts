// A live stream's payments through the remote signer (go-livepeer remotePaymentSender, with the
// answers it leaves unhandled handled): the same surface as billing's LivePaymentSender, so the
// stream and its link do not know who signs.
// - The initial payment is a fresh signer session (null state, no manifest id, type lv2v): the
//   signer bills its 60 s preload; its headers go on POST /live-video-to-video.
// - Then, driven by input segments, at most once per interval: a signer call with the last state
//   and the orchestrator's manifest id (never before a 482's retryAfterMs: until then only the
//   ticketless payment), then POST <transcoder>/payment with both headers. The signer bills its
//   own wall-clock time between successful calls, so a skipped or failed cycle loses nothing: the
//   next one bills it.
// - A PaymentResult's info (fresh ticket params, our auth token kept) is what the next call sends;
//   the capabilities go with every call, so the orchestrator prices it for the model.
// - 481 stops the payments and resolves `refused`: the link ends and the stream swaps.
// The cycle (when due, one in flight, counting, failures, the stop) is billing's LivePaymentCycle.
// What the status shows: EV sent (decoded from the payments), the fees the signer billed
// (sent EV − the state's Balance − the preload fee; the state is read, never changed), the signer's
// last answer, 482s, failures.
import { Rat, priceRat, type PriceInfo } from '../../../money/index.js';
import type { OrchestratorInfo } from '../../../wire/index.js';
import { PAYMENT_HEADER, PaymentResultSchema, SEGMENT_HEADER, decodeBase64Strict, decodeMessage, emptyPayment, encodePaymentHeader } from '../../../wire/index.js';
import { AI_WORKER_PROTOCOL, LIVE_INITIAL_SECONDS, LIVE_PIXELS_PER_MS, LIVE_PIXELS_PER_SECOND, LivePaymentCycle, PaymentError, type LiveLog, type LivePaymentPost, type LivePaymentSnapshot } from '../../../billing/index.js';
import type { SignedStateWire } from '../../../signer/index.js';
import { paymentTickets, toPaymentError } from './batch.js';
import { SignerClientError } from './errors.js';
import { SignerSession } from './session.js';

export interface SignerLiveRefusal {
  code: string;
  message: string;
}

export interface SignerLivePaymentSenderOptions {
  session: SignerSession;
  /** The orchestrator's discovery URL (logs) and OrchestratorInfo.transcoder (/payment). */
  url: string;
  transcoder: string;
  /** The price fixed at start (the signer bills with the initial price too). */
  price: PriceInfo;
  post: LivePaymentPost;
  /** The signer's address: Payment.sender of the ticketless payment sent on a 482. */
  address: string;
  intervalMs?: number;
  /** The signer's preload for lv2v (go-livepeer: 60 s); only for the status's fee figure. */
  preloadSeconds?: bigint;
  log?: LiveLog;
  now?: () => number;
}

/** The signer's Balance in a state (read only: the state stays opaque on the wire). */
export function stateBalance(state: SignedStateWire | undefined): Rat | undefined {
  if (!state) return undefined;
  try {
    const bytes = decodeBase64Strict(state.State);
    if (!bytes) return undefined;
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { Balance?: unknown };
    return typeof json.Balance === 'string' && json.Balance !== '' ? Rat.parse(json.Balance) : undefined;
  } catch {
    return undefined;
  }
}

export class SignerLivePaymentSender extends LivePaymentCycle {
  #skipped = 0;
  #notBefore = 0;
  /** The last segment credentials the signer gave (a 482's ticketless payment carries them). */
  #segCreds: string | undefined;
  #settleRefused!: (r: SignerLiveRefusal) => void;
  /** Resolves when the signer refuses the orchestrator for good (481): the link ends, the stream swaps. */
  readonly refused: Promise<SignerLiveRefusal>;
  protected readonly failureText = 'live payment through the remote signer failed';

  constructor(private readonly o: SignerLivePaymentSenderOptions) {
    super(o.intervalMs, o.now, o.log);
    this.refused = new Promise((r) => (this.#settleRefused = r));
  }

  protected get orchestratorUrl(): string {
    return this.o.url;
  }

  get priced(): boolean {
    return priceRat(this.o.price).gt(0n);
  }
  get session(): SignerSession {
    return this.o.session;
  }

  #headers(payment: string, segCreds: string): Record<string, string> {
    return { [PAYMENT_HEADER]: payment, [SEGMENT_HEADER]: segCreds, authorization: AI_WORKER_PROTOCOL };
  }

  /** A fresh signer session's first call: the preload, for POST /live-video-to-video. Throws PaymentError. */
  async initialPayment(): Promise<Record<string, string>> {
    let r;
    try {
      r = await this.o.session.call({ type: 'lv2v', signal: this.abort.signal });
    } catch (err) {
      throw toPaymentError(err, this.o.url);
    }
    if (r.kind !== 'paid') throw toPaymentError(new SignerClientError('GW_SIGNER_NO_SEGCREDS', 'the remote signer answered 482 to a fresh session: nothing to start the stream with'), this.o.url);
    this.holdInitial(this.#count(r.payment));
    this.#segCreds = r.segCreds;
    return this.#headers(r.payment, r.segCreds);
  }

  #count(payment: string): { tickets: number; ev: Rat } {
    try {
      return paymentTickets(payment);
    } catch (err) {
      throw toPaymentError(new SignerClientError('GW_SIGNER_BAD_REPLY', `the remote signer's payment does not decode: ${(err as Error).message}`, { cause: err }), this.o.url);
    }
  }

  /**
   * One cycle: signer, then /payment (unless the signer says 482). Errors are kept for the status.
   * While a 482's retryAfterMs holds, the signer is not called: the cycle is the ticketless payment
   * alone (the 482 still stands: the state's credit covers the time until then).
   */
  protected async cycle(now: number): Promise<void> {
    const held = now < this.#notBefore;
    let r: Awaited<ReturnType<SignerSession['call']>>;
    if (held) {
      r = { kind: 'skip', retryAfterMs: undefined, info: this.o.session.info };
    } else {
      try {
        r = await this.o.session.call({ type: 'lv2v', manifestId: this.manifestId, signal: this.abort.signal });
      } catch (err) {
        throw toPaymentError(err, this.o.url);
      }
    }
    let headers: Record<string, string>;
    let counted = { tickets: 0, ev: Rat.ZERO };
    if (r.kind === 'skip') {
      // Paid enough for now: no tickets, no stall; the state is unchanged and the time carries
      // over. The orchestrator still gets a ticketless payment every interval, also while
      // retryAfterMs holds: ours stops a stream that sends no payment for three intervals, and a
      // retryAfterMs (when the signer's credit runs out) can be longer than that (go-livepeer's
      // remote sender sends nothing here).
      if (!held) {
        this.#skipped++;
        if (r.retryAfterMs !== undefined) this.#notBefore = now + r.retryAfterMs;
      }
      if (!this.#segCreds) return;
      headers = this.#headers(encodePaymentHeader(emptyPayment(this.o.address, r.info.priceInfo)), this.#segCreds);
    } else {
      counted = this.#count(r.payment);
      this.#segCreds = r.segCreds;
      headers = this.#headers(r.payment, r.segCreds);
    }
    const res = await this.o.post(`${this.o.transcoder}/payment`, headers, this.abort.signal);
    if (res.status !== 200) throw new PaymentError('GW_PAYMENT_FAILED', `${this.o.url} refused the live payment: HTTP ${res.status} ${new TextDecoder().decode(res.body.subarray(0, 500)).trim()}`);
    this.accepted(counted, now);
    this.#adopt(r.info, res.body);
  }

  /** 481: the signer refuses this orchestrator's price for good — stop paying, end the link. */
  protected override onFailed(err: unknown): void {
    const code = (err as { code?: string }).code;
    if (code === 'GW_SIGNER_PRICE_EXCEEDED') {
      this.suspend();
      this.#settleRefused({ code, message: (err as Error).message });
    }
  }

  /** go-livepeer updateSession: the PaymentResult's info, with the auth token we hold (the orchestrator keeps it too). */
  #adopt(sent: OrchestratorInfo, body: Uint8Array): void {
    let info: OrchestratorInfo | undefined;
    try {
      info = decodeMessage(PaymentResultSchema, body).info;
    } catch (err) {
      this.o.log?.warn({ orchestrator: this.o.url }, `ignoring an undecodable payment result: ${(err as Error).message}`);
      return;
    }
    if (!info || !info.ticketParams) return;
    if (this.o.session.info !== sent) return; // refreshed meanwhile (480): that info is newer
    this.o.session.setInfo({ ...info, authToken: sent.authToken ?? info.authToken });
  }

  /** The last cycle asks the signer whatever a 482 said: it bills the time up to the end. */
  protected override beforeFinal(): void {
    this.#notBefore = 0;
  }

  /** The fees the signer billed for stream time (its preload excluded): sent EV − its Balance − the preload fee. */
  #fees(): Rat {
    const balance = stateBalance(this.o.session.state);
    if (balance === undefined) return Rat.ZERO;
    const preload = priceRat(this.o.price).mul((this.o.preloadSeconds ?? LIVE_INITIAL_SECONDS) * LIVE_PIXELS_PER_SECOND);
    const f = this.sentEV.sub(balance).sub(preload);
    return f.isNegative() ? Rat.ZERO : f;
  }

  totals(): { billedMs: bigint; fees: Rat; sentEV: Rat; tickets: number } {
    const fees = this.#fees();
    const perMs = priceRat(this.o.price).mul(LIVE_PIXELS_PER_MS);
    return { billedMs: perMs.gt(0n) ? fees.div(perMs).floor() : 0n, fees, sentEV: this.sentEV, tickets: this.ticketsSent };
  }

  snapshot(): LivePaymentSnapshot & { skipped: number; signer: { status: number; code: string | undefined; at: string } | undefined } {
    const t = this.totals();
    const ms = t.billedMs;
    const last = this.o.session.last;
    return {
      secondsPaid: `${ms / 1000n}.${(ms % 1000n).toString().padStart(3, '0')}`,
      fees: t.fees.toString(),
      ...this.counters(),
      balance: this.sentEV.sub(t.fees).toString(),
      everyIntervals: 1,
      skipped: this.#skipped,
      signer: last ? { status: last.status, code: last.code, at: new Date(last.at).toISOString() } : undefined,
    };
  }
}
