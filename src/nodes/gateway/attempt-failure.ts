// What the gateway does after one failed orchestrator attempt, decided from codes and statuses only:
// the orchestrator's Livepeer-Error-Code (a livepeer-ts orchestrator), or the code its go-livepeer
// text stands for (golivepeer-errors.ts, the one table of texts), else the HTTP status alone.
// The decisions: retry where (kind), suspend or not (kind), and whether the tickets sent were
// credited (the orchestrator refuses some things BEFORE it processes the payment, fails others AFTER).
import type { PmErrorCode } from '../../pm/index.js';
import { isRefusalCode, type RefusalCode, type RemoteRefusal } from '../../wire/index.js';
import type { AttemptFailureInfo, AttemptFailureKind } from './errors.js';
import { goLivepeerRefusal } from './golivepeer-errors.js';

interface Decision {
  kind: AttemptFailureKind;
  credited: boolean;
}

/** Ticket refusals that a fresh session (new params, new nonces) cures; UNKNOWN_BOOT: params from before the orchestrator's crash. */
const STALE_SESSION_REASONS: ReadonlySet<string> = new Set<PmErrorCode>(['TICKET_PARAMS_EXPIRED', 'TICKET_PARAMS_UNKNOWN_BOOT', 'NONCE_ALREADY_SEEN', 'NONCE_TOO_MANY']);

/**
 * Refusal reasons (an orchestrator's Livepeer-Error-Reason, or this gateway's own pm check) that are
 * the gateway's funding problem, not the orchestrator's: its TicketBroker deposit or reserve does not
 * cover the tickets, or they unlock soon. The client is told so (402 GW_SENDER_FUNDS) and the
 * orchestrator is not suspended.
 */
export const SENDER_FUNDS_REASONS: ReadonlySet<string> = new Set<string>([
  // src/settlement's sender monitor (INSUFFICIENT_SENDER_FUNDS reasons)
  'DEPOSIT_TOO_LOW',
  'RESERVE_EXHAUSTED',
  // pm codes, sent by an orchestrator (ticket params, ticket receipt) or raised by our own Sender
  ...(['INSUFFICIENT_SENDER_RESERVE', 'SENDER_UNLOCK_SOON', 'NO_SENDER_RESERVE', 'NO_SENDER_DEPOSIT', 'FACE_VALUE_TOO_HIGH'] satisfies PmErrorCode[]),
]);

/** The funding reason when a refusal (code, reason) is the gateway's own funding problem, else undefined. */
export function senderFundsReason(code: string | undefined, reason: string | undefined): string | undefined {
  if (code === 'INSUFFICIENT_SENDER_FUNDS') return reason ?? 'INSUFFICIENT_SENDER_FUNDS';
  if ((code === 'PAYMENT_REJECTED' || code === 'TICKET_PARAMS_UNAVAILABLE') && reason !== undefined && SENDER_FUNDS_REASONS.has(reason)) return reason;
  return undefined;
}

/** The decision for each code a livepeer-ts orchestrator sends (src/wire refusalCodes). */
const BY_CODE: { readonly [C in RefusalCode]: (reason: string | undefined) => Decision } = {
  // Refused before the payment was looked at: nothing credited.
  BAD_REQUEST: () => ({ kind: 'client', credited: false }),
  // The client's body is above the orchestrator's limit: the client's, never the orchestrator's fault.
  REQUEST_TOO_LARGE: () => ({ kind: 'client', credited: false }),
  // Our upload to it stalled: the link's, never counted against the orchestrator.
  BODY_TIMEOUT: () => ({ kind: 'client', credited: false }),
  PAYMENT_INVALID: () => ({ kind: 'payment', credited: false }),
  SEGMENT_INVALID: () => ({ kind: 'payment', credited: false }),
  BAD_SEGMENT_SIGNATURE: () => ({ kind: 'payment', credited: false }),
  INCOMPATIBLE_CAPABILITIES: () => ({ kind: 'payment', credited: false }),
  SEGMENT_JOB_MISMATCH: () => ({ kind: 'payment', credited: false }),
  // An expired auth token is cured by GetOrchestrator again.
  AUTH_TOKEN: (r) => ({ kind: r === 'WIRE_EXPIRED_AUTH_TOKEN' ? 'params-expired' : 'payment', credited: false }),
  INSUFFICIENT_CAPACITY: () => ({ kind: 'capacity', credited: false }),
  // Refused before its body was read (-maxUnpaidRequests): busy, not broken.
  TOO_MANY_UNPAID_REQUESTS: () => ({ kind: 'capacity', credited: false }),
  ORCHESTRATOR_CAPPED: () => ({ kind: 'capacity', credited: false }),
  TICKET_PARAMS_UNAVAILABLE: (r) => ({ kind: r !== undefined && SENDER_FUNDS_REASONS.has(r) ? 'sender-funds' : 'payment', credited: false }),
  // A refused ticket: the tickets before it may have been credited, but the orchestrator does not say
  // how much, so the gateway counts none (it may resend a little; it never assumes credit it lacks).
  PAYMENT_REJECTED: (r) => ({
    kind: r !== undefined && STALE_SESSION_REASONS.has(r) ? 'params-expired' : r !== undefined && SENDER_FUNDS_REASONS.has(r) ? 'sender-funds' : 'payment',
    credited: false,
  }),
  // Our deposit or reserve share does not cover the tickets: refused before any was credited.
  INSUFFICIENT_SENDER_FUNDS: () => ({ kind: 'sender-funds', credited: false }),
  // Our quote is stale (the orchestrator's price rose): a fresh session brings its price. Refused
  // before any ticket was looked at.
  EXPECTED_PRICE_TOO_LOW: () => ({ kind: 'params-expired', credited: false }),
  // The orchestrator could not hand a winning ticket to its redeemer (or store): its fault, and
  // the payment was refused, so count no credit; another orchestrator can take the job.
  REDEMPTION_UNAVAILABLE: () => ({ kind: 'server', credited: false }),
  // After the payment was processed: the tickets were credited.
  INSUFFICIENT_BALANCE: () => ({ kind: 'payment', credited: true }),
  RUNNER_UNAVAILABLE: () => ({ kind: 'server', credited: true }),
  RUNNER_FAILED: () => ({ kind: 'server', credited: true }),
  // The runner refused the client's request: answer the client; the orchestrator is healthy.
  RUNNER_REJECTED: () => ({ kind: 'client', credited: true }),
  INTERNAL: () => ({ kind: 'server', credited: false }),
  // The orchestrator cannot measure the input (no ffprobe): its fault, found before payment.
  MEDIA_PROBE_FAILED: () => ({ kind: 'server', credited: false }),
};

