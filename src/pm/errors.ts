// Typed PM errors: a stable `code` to match on, go-livepeer's wording in the message (operators
// grep logs for it), and `fatal` — a fatal receive error aborts the whole payment (go-livepeer's
// FatalReceiveErr), a non-fatal one only stops crediting the rest of it.

import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const pmErrorCodes = defineErrorCodes('src/pm', {
  // sender-side checks on received ticket params (pm.md §5)
  TICKET_PARAMS_NIL: 'The orchestrator sent no ticket params: it cannot be paid; use another one.',
  TICKET_PARAMS_EXPIRATION_ZERO: 'Ticket params with expiration block 0: refetch params (GetOrchestrator).',
  TICKET_PARAMS_EXPIRED: 'Ticket params past their expiration block (go-livepeer "TicketParams expired"): fetch fresh params.',
  FACE_VALUE_TOO_LOW: 'The params\' face value is too low (always-winning params are refused): use another orchestrator.',
  EV_TOO_HIGH: 'One ticket\'s EV is above -maxTicketEV: lower the price or raise the limit.',
  SENDER_UNLOCK_SOON: 'The sender\'s deposit and reserve unlock soon: fund again or cancel the unlock.',
  NO_SENDER_RESERVE: 'The sender has no reserve: fund the reserve (TicketBroker.fundReserve).',
  NO_SENDER_DEPOSIT: 'The sender has no deposit: fund the deposit (TicketBroker.fundDeposit).',
  TOTAL_EV_TOO_HIGH: 'The batch\'s total EV is above -maxTotalEV.',
  FACE_VALUE_TOO_HIGH: 'The face value is above what the sender\'s deposit can cover.',
  SESSION_NOT_FOUND: 'No PM session for these ticket params: start one from fresh params.',
  NONCE_OVERFLOW: 'The session would pass sender nonce 2^32-1: start a new session with fresh params.',
  SIGN_FAILED: 'Signing a ticket failed (signer unavailable or refused).',
  // recipient-side checks (pm.md §6.2)
  INVALID_RECIPIENT: 'The ticket is addressed to another recipient (go-livepeer "invalid ticket recipient").',
  INVALID_SENDER: 'The ticket\'s sender is the zero address (go-livepeer "invalid ticket sender").',
  INVALID_RECIPIENT_RAND: 'The ticket\'s recipientRandHash is not one this recipient issued (or it expired).',
  INVALID_SIGNATURE: 'The ticket signature is malformed or not by the sender (go-livepeer "invalid ticket signature").',
  SENDER_INFO_UNAVAILABLE: 'The sender\'s deposit/reserve could not be read from the chain: retry later.',
  NONCE_ALREADY_SEEN: 'A sender nonce was used twice for the same params (go-livepeer "invalid ticket senderNonce: already seen"): refresh params.',
  NONCE_TOO_MANY: 'More nonces than the recipient remembers for these params: refresh params.',
  TICKET_PARAMS_UNKNOWN_BOOT: 'Params issued by an earlier run of this orchestrator whose ticket nonce memory was not saved (crash) or is too old; worded "TicketParams expired": fetch fresh params (GetOrchestrator).',
  TICKET_NOT_QUEUED: 'A winning ticket could not be handed to redemption (the remote redeemer is unreachable or refused it, or the ticket store failed): the payment is refused rather than the ticket lost; retry (another orchestrator, or later).',
  RECIPIENT_CLOSED: 'The orchestrator is shutting down and takes no more tickets (its nonce memory is being saved): retry elsewhere or after the restart.',
  // ticket params issuance (pm.md §4.2)
  INSUFFICIENT_SENDER_RESERVE: 'The sender\'s reserve share is too small to pay even one ticket (go-livepeer "insufficient sender reserve").',
  INVALID_TICKET: 'The ticket is not well formed (fields out of range or missing).',
  CRYPTO_BACKEND_UNAVAILABLE: 'No secp256k1 backend could be loaded.',
});

export type PmErrorCode = CodeOf<typeof pmErrorCodes>;

export class PmError extends LivepeerError<PmErrorCode> {
  override name = 'PmError';
  constructor(code: PmErrorCode, message: string, fatal: boolean, options?: { cause?: unknown }) {
    super(code, message, { fatal, ...(options?.cause === undefined ? {} : { cause: options.cause }) });
  }
}

/** Signature rejection reasons; the strings are the stable codes `pm check` prints. */
export type SigReason = `length-${number}` | 'v-not-27-28' | 'high-s' | 'recover-failed' | 'wrong-signer';

export class InvalidSignatureError extends PmError {
  override name = 'InvalidSignatureError';
  readonly reason: SigReason;
  constructor(reason: SigReason) {
    // Non-fatal, as in go-livepeer (the signature error is returned unwrapped).
    super('INVALID_SIGNATURE', `invalid ticket signature (${reason}): the sender must sign the EIP-191 digest of the ticket hash with a 65-byte low-s signature, v 27/28`, false);
    this.reason = reason;
  }
}

/** go-livepeer's ErrTicketParamsExpired ("TicketParams expired"). Non-fatal. */
export function ticketParamsExpired(detail = ''): PmError {
  return new PmError('TICKET_PARAMS_EXPIRED', `TicketParams expired${detail}: fetch fresh params from the orchestrator (GetOrchestrator)`, false);
}
