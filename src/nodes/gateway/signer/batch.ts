// Batch jobs paid through the remote signer: billing's PaymentSender seam, so run.ts pays the same
// way whoever signs. One signer session per (orchestrator, manifest, type), at most `maxSessions`
// (least recently used go first: a dropped session's next job starts a fresh signer session).
// A job of `units` > 1 is an untyped call (`inPixels` = units: fee = units × price, go-livepeer's
// untyped billing); a job of one unit is `fixed` (go-livepeer's per-job type: fee = price).
// 482 (the state's credit covers this job) is a payment without tickets, built here (sender + the
// quoted price: it needs no signature) with the segment credentials the session got last.
import type { Address } from 'viem';
import { Rat, priceRat } from '../../../money/index.js';
import { ticketEV } from '../../../pm/index.js';
import type { Capabilities, OrchestratorInfo } from '../../../wire/index.js';
import { PAYMENT_HEADER, SEGMENT_HEADER, decodePaymentHeader, emptyPayment, encodeBase64, encodeMessage, encodePaymentHeader, bytesToBigInt, CapabilitiesSchema } from '../../../wire/index.js';
import { AI_WORKER_PROTOCOL, PaymentError, type PaymentOutcome, type PaymentRequest, type PaymentSender, type PaymentTarget, type PreparedPayment } from '../../../billing/index.js';
import type { SignerJobType } from '../../../signer/index.js';
import type { RemoteSignerClient } from './client.js';
import { SignerClientError } from './errors.js';
import { SignerSession } from './session.js';

/** Signer sessions kept for batch jobs. */
export const DEFAULT_SIGNER_BATCH_SESSIONS = 1024;

/** A payment target that carries the orchestrator's info (payment.ts paymentTarget adds it). */
export interface SignerPaymentTarget extends PaymentTarget {
  info: OrchestratorInfo;
}

export interface SignerPaymentSenderOptions {
  client: RemoteSignerClient;
  /** The signer's address (Payment.sender of a ticketless payment). */
  address: Address;
  /** GetOrchestrator again on `url` with ignoreCapacityCheck, for a 480. */
  refresh(url: string, capabilities: Capabilities, signal?: AbortSignal): Promise<OrchestratorInfo>;
  maxSessions?: number;
}

/** Tickets and their total EV in a Livepeer-Payment value (for the gateway's stats). */
export function paymentTickets(header: string): { tickets: number; ev: Rat; faceValue: bigint } {
  const p = decodePaymentHeader(header);
  const n = p.ticketSenderParams.length;
  const tp = p.ticketParams;
  if (!tp || n === 0) return { tickets: 0, ev: Rat.ZERO, faceValue: 0n };
  const faceValue = bytesToBigInt(tp.faceValue);
  return { tickets: n, ev: ticketEV(faceValue, bytesToBigInt(tp.winProb)), faceValue };
}

/** The PaymentError run.ts classifies (another orchestrator, not suspended) for a signer failure. */
export function toPaymentError(err: unknown, url: string): PaymentError {
  if (err instanceof SignerClientError) return new PaymentError(err.code, `cannot pay ${url} through the remote signer: ${err.message}`, { cause: err });
  return new PaymentError('GW_PAYMENT_FAILED', `cannot pay ${url} through the remote signer: ${(err as Error).message}`, { cause: err });
}

interface BatchSession {
  signer: SignerSession;
  /** The pool's info this session last started from: a new one (a refreshed pool session) replaces the signer's. */
  base: OrchestratorInfo;
  segCreds: string | undefined;
}

export class SignerPaymentSender implements PaymentSender {
  readonly #sessions = new Map<string, BatchSession>();
  readonly #max: number;
  readonly #caps = new WeakMap<object, string>();

  constructor(private readonly o: SignerPaymentSenderOptions) {
    this.#max = o.maxSessions ?? DEFAULT_SIGNER_BATCH_SESSIONS;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #capsBase64(req: PaymentRequest): string {
    let c = this.#caps.get(req.capabilities);
    if (c === undefined) {
      c = encodeBase64(encodeMessage(CapabilitiesSchema, req.capabilities));
      this.#caps.set(req.capabilities, c);
    }
    return c;
  }

  #session(target: SignerPaymentTarget, req: PaymentRequest, type: SignerJobType): BatchSession {
    const k = `${target.url}|${req.manifestId}|${type}`;
    let s = this.#sessions.get(k);
    if (s) {
      this.#sessions.delete(k);
      this.#sessions.set(k, s);
      if (s.base !== target.info) {
        s.base = target.info;
        s.signer.setInfo(target.info);
      }
      return s;
    }
    const url = target.url;
    s = {
      base: target.info,
      segCreds: undefined,
      signer: new SignerSession({
        client: this.o.client,
        info: target.info,
        capabilities: this.#capsBase64(req),
        refresh: (signal) => this.o.refresh(url, req.capabilities, signal),
      }),
    };
    this.#sessions.set(k, s);
    while (this.#sessions.size > this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    return s;
  }

  async prepare(target: PaymentTarget, req: PaymentRequest): Promise<PreparedPayment> {
    const t = target as Partial<SignerPaymentTarget> & PaymentTarget;
    if (!t.info) throw new PaymentError('GW_PAYMENT_FAILED', `cannot pay ${target.url} through the remote signer: no orchestrator info in the payment target`);
    const fee = priceRat(target.price).mul(req.units);
    const type: SignerJobType = req.units === 1n ? 'fixed' : '';
    const s = this.#session(t as SignerPaymentTarget, req, type);
    let result;
    try {
      result = await s.signer.call({ type, manifestId: req.manifestId, ...(type === '' ? { inPixels: req.units } : {}) });
    } catch (err) {
      throw toPaymentError(err, target.url);
    }
    let payment: string;
    let segCreds: string;
    if (result.kind === 'paid') {
      payment = result.payment;
      segCreds = result.segCreds;
      s.segCreds = segCreds;
    } else {
      if (!s.segCreds) throw toPaymentError(new SignerClientError('GW_SIGNER_NO_SEGCREDS', 'the remote signer answered 482 before it gave segment credentials for this session'), target.url);
      payment = encodePaymentHeader(emptyPayment(this.o.address, result.info.priceInfo ?? target.priceWire));
      segCreds = s.segCreds;
    }
    let counted: { tickets: number; ev: Rat; faceValue: bigint };
    try {
      counted = paymentTickets(payment);
    } catch (err) {
      throw toPaymentError(new SignerClientError('GW_SIGNER_BAD_REPLY', `the remote signer's payment does not decode: ${(err as Error).message}`, { cause: err }), target.url);
    }
    return {
      headers: { [PAYMENT_HEADER]: payment, [SEGMENT_HEADER]: segCreds, authorization: AI_WORKER_PROTOCOL },
      fee,
      numTickets: counted.tickets,
      ticketEV: counted.ev,
      faceValue: counted.faceValue,
      sent: () => {},
    };
  }

  /** The signer's state moved on when it signed; nothing here to settle (docs/gateway-signer.md). */
  settle(_p: PreparedPayment, _outcome: PaymentOutcome): void {}
}
