// Typed errors of the redeemer (go-livepeer's ticket redemption service) and of its client in the
// orchestrator. Server-side refusals travel as gRPC statuses (go-livepeer's codes) with the code in
// the status details (livepeer_ts.ErrorDetail); the client turns every failure into a RedeemerError.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const redeemerErrorCodes = defineErrorCodes('src/nodes/redeemer', {
  REDEEMER_BAD_CONFIG: 'The redeemer cannot start as configured (flags, key, chain): the message says which.',
  REDEEMER_WRONG_RECIPIENT: 'QueueTicket refused (gRPC PERMISSION_DENIED, go-livepeer "invalid ticket recipient"): the ticket is for another recipient than the one this redeemer serves (-ethOrchAddr or its account); the orchestrator\'s -ethOrchAddr must be the redeemer\'s.',
  REDEEMER_TICKET_INVALID: 'QueueTicket refused (gRPC INVALID_ARGUMENT): recipientRand does not hash to recipientRandHash, the signature is not the sender\'s, or the ticket does not win; nothing is queued. Malformed fields are WIRE_INVALID_FIELD / WIRE_VALUE_OUT_OF_RANGE.',
  REDEEMER_QUEUE_FAILED: 'QueueTicket failed (gRPC INTERNAL, as go-livepeer): the redemption queue or its store did not take the ticket; the orchestrator refuses the payment and may retry.',
  REDEEMER_MAX_FLOAT_FAILED: 'MaxFloat failed (gRPC INTERNAL, as go-livepeer): the sender\'s max float could not be read from the chain.',
  REDEEMER_SUBSCRIBER_EVICTED: 'A MonitorMaxFloat stream was ended (gRPC RESOURCE_EXHAUSTED) to make room: the redeemer keeps a bounded number of streams (oldest first out); the client subscribes again when it next needs the sender.',
  REDEEMER_UNAUTHENTICATED: 'A call to the redeemer without the right shared secret (gRPC UNAUTHENTICATED): the orchestrator\'s -redeemerSecret must equal the redeemer\'s.',
  REDEEMER_CLOSED: 'The redeemer is shutting down (gRPC UNAVAILABLE): retry once it is back.',
  REDEEMER_UNAVAILABLE: 'The orchestrator could not reach its redeemer (-redeemerAddr), or the redeemer failed the call (timeout, INTERNAL, UNAVAILABLE): retriable; a payment carrying a winning ticket is refused meanwhile (503 REDEMPTION_UNAVAILABLE).',
  REDEEMER_REFUSED: 'The redeemer refused the call for good (a wrong recipient, an invalid ticket): the orchestrator is misconfigured or sent a bad ticket; the payment is refused (503 REDEMPTION_UNAVAILABLE).',
});

export type RedeemerErrorCode = CodeOf<typeof redeemerErrorCodes>;

export class RedeemerError extends LivepeerError<RedeemerErrorCode> {
  override name = 'RedeemerError';
  /** The gRPC status code the call ended with, when it came from a call. */
  readonly grpcCode: number | undefined;
  constructor(code: RedeemerErrorCode, message: string, opts: { fatal?: boolean; grpcCode?: number; cause?: unknown } = {}) {
    super(code, message, { fatal: opts.fatal ?? code !== 'REDEEMER_UNAVAILABLE', ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.grpcCode = opts.grpcCode;
  }
}

export class RedeemerConfigError extends RedeemerError {
  override name = 'RedeemerConfigError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('REDEEMER_BAD_CONFIG', message, { fatal: true, ...opts });
  }
}
