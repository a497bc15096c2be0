// Receiving payment for one job, orchestrator side (go-livepeer handleAIRequest's payment steps):
// decode Livepeer-Payment (402) → price the job → tickets through pm's Recipient (400) → credit EV
// to (sender, manifest) → balance check (400) → after the job, debit units × price. With a sender
// funds check (the orchestrator's sender monitor), tickets the sender's deposit or reserve share
// cannot cover are refused first (402 INSUFFICIENT_SENDER_FUNDS), before any is credited.
//
// The price is ours: the orchestrator's own price for the job's capability AND model, raised to
// the gateway's claimed expected_price when that is higher (go-livepeer charges the claim), never
// lowered — whatever the ticket params were quoted at (a capability-less GetOrchestrator quotes
// the base price, often 0). A claim below our price is refused before anything is credited.
// go-livepeer instead fixes the claimed price for (sender, manifest) at the first payment — even
// one without tickets, or one whose tickets are then refused — and debits that: free work for a
// hostile gateway. Nothing is fixed here.
import type { Address } from 'viem';
import { LivepeerError } from '../errors/index.js';
import { Rat, priceRat, type PriceInfo } from '../money/index.js';
import type { PaymentResult, Recipient } from '../pm/index.js';
import type { DecodedPayment, HeaderValue } from '../wire/index.js';
import { WireError, decodePaymentHeader, paymentFromWire } from '../wire/index.js';
import type { Balances } from './balances.js';
import { BillingError } from './errors.js';

/** The orchestrator's own price list (OrchestratorPricing). */
export interface JobPriceSource {
  forJob(sender: string | undefined, capability: number, modelId: string): PriceInfo;
}

/** Counters the receiver reports to (the orchestrator's stats). */
export interface ReceiverEvents {
  ticketsSeen(received: number, valid: number, winning: number): void;
  credited(ev: Rat): void;
}

export interface JobToCharge {
  capability: number;
  modelId: string;
  units: bigint;
  /** The balance key with the sender; default go-livepeer's AI manifest "<capability>_<model>" (a live stream: its manifest id). */
  manifest?: string;
}

/** An accepted payment: run the job, then `debit()` once it has succeeded, or `release()` when it failed. */
export interface JobCharge {
  /** go-livepeer's AI manifest id "<capability>_<model>": the balance key with the sender. */
  manifest: string;
  /** The price charged per unit. */
  price: PriceInfo;
  /** units × price, wei (exact). */
  fee: Rat;
  /** Debits the fee from (sender, manifest). Idempotent. */
  debit(): void;
  /** The job did not run: nothing is debited and its fee stops counting as in flight. Idempotent. */
  release(): void;
}

export interface PaymentReceiver {
  /** Throws BillingError PAYMENT_INVALID (402). */
  decode(header: HeaderValue): DecodedPayment;
  /** Throws BillingError (400): EXPECTED_PRICE_TOO_LOW, PAYMENT_REJECTED, INSUFFICIENT_BALANCE. */
  charge(payment: DecodedPayment, job: JobToCharge): Promise<JobCharge>;
  /**
   * Credits a payment's tickets to (sender, manifest) with no job attached (go-livepeer's
   * `/payment` ProcessPayment): returns the EV credited. Throws BillingError PAYMENT_REJECTED (400),
   * INSUFFICIENT_SENDER_FUNDS (402), REDEMPTION_UNAVAILABLE (503).
   */
  receive(payment: DecodedPayment, manifest: string): Promise<Rat>;
}

/** Whether a sender's funds cover tickets of a face value (src/settlement's SenderMonitor). */
export interface SenderFundsCheck {
  /** undefined = covered; otherwise a stable reason code and words for the gateway's operator. */
  check(sender: Address, faceValue: bigint): Promise<{ code: string; message: string } | undefined>;
}

export interface TicketPaymentReceiverOptions {
  /** undefined = offchain: payments are decoded but nothing is charged. */
  recipient: Recipient | undefined;
  balances: Balances;
  pricing: JobPriceSource;
  events: ReceiverEvents;
  /** Refuses tickets the sender cannot cover before they are credited; absent = no such check. */
  funds?: SenderFundsCheck;
}

