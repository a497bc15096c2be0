// Paying for one job, gateway side (go-livepeer prepareAIPayment + genPayment + genSegCreds): fee =
// units × the quoted price exactly; the credit for (orchestrator, manifest) reserves the fee and
// says how many tickets are missing → Livepeer-Payment; the signed SegData → Livepeer-Segment; and
// the AI worker protocol marker → Authorization. After the job the payment is settled with how it
// ended. `PaymentSender` is the seam the live per-second sender and the remote-signer client implement.
import type { Address } from 'viem';
import { Rat, priceRat, type PriceInfo } from '../money/index.js';
import type { Hex32, Sender } from '../pm/index.js';
import type { AuthToken, Capabilities, Hash32Signer, WirePriceInfo } from '../wire/index.js';
import {
  PAYMENT_HEADER,
  SEGMENT_HEADER,
  WIRE_LIMITS,
  createPaymentSegCreds,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  PaymentHeaderEncoder,
} from '../wire/index.js';
import { CreditLedger, type CreditOutcome, type CreditReservation } from './credit.js';
import { LivepeerError } from '../errors/index.js';

/** go-livepeer's protoVerAIWorker: without it the orchestrator inlines images as base64. */
export const AI_WORKER_PROTOCOL = 'Livepeer-AI-Worker-1.0';

/** What a payment needs to know about the orchestrator session it pays on. */
export interface PaymentTarget {
  /** The orchestrator's discovery URL (part of the credit key). */
  url: string;
  /** Ticket recipient; undefined offchain. */
  recipient: Address | undefined;
  /** pm Sender session (recipientRandHash); undefined offchain. */
  pmSessionId: Hex32 | undefined;
  price: PriceInfo;
  /** The price message exactly as received (echoed in Payment.expected_price). */
  priceWire: WirePriceInfo;
  authToken: AuthToken | undefined;
  faceValue: bigint;
}

export interface PaymentRequest {
  units: bigint;
  capabilities: Capabilities;
  /** go-livepeer's AI manifest id "<capability>_<model>": the orchestrator's balance key. */
  manifestId: string;
  /** Count only acknowledged credit (a retry after "Insufficient balance"). */
  confirmedCreditOnly?: boolean;
}

export interface PreparedPayment {
  /** Headers to put on the job request. */
  headers: Record<string, string>;
  /** units × price (wei, exact); zero offchain. */
  fee: Rat;
  numTickets: number;
  /** EV of one ticket (0 offchain). */
  ticketEV: Rat;
  faceValue: bigint;
  /** Call right before the request goes out (later jobs counting on these tickets go after it). */
  sent(): void;
}

export type PaymentOutcome = CreditOutcome;

export interface PaymentSender {
  /** Throws PaymentError when the session cannot be paid on (its params are unusable). */
  prepare(target: PaymentTarget, req: PaymentRequest): Promise<PreparedPayment>;
  /** Exactly once per prepared payment. */
  settle(p: PreparedPayment, outcome: PaymentOutcome): void;
}

/**
 * Tickets could not be made for a target; `code` is GW_PAYMENT_FAILED, GW_PAYMENT_TOO_LARGE (more
 * tickets than one Livepeer-Payment carries) or PM_<pm code> (see docs/error-codes.md).
 */
export class PaymentError extends LivepeerError {
  override name = 'PaymentError';
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

export interface TicketPaymentSenderOptions {
  signer: Hash32Signer;
  /** undefined = offchain: no tickets. */
  sender: Sender | undefined;
  credit?: CreditLedger;
}

const reservations = new WeakMap<PreparedPayment, CreditReservation>();

/** The job's fee at this ticket EV needs more than one payment may carry: the job is too large here. */
function tooLarge(target: PaymentTarget, what: string): PaymentError {
  return new PaymentError(
    'GW_PAYMENT_TOO_LARGE',
    `cannot pay ${target.url} in one payment: the job needs ${what}, above the ${WIRE_LIMITS.ticketsPerPaymentHeader}-ticket / ${WIRE_LIMITS.paymentHeaderChars}-character limit of a payment`,
  );
}

/** Signed segment headers kept per auth token; manifests are "<capability>_<client's model id>", so the oldest go past this. */
export const SEGMENT_HEADERS_PER_TOKEN = 256;
/** The key of headers made without an auth token (offchain orchestrators may send none). */
const NO_TOKEN = {};

/** Pays with probabilistic micropayment tickets from a local pm Sender. */
export class TicketPaymentSender implements PaymentSender {
  readonly credit: CreditLedger;
  /**
   * Livepeer-Segment per (auth token, manifest, capabilities): the credentials carry nothing of
   * the job but those, so one signature serves every job of a session's manifest (signing and
   * encoding them per job was a third of the gateway's CPU for a small job). Keyed by the token
   * object: a refreshed session brings a new token, and the old one's entries go with it.
   */
  readonly #segHeaders = new WeakMap<object, Map<string, { capabilities: Capabilities; header: string }>>();
  /** Livepeer-Payment without tickets per quoted price (the session's price message): the same bytes every time. */
  readonly #ticketless = new WeakMap<WirePriceInfo, string>();
  /** Livepeer-Payment with tickets: the session's params, sender and quote encoded once, the tickets per job. */
  readonly #payments = new PaymentHeaderEncoder();

