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
  createPaymentSegCreds,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
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

/** Tickets could not be made for a target; `code` is GW_PAYMENT_FAILED or PM_<pm code> (see docs/error-codes.md). */
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

/** Pays with probabilistic micropayment tickets from a local pm Sender. */
export class TicketPaymentSender implements PaymentSender {
  readonly credit: CreditLedger;
  constructor(private readonly o: TicketPaymentSenderOptions) {
    this.credit = o.credit ?? new CreditLedger();
  }

  async prepare(target: PaymentTarget, req: PaymentRequest): Promise<PreparedPayment> {
    const sender = this.o.sender;
    const segHeader = async () =>
      encodeSegmentHeader(await createPaymentSegCreds({ manifestId: req.manifestId, authToken: target.authToken, capabilities: req.capabilities }, this.o.signer));
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
    let headers: Record<string, string>;
    try {
      let payment;
      if (res.numTickets > 0) {
        const batch = await sender.createTicketBatch(target.pmSessionId, res.numTickets);
        payment = paymentToWire(batch, { expectedPrice: target.priceWire });
      } else {
        payment = emptyPayment(sender.address, target.priceWire);
      }
      headers = { [SEGMENT_HEADER]: await segHeader(), authorization: AI_WORKER_PROTOCOL, [PAYMENT_HEADER]: encodePaymentHeader(payment) };
      await this.credit.ready(res);
    } catch (err) {
      this.credit.settle(res, 'refused');
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

  settle(p: PreparedPayment, outcome: PaymentOutcome): void {
    const res = reservations.get(p);
    if (res) this.credit.settle(res, outcome);
  }
}
