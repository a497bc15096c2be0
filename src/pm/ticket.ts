// PM ticket types (go-livepeer pm/ticket.go shapes).
//
// Representation, used consistently across src/pm's API:
// - addresses are viem `Address` strings (0x + 40 hex, any case; outputs are checksummed);
// - 32-byte hashes are viem `Hex` strings (0x + 64 hex) — `Hex32` below;
// - integers (amounts, probabilities, nonces, rounds, blocks, seeds, recipientRand) are bigint;
// - signatures are raw `Uint8Array` (65 bytes on the wire; the lottery hashes these exact bytes).
// Internally the hot path packs tickets into reused byte buffers; see hash.ts.
import type { Address, Hex } from 'viem';
import type { PriceInfo } from '../money/index.js';
import { MAX_UINT256 } from './bytes.js';

export type Hex32 = Hex;

/** winProb is a numerator over 2^256 − 1; this value always wins. */
export const MAX_WIN_PROB = MAX_UINT256;

export interface TicketExpirationParams {
  creationRound: bigint;
  creationRoundBlockHash: Hex32;
}

/** The fields covered by the ticket hash (what TicketBroker.getTicketHash sees). */
export interface HashedTicketFields {
  recipient: Address;
  sender: Address;
  faceValue: bigint;
  winProb: bigint;
  /** uint32 in go-livepeer and protobuf, uint256 on chain. */
  senderNonce: bigint;
  recipientRandHash: Hex32;
  creationRound: bigint;
  creationRoundBlockHash: Hex32;
}

export interface Ticket extends HashedTicketFields {
  /** Not hashed: the L1 block at which the params stop being valid (bound by O's HMAC). */
  paramsExpirationBlock: bigint;
  /** Not hashed: O's price for these params (bound by O's HMAC). */
  price: PriceInfo;
}

export interface TicketParams {
  recipient: Address;
  faceValue: bigint;
  winProb: bigint;
  recipientRandHash: Hex32;
  /** O's per-params seed; on the wire as minimal big-endian bytes. */
  seed: bigint;
  expirationBlock: bigint;
  price: PriceInfo;
  expirationParams: TicketExpirationParams;
}

export interface TicketSenderParams {
  senderNonce: bigint;
  sig: Uint8Array;
}

/** One payment's worth of tickets: shared params plus one (nonce, sig) per ticket. */
export interface TicketBatch {
  params: TicketParams;
  expirationParams: TicketExpirationParams;
  sender: Address;
  senderParams: TicketSenderParams[];
}

export interface SignedTicket {
  ticket: Ticket;
  sig: Uint8Array;
  recipientRand: bigint;
}

/** go-livepeer's NewTicket: a ticket from params, expiration params, sender and nonce. */
export function newTicket(
  params: TicketParams,
  expirationParams: TicketExpirationParams,
  sender: Address,
  senderNonce: bigint,
): Ticket {
  return {
    recipient: params.recipient,
    sender,
    faceValue: params.faceValue,
    winProb: params.winProb,
    senderNonce,
    recipientRandHash: params.recipientRandHash,
    creationRound: expirationParams.creationRound,
    creationRoundBlockHash: expirationParams.creationRoundBlockHash,
    paramsExpirationBlock: params.expirationBlock,
    price: params.price,
  };
}

/** Expands a batch into (ticket, sig) pairs, in order. */
export function batchTickets(batch: TicketBatch): { ticket: Ticket; sig: Uint8Array }[] {
  return batch.senderParams.map((sp) => ({
    ticket: newTicket(batch.params, batch.expirationParams, batch.sender, sp.senderNonce),
    sig: sp.sig,
  }));
}
