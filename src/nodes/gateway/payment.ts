// Paying for one AI job (go-livepeer prepareAIPayment + genPayment + genSegCreds): fee = units ×
// price exactly; minCredit = max(fee, one ticket's EV); the balance for (recipient, auth session id)
// is staged → that many tickets → Livepeer-Payment; the signed SegData → Livepeer-Segment; and the
// AI worker protocol marker → Authorization. After the job the staged update is completed with the
// debit of units × price (success) or given back (refused before the orchestrator credited it).
import { Rat, priceRat } from '../../money/index.js';
import type { StagedUpdate } from '../../billing/index.js';
import { Balances } from '../../billing/index.js';
import type { Sender } from '../../pm/index.js';
import type { Capabilities, Hash32Signer } from '../../wire/index.js';
import {
  PAYMENT_HEADER,
  SEGMENT_HEADER,
  createPaymentSegCreds,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
} from '../../wire/index.js';
import type { OrchestratorSession } from './sessions.js';

/** go-livepeer's protoVerAIWorker: without it the orchestrator inlines images as base64. */
export const AI_WORKER_PROTOCOL = 'Livepeer-AI-Worker-1.0';

export interface PreparedPayment {
  /** Headers to put on the job request. */
  headers: Record<string, string>;
  /** units × price (wei, exact). */
  fee: Rat;
  numTickets: number;
  /** EV of one ticket (0 offchain). */
  ticketEV: Rat;
  faceValue: bigint;
  /** The balance entry and staged update to complete (on-chain only). */
  staged: { address: string; id: string; update: StagedUpdate } | undefined;
}

export class PaymentError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PaymentError';
  }
}

export interface PayerOptions {
  signer: Hash32Signer;
  /** undefined = offchain: no tickets. */
  sender: Sender | undefined;
  balances?: Balances;
}

export class Payer {
  readonly balances: Balances;
  constructor(private readonly o: PayerOptions) {
    this.balances = o.balances ?? new Balances();
  }

  /** Builds the three headers for a job of `units` on `sess`. Throws PaymentError (the session's params are unusable). */
  async prepare(sess: OrchestratorSession, units: bigint, capabilities: Capabilities, manifestId: string): Promise<PreparedPayment> {
    const fee = priceRat(sess.price).mul(units);
    const seg = await createPaymentSegCreds({ manifestId, authToken: sess.info.authToken, capabilities }, this.o.signer);
    const headers: Record<string, string> = {
      [SEGMENT_HEADER]: encodeSegmentHeader(seg),
      authorization: AI_WORKER_PROTOCOL,
    };
    const sender = this.o.sender;
    if (!sender || !sess.pmSessionId || !sess.recipient) {
      // Offchain: no tickets. go-livepeer sends an empty payment; we send sender + the price we were
      // quoted (no ticket params), which an offchain orchestrator treats the same way.
      // Nothing is paid offchain, so nothing is owed: the fee is zero whatever the quote.
      headers[PAYMENT_HEADER] = encodePaymentHeader(emptyPayment(this.o.signer.address, sess.priceWire));
      return { headers, fee: Rat.ZERO, numTickets: 0, ticketEV: Rat.ZERO, faceValue: 0n, staged: undefined };
    }
    const ev = sender.ev(sess.pmSessionId);
    const minCredit = fee.gt(ev) ? fee : ev;
    const address = sess.recipient;
    const id = sess.authSessionId;
    const update = this.balances.stageUpdate(address, id, minCredit, ev);
    let payment;
    if (update.numTickets > 0) {
      try {
        const batch = await sender.createTicketBatch(sess.pmSessionId, update.numTickets);
        payment = paymentToWire(batch, { expectedPrice: sess.priceWire });
      } catch (err) {
        this.balances.completeUpdate(address, id, update, 'staged');
        const code = (err as { code?: unknown }).code;
        throw new PaymentError(typeof code === 'string' ? `PM_${code}` : 'GW_PAYMENT_FAILED', `cannot pay ${sess.url}: ${(err as Error).message}`, { cause: err });
      }
    } else {
      payment = emptyPayment(sender.address, sess.priceWire);
    }
    headers[PAYMENT_HEADER] = encodePaymentHeader(payment);
    return {
      headers,
      fee,
      numTickets: update.numTickets,
      ticketEV: ev,
      faceValue: sess.ticketParams?.faceValue ?? 0n,
      staged: { address, id, update },
    };
  }

  /**
   * 'received': the job ran and the orchestrator debited `fee`; 'credited': it kept the tickets
   * but did not debit (the job failed after payment); 'refused': it did not credit them.
   */
  settle(p: PreparedPayment, outcome: 'received' | 'credited' | 'refused'): void {
    if (!p.staged) return;
    const { address, id, update } = p.staged;
    if (outcome === 'refused') this.balances.completeUpdate(address, id, update, 'staged');
    else this.balances.completeUpdate(address, id, update, 'received', outcome === 'received' ? p.fee : Rat.ZERO);
  }
}
