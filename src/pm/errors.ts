// Typed PM errors: a stable `code` to match on, go-livepeer's wording in the message (operators
// grep logs for it), and `fatal` — a fatal receive error aborts the whole payment (go-livepeer's
// FatalReceiveErr), a non-fatal one only stops crediting the rest of it.

export type PmErrorCode =
  // sender-side checks on received ticket params (pm.md §5)
  | 'TICKET_PARAMS_NIL'
  | 'TICKET_PARAMS_EXPIRATION_ZERO'
  | 'TICKET_PARAMS_EXPIRED'
  | 'FACE_VALUE_TOO_LOW'
  | 'EV_TOO_HIGH'
  | 'SENDER_UNLOCK_SOON'
  | 'NO_SENDER_RESERVE'
  | 'NO_SENDER_DEPOSIT'
  | 'TOTAL_EV_TOO_HIGH'
  | 'FACE_VALUE_TOO_HIGH'
  | 'SESSION_NOT_FOUND'
  | 'NONCE_OVERFLOW'
  | 'SIGN_FAILED'
  // recipient-side checks (pm.md §6.2)
  | 'INVALID_RECIPIENT'
  | 'INVALID_SENDER'
  | 'INVALID_RECIPIENT_RAND'
  | 'INVALID_SIGNATURE'
  | 'SENDER_INFO_UNAVAILABLE'
  | 'NONCE_ALREADY_SEEN'
  | 'NONCE_TOO_MANY'
  // ticket params issuance (pm.md §4.2)
  | 'INSUFFICIENT_SENDER_RESERVE'
  | 'INVALID_TICKET'
  | 'CRYPTO_BACKEND_UNAVAILABLE';

export class PmError extends Error {
  readonly code: PmErrorCode;
  readonly fatal: boolean;
  constructor(code: PmErrorCode, message: string, fatal: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PmError';
    this.code = code;
    this.fatal = fatal;
  }
}

/** Signature rejection reasons; the strings are the stable codes `pm check` prints. */
export type SigReason = `length-${number}` | 'v-not-27-28' | 'high-s' | 'recover-failed' | 'wrong-signer';

export class InvalidSignatureError extends PmError {
  readonly reason: SigReason;
  constructor(reason: SigReason) {
    // Non-fatal, as in go-livepeer (the signature error is returned unwrapped).
    super('INVALID_SIGNATURE', `invalid ticket signature (${reason}): the sender must sign the EIP-191 digest of the ticket hash with a 65-byte low-s signature, v 27/28`, false);
    this.name = 'InvalidSignatureError';
    this.reason = reason;
  }
}

/** go-livepeer's ErrTicketParamsExpired ("TicketParams expired"). Non-fatal. */
export function ticketParamsExpired(detail = ''): PmError {
  return new PmError('TICKET_PARAMS_EXPIRED', `TicketParams expired${detail}: fetch fresh params from the orchestrator (GetOrchestrator)`, false);
}