/** When neither a code nor a known text says more: the HTTP status alone. */
function byStatus(status: number): Decision {
  // go-livepeer's 5xx on AI routes come after ProcessPayment (its only earlier one, 503
  // "insufficient capacity", is in the text table).
  if (status >= 500) return { kind: 'server', credited: true };
  if (status === 401 || status === 402 || status === 403) return { kind: 'payment', credited: false };
  // Other 4xx: the request itself (body, fields), refused before payment.
  return { kind: 'client', credited: false };
}

/**
 * Classifies a non-2xx orchestrator answer. `remote` is what the answer's headers carried
 * (refusalFromHeaders); `text` is its body, used only to recognise go-livepeer's texts.
 */
export function classifyFailure(status: number, remote: RemoteRefusal, text: string): AttemptFailureInfo {
  let code = remote.code;
  let reason = remote.reason;
  if (code === undefined) {
    const golp = goLivepeerRefusal(status, text);
    if (golp) {
      code = golp.code;
      reason = golp.reason;
    }
  }
  // A code from a newer peer that this version does not know: the status decides.
  const d = isRefusalCode(code) ? BY_CODE[code](reason) : byStatus(status);
  return { ...d, remoteCode: code, remoteReason: reason };
}

/**
 * A local payment failure (PaymentError code): stale params are refreshed; a job needing more tickets
 * than one payment carries (above -maxTotalEV, or than fit the header) is too costly here, not a
 * fault of the orchestrator; the rest tries another orchestrator.
 */
export function classifyPaymentError(code: string): AttemptFailureInfo {
  const pm = code.startsWith('PM_') ? code.slice(3) : undefined;
  const stale = pm !== undefined && (STALE_SESSION_REASONS.has(pm) || pm === 'SESSION_NOT_FOUND' || pm === 'NONCE_OVERFLOW');
  const kind =
    pm === 'TOTAL_EV_TOO_HIGH' || code === 'GW_PAYMENT_TOO_LARGE' ? 'too-costly' : stale ? 'params-expired' : pm !== undefined && SENDER_FUNDS_REASONS.has(pm) ? 'sender-funds' : 'payment';
  // Our own funding check: its pm code is the reason the client is shown.
  return { kind, credited: false, remoteCode: undefined, remoteReason: kind === 'sender-funds' ? pm : undefined };
}

/** What run.ts does with a failed attempt of a given kind. */
export interface AttemptAction {
  /** 'answer-client': give the client a 400, no retry; 'refresh': new session, same orchestrator allowed (bounded); 'another': try another orchestrator. */
  retry: 'answer-client' | 'refresh' | 'another';
  /**
   * Count a fault of the orchestrator's own against (orchestrator, job capability): backoff.ts leaves
   * the pair out for a short, doubling while (go-livepeer's Remove, but per capability and brief).
   */
  suspend: boolean;
  /** Busy: try it again for this job after a short wait. */
  busy: boolean;
}

const ACTIONS: { readonly [K in AttemptFailureKind]: AttemptAction } = {
  client: { retry: 'answer-client', suspend: false, busy: false },
  // go-livepeer retries "ticketparams expired" on the same orchestrator and, once out of tries,
  // parks it for this request only (not suspended), as it does an invalid sendernonce.
  'params-expired': { retry: 'refresh', suspend: false, busy: false },
  capacity: { retry: 'another', suspend: false, busy: true },
  // The job's size at this price, not a fault of the orchestrator (run.ts answers 400 if no one could take it).
  'too-costly': { retry: 'another', suspend: false, busy: false },
  // Our deposit or reserve share falls short: another orchestrator may still have a share of the
  // reserve for us; never the orchestrator's fault (run.ts answers 402 if no one could take it).
  'sender-funds': { retry: 'another', suspend: false, busy: false },
  // A refused payment is not proof the orchestrator is broken (our tickets, our params, our
  // balance view): try another one for this job, but do not leave it out of later jobs.
  payment: { retry: 'another', suspend: false, busy: false },
  server: { retry: 'another', suspend: true, busy: false },
  unreachable: { retry: 'another', suspend: true, busy: false },
};

export function attemptAction(kind: AttemptFailureKind): AttemptAction {
  return ACTIONS[kind];
}
