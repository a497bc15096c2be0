// src/pm: Livepeer probabilistic micropayments — tickets, hashing, signatures, the lottery, O's
// recipientRand and ticket params, the gateway's Sender and the orchestrator's Recipient.
//
// Conventions: addresses are viem `Address` strings (any case in, checksummed out), 32-byte hashes
// are `Hex` strings, integers are bigint, signatures are raw Uint8Array (65 bytes).

export type {
  Hex32,
  HashedTicketFields,
  Ticket,
  TicketParams,
  TicketExpirationParams,
  TicketSenderParams,
  TicketBatch,
  SignedTicket,
} from './ticket.js';
export { MAX_WIN_PROB, newTicket, batchTickets } from './ticket.js';

export { ticketHash, ticketHashBytes, flattenTicket, packTicket, auxData, hasEmptyAuxData, TICKET_PACKED_LEN } from './hash.js';
export { keccak256, keccakBackend } from './keccak.js';
export {
  bytesToHex,
  hexToBytes,
  u256,
  minimalBytes,
  bytesToBigInt,
  checksumAddress,
  toChecksumAddress,
  MAX_UINT256,
  MAX_UINT32,
  ZERO_HASH,
  ZERO_ADDRESS,
} from './bytes.js';

export type { TicketSigner } from './sig.js';
export {
  personalDigest,
  sigEncodingError,
  recoverSigner,
  recoverSignerBytes,
  verifyTicketSig,
  signTicketHash,
  localTicketSigner,
  addressOfPrivateKey,
  SIG_LEN,
} from './sig.js';
export type { CryptoBackend, CryptoBackendName } from './crypto.js';
export { cryptoBackend, setCryptoBackend, nativeCryptoAvailable, getCryptoBackend, jsBackend } from './crypto.js';

export { isWinningTicket, isWinningBytes, ticketEV, winProbRat } from './win.js';

export type { RandInputs } from './recipientRand.js';
export {
  recipientRand,
  recipientRandBytes,
  recipientRandMessage,
  goRecipientRand,
  recipientRandHash,
  newRecipientSecret,
  newSeed,
  seedBoot,
  SEED_RANDOM_BITS,
  MAX_BOOT_ID,
} from './recipientRand.js';

export type { TicketParamsConfig } from './params.js';
export {
  computeFaceValue,
  computeWinProb,
  txCost,
  txCostMultiplierOf,
  DEFAULT_TICKET_PARAMS_CONFIG,
  PARAMS_EXPIRATION_BLOCKS,
  PARAMS_EXPIRY_BUFFER,
  EV_MULTIPLIER,
  AVG_GAS_PRICE,
  MAX_SENDER_NONCES,
} from './params.js';

export type {
  ChainView,
  SenderInfo,
  SenderInfoSource,
  MaxFloatSource,
  GasPriceSource,
  WinningTicket,
  WinningTicketSink,
} from './deps.js';
export { unlockingSoon } from './deps.js';

export type { PmErrorCode, SigReason } from './errors.js';
export { PmError, InvalidSignatureError } from './errors.js';

export type { SenderConfig } from './sender.js';
export { Sender, ticketsForFee, floatString, DEFAULT_MAX_TICKET_EV, DEFAULT_MAX_TOTAL_EV } from './sender.js';

export type { TicketCheck, TicketReport } from './validator.js';
export { TicketChecker, validateTicket, inspectTicket } from './validator.js';

export type { NonceSnapshotEntry } from './nonces.js';
export { NonceTracker } from './nonces.js';

export type { RecipientConfig, RecipientState, ReceiveResult, PaymentResult } from './recipient.js';
export { Recipient } from './recipient.js';

export { MemoryChainView, MemorySenderInfo, MemoryTicketSink } from './memory.js';