  constructor(private readonly o: TicketPaymentSenderOptions) {
    this.credit = o.credit ?? new CreditLedger();
  }

  async #segHeader(target: PaymentTarget, req: PaymentRequest): Promise<string> {
    const tokenKey = target.authToken ?? NO_TOKEN;
    let perToken = this.#segHeaders.get(tokenKey);
    if (!perToken) {
      perToken = new Map();
      this.#segHeaders.set(tokenKey, perToken);
    }
    const hit = perToken.get(req.manifestId);
    // The same capabilities object (the gateway builds one per model); any other is signed afresh.
    if (hit && hit.capabilities === req.capabilities) return hit.header;
    const header = encodeSegmentHeader(
      await createPaymentSegCreds({ manifestId: req.manifestId, authToken: target.authToken, capabilities: req.capabilities }, this.o.signer),
    );
    perToken.delete(req.manifestId);
    perToken.set(req.manifestId, { capabilities: req.capabilities, header });
    if (perToken.size > SEGMENT_HEADERS_PER_TOKEN) perToken.delete(perToken.keys().next().value!);
    return header;
  }

  async prepare(target: PaymentTarget, req: PaymentRequest): Promise<PreparedPayment> {
    const sender = this.o.sender;
    const segHeader = () => this.#segHeader(target, req);
    if (!sender || !target.pmSessionId || !target.recipient) {
      // Offchain: no tickets. go-livepeer sends an empty payment; we send sender + the price we were
      // quoted (no ticket params), which an offchain orchestrator treats the same way. Nothing is
      // paid offchain, so nothing is owed: the fee is zero whatever the quote.
      return {
        headers: {
          [SEGMENT_HEADER]: await segHeader(),
          authorization: AI_WORKER_PROTOCOL,
          [PAYMENT_HEADER]: encodePaymentHeader(emptyPayment(this.o.signer.address, target.priceWire)),
        },
        fee: Rat.ZERO,
        numTickets: 0,
        ticketEV: Rat.ZERO,
        faceValue: 0n,
        sent: () => {},
      };
    }
    const fee = priceRat(target.price).mul(req.units);
    const ev = sender.ev(target.pmSessionId);
    // Reserved before any await, so concurrent jobs see each other's reservations.
    const res = this.credit.reserve({ recipient: target.recipient, orchestrator: target.url, manifest: req.manifestId }, fee, ev, {
      confirmedOnly: req.confirmedCreditOnly === true,
    });
    // More tickets than one payment header carries is the job's size at this EV, not the
    // orchestrator's fault (go-livepeer's remote signer refuses such a count too, 400): refused
    // before signing. (Sent anyway, Node's HTTP/2 client refused the header block itself, as
    // REFUSED_STREAM, which looked like a broken orchestrator.)
    if (res.numTickets > WIRE_LIMITS.ticketsPerPaymentHeader) {
      this.credit.settle(res, 'refused');
      throw tooLarge(target, `${res.numTickets} tickets`);
    }
    let headers: Record<string, string>;
    try {
      let payment: string;
      if (res.numTickets > 0) {
        const batch = await sender.createTicketBatch(target.pmSessionId, res.numTickets);
        payment = this.#payments.encode(batch, target.priceWire);
      } else {
        payment = this.#ticketlessHeader(sender.address, target.priceWire);
      }
      headers = { [SEGMENT_HEADER]: await segHeader(), authorization: AI_WORKER_PROTOCOL, [PAYMENT_HEADER]: payment };
      const chars = payment.length;
      if (chars > WIRE_LIMITS.paymentHeaderChars) throw tooLarge(target, `a ${chars}-character ${PAYMENT_HEADER} header`);
      await this.credit.ready(res);
    } catch (err) {
      this.credit.settle(res, 'refused');
      if (err instanceof PaymentError) throw err;
      const code = (err as { code?: unknown }).code;
      throw new PaymentError(typeof code === 'string' ? `PM_${code}` : 'GW_PAYMENT_FAILED', `cannot pay ${target.url}: ${(err as Error).message}`, { cause: err });
    }
    const p: PreparedPayment = {
      headers,
      fee,
      numTickets: res.numTickets,
      ticketEV: ev,
      faceValue: target.faceValue,
      sent: () => this.credit.sent(res),
    };
    reservations.set(p, res);
    return p;
  }

  #ticketlessHeader(address: string, price: WirePriceInfo): string {
    let h = this.#ticketless.get(price);
    if (h === undefined) {
      h = encodePaymentHeader(emptyPayment(address, price));
      this.#ticketless.set(price, h);
    }
    return h;
  }

  settle(p: PreparedPayment, outcome: PaymentOutcome): void {
    const res = reservations.get(p);
    if (res) this.credit.settle(res, outcome);
  }
}