const FREE: PriceInfo = Object.freeze({ pricePerUnit: 0n, pixelsPerUnit: 1n });

/** Decoded ticketless payments kept (one per gateway and quoted price is the usual need). */
export const TICKETLESS_PAYMENTS_CACHED = 1024;

export function aiManifestId(capability: number, modelId: string): string {
  return `${capability}_${modelId}`;
}

export class TicketPaymentReceiver implements PaymentReceiver {
  /** Per (sender, manifest): the tail of the payments being processed, so balance checks see them in arrival order. */
  readonly #processing = new Map<string, Promise<void>>();
  /** Per (sender, manifest): fees of accepted jobs not debited yet (entries go when they reach zero). */
  readonly #inFlight = new Map<string, Rat>();
  /**
   * Payments without tickets, by header text: a gateway whose credit covers the job sends the same
   * (sender, quoted price) payment job after job, so it is decoded once. Nothing in one is
   * credited, and what is checked about it (the price against ours, the balance) is checked per
   * job in charge(). Payments with tickets are never kept (each carries new nonces). Shared: read only.
   */
  readonly #ticketless = new Map<string, DecodedPayment>();

  constructor(private readonly o: TicketPaymentReceiverOptions) {}

  decode(header: HeaderValue): DecodedPayment {
    const hit = typeof header === 'string' ? this.#ticketless.get(header) : undefined;
    if (hit) return hit;
    // Offchain, a missing header is an empty payment (go-livepeer).
    try {
      const p = paymentFromWire(decodePaymentHeader(header, { required: this.o.recipient !== undefined }));
      if (typeof header === 'string' && p.ticketParams === undefined && p.tickets.length === 0) {
        this.#ticketless.set(header, p);
        if (this.#ticketless.size > TICKETLESS_PAYMENTS_CACHED) this.#ticketless.delete(this.#ticketless.keys().next().value!);
      }
      return p;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new BillingError('PAYMENT_INVALID', 402, msg, { reason: err instanceof WireError ? err.code : undefined, cause: err });
    }
  }

  async charge(payment: DecodedPayment, job: JobToCharge): Promise<JobCharge> {
    const manifest = job.manifest ?? aiManifestId(job.capability, job.modelId);
    const recipient = this.o.recipient;
    if (!recipient) return { manifest, price: FREE, fee: Rat.ZERO, debit: () => {}, release: () => {} };
    const sender = payment.sender;
    const own = this.o.pricing.forJob(sender, job.capability, job.modelId);
    const ownRat = priceRat(own);
    const claim = payment.expectedPrice;
    const claimRat = claim ? priceRat(claim) : Rat.ZERO;
    if (claimRat.lt(ownRat)) {
      throw new BillingError(
        'EXPECTED_PRICE_TOO_LOW',
        400,
        `expected price ${claimRat.toString()} wei/unit is below this orchestrator's price ${ownRat.toString()} wei/unit for ${manifest}: get a fresh quote (GetOrchestrator with the job's capabilities) and pay that`,
      );
    }
    const price = claim && claimRat.gt(ownRat) ? claim : own;
    const priceR = claimRat.gt(ownRat) ? claimRat : ownRat;
    const key = `${(sender ?? '').toLowerCase()}|${manifest}`;
    if (sender) await this.#inOrder(key, () => this.#receive(payment, manifest));
    const fee = priceR.mul(job.units);
    if (!priceR.isZero()) {
      // go-livepeer runs a priced job while the balance holds one ticket's EV and debits after the
      // job, so N concurrent jobs run on the credit of one. We count the fees of the jobs in flight
      // as spent: the gateway's credit view does the same, so an honest gateway is not refused.
      const bal = sender ? this.o.balances.balance(sender, manifest) : undefined;
      const free = bal?.sub(this.#inFlight.get(key) ?? Rat.ZERO);
      if (!sender || !free || free.lt(recipient.ev())) throw new BillingError('INSUFFICIENT_BALANCE', 400, 'Insufficient balance');
    }
    if (!sender || fee.isZero()) return { manifest, price, fee, debit: () => {}, release: () => {} };
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? Rat.ZERO).add(fee));
    let open = true;
    const release = () => {
      if (!open) return false;
      open = false;
      const left = (this.#inFlight.get(key) ?? Rat.ZERO).sub(fee);
      if (left.gt(Rat.ZERO)) this.#inFlight.set(key, left);
      else this.#inFlight.delete(key);
      return true;
    };
    return {
      manifest,
      price,
      fee,
      debit: () => {
        if (release()) this.o.balances.debit(sender, manifest, fee);
      },
      release: () => void release(),
    };
  }

  async receive(payment: DecodedPayment, manifest: string): Promise<Rat> {
    const sender = payment.sender;
    if (!this.o.recipient || !sender) return Rat.ZERO;
    return this.#inOrder(`${sender.toLowerCase()}|${manifest}`, () => this.#receive(payment, manifest));
  }

  /** Runs `fn` after the earlier payments of `key` (bounded: the entry goes when its tail is done). */
  async #inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#processing.get(key);
    const mine = (prev ?? Promise.resolve()).then(fn, fn);
    const tail = mine.then(
      () => {},
      () => {},
    );
    this.#processing.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.#processing.get(key) === tail) this.#processing.delete(key);
    }
  }

  async #checkFunds(sender: Address, faceValue: bigint): Promise<void> {
    let refusal: { code: string; message: string } | undefined;
    try {
      refusal = await this.o.funds!.check(sender, faceValue);
    } catch (err) {
      // As the Recipient answers an unreadable sender (go-livepeer "could not get sender info").
      throw new BillingError('PAYMENT_REJECTED', 400, `could not get sender info for ${sender}: ${(err as Error).message}`, { reason: 'SENDER_INFO_UNAVAILABLE', fatal: true, cause: err });
    }
    if (refusal) throw new BillingError('INSUFFICIENT_SENDER_FUNDS', 402, refusal.message, { reason: refusal.code });
  }

  /**
   * go-livepeer ProcessPayment: no ticket params or no tickets = nothing to credit; every ticket
   * goes through the Recipient; the EV of credited tickets is credited even when a later ticket
   * fails; any error → 400 with its reason. Ours: a winner that could not be handed to redemption
   * refuses the whole payment (503, nothing credited). Returns the EV credited.
   */
  async #receive(payment: DecodedPayment, manifest: string): Promise<Rat> {
    const sender = payment.sender;
    if (!payment.ticketParams || !sender || payment.tickets.length === 0) return Rat.ZERO;
    if (this.o.funds) await this.#checkFunds(sender, payment.ticketParams.faceValue);
    const res: PaymentResult = await this.o.recipient!.processPayment({
      params: payment.ticketParams,
      expirationParams: payment.expirationParams,
      sender,
      senderParams: payment.senderParams,
    });
    const valid = res.tickets.filter((t) => t.credited).length;
    this.o.events.ticketsSeen(res.tickets.length, valid, res.winners);
    if (res.error?.code === 'TICKET_NOT_QUEUED') {
      // The orchestrator's side failed, not the payment: 503, and the reason is the sink's own code.
      // Refused whole: the non-winning tickets before the winner are not credited either (the
      // gateway reads a 503 as "nothing credited" and must not be billed for a refusal), and the
      // winner was never kept, so the gateway paid nothing real for any of them.
      const cause = res.error.cause;
      const reason = cause instanceof LivepeerError ? cause.code : res.error.code;
      throw new BillingError('REDEMPTION_UNAVAILABLE', 503, res.error.message, { reason, fatal: false, cause: res.error });
    }
    if (!res.credited.isZero()) {
      this.o.balances.credit(sender, manifest, res.credited);
      this.o.events.credited(res.credited);
    }
    if (res.error) {
      throw new BillingError('PAYMENT_REJECTED', 400, res.error.message, { reason: res.error.code, fatal: res.error.fatal, cause: res.error });
    }
    return res.credited;
  }
}
