// TicketBroker's revert strings, verbatim (contracts/pm/*.sol, contracts/Manager.sol and the table
// of strings observed from the deployed contracts: revert strings are API, go-livepeer
// string-matches one of them), each mapped to a stable code. This table is the only place a revert
// string is compared; callers decide on the code (the orchestrator's redemption queue drops or retries).
import { defineErrorCodes, type CodeOf } from '../errors/index.js';

export const ticketBrokerRevertCodes = defineErrorCodes('src/eth (TicketBroker revert reasons)', {
  TICKET_RECIPIENT_NULL: '"ticket recipient is null address"',
  TICKET_SENDER_NULL: '"ticket sender is null address"',
  TICKET_AUX_DATA_INVALID: '"invalid length for ticket auxData: must be 64 bytes"',
  TICKET_CREATION_ROUND_NO_BLOCK_HASH: '"ticket creationRound does not have a block hash" (go-livepeer drops the ticket: pm/queue.go isNonRetryableTicketErr)',
  TICKET_CREATION_ROUND_BLOCK_HASH_INVALID: '"ticket creationRoundBlockHash invalid for creationRound"',
  TICKET_EXPIRED: '"ticket is expired": the creation round is past the validity period',
  RECIPIENT_RAND_MISMATCH: '"recipientRand does not match recipientRandHash"',
  TICKET_USED: '"ticket is used": already redeemed',
  TICKET_SIGNATURE_INVALID: '"invalid signature over ticket hash", "INVALID_SIGNATURE_LENGTH" or an "ECDSA: …" signature revert',
  TICKET_DID_NOT_WIN: '"ticket did not win"',
  SENDER_UNLOCKED: '"sender is unlocked": the sender\'s unlock period has passed',
  SENDER_FUNDS_ZERO: '"sender deposit and reserve are zero"',
  ROUND_NOT_INITIALIZED: '"current round is not initialized": initialise the round, then retry',
  SYSTEM_PAUSED: '"system is paused": retry once the protocol is unpaused',
});

export type TicketBrokerRevertCode = CodeOf<typeof ticketBrokerRevertCodes>;

/** Revert string (verbatim) → code. */
export const TICKET_BROKER_REVERTS: Readonly<Record<string, TicketBrokerRevertCode>> = Object.freeze({
  // contracts/pm/TicketValidation.sol _requireValidWinningTicket / _requireValidAuxData / _isValidTicketSig
  'ticket recipient is null address': 'TICKET_RECIPIENT_NULL',
  'ticket sender is null address': 'TICKET_SENDER_NULL',
  'invalid length for ticket auxData: must be 64 bytes': 'TICKET_AUX_DATA_INVALID',
  'ticket creationRound does not have a block hash': 'TICKET_CREATION_ROUND_NO_BLOCK_HASH',
  'ticket creationRoundBlockHash invalid for creationRound': 'TICKET_CREATION_ROUND_BLOCK_HASH_INVALID',
  'ticket is expired': 'TICKET_EXPIRED',
  'recipientRand does not match recipientRandHash': 'RECIPIENT_RAND_MISMATCH',
  'ticket is used': 'TICKET_USED',
  'invalid signature over ticket hash': 'TICKET_SIGNATURE_INVALID',
  INVALID_SIGNATURE_LENGTH: 'TICKET_SIGNATURE_INVALID',
  'ticket did not win': 'TICKET_DID_NOT_WIN',
  // contracts/pm/TicketSigRecovery.sol
  'ECDSA: invalid signature length': 'TICKET_SIGNATURE_INVALID',
  "ECDSA: invalid signature 's' value": 'TICKET_SIGNATURE_INVALID',
  'ECDSA: invalid signature': 'TICKET_SIGNATURE_INVALID',
  // contracts/pm/TicketBroker.sol redeemWinningTicket
  'sender is unlocked': 'SENDER_UNLOCKED',
  'sender deposit and reserve are zero': 'SENDER_FUNDS_ZERO',
  // contracts/pm/BrokerBase.sol currentRoundInitialized, contracts/Manager.sol whenSystemNotPaused
  'current round is not initialized': 'ROUND_NOT_INITIALIZED',
  'system is paused': 'SYSTEM_PAUSED',
});

/** The code of a decoded TicketBroker revert reason (exact match), or undefined for any other reason. */
export function ticketBrokerRevertCode(reason: string | undefined): TicketBrokerRevertCode | undefined {
  if (reason === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(TICKET_BROKER_REVERTS, reason) ? TICKET_BROKER_REVERTS[reason] : undefined;
}
