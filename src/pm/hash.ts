// Ticket hash: keccak256 over the packed fields, exactly TicketBroker.getTicketHash's
// abi.encodePacked(recipient, sender, faceValue, winProb, senderNonce, recipientRandHash, auxData).
//
//   offset  len  field
//   0       20   recipient
//   20      20   sender
//   40      32   faceValue (uint256 BE)
//   72      32   winProb (uint256 BE)
//   104     32   senderNonce (uint256 BE)
//   136     32   recipientRandHash
//   168     64   auxData = uint256(creationRound) ‖ creationRoundBlockHash
import type { Hex } from 'viem';
import { MAX_UINT32, bytesToHex, writeHex, writeU256 } from './bytes.js';
import { keccak256 } from './keccak.js';
import type { HashedTicketFields, TicketExpirationParams } from './ticket.js';

export const TICKET_PACKED_LEN = 232;
export const TICKET_PACKED_LEN_NO_AUX = 168;
export const OFF_RECIPIENT = 0;
export const OFF_SENDER = 20;
export const OFF_RECIPIENT_RAND_HASH = 136;

const ZERO_HASH_HEX = '0x' + '00'.repeat(32);

/**
 * go-livepeer's quirk: creationRound 0 with an all-zero block hash packs NO auxData (168-byte
 * preimage). We hash such tickets the same way so go-livepeer's vectors and nodes agree with us,
 * but they can never be redeemed on chain: TicketBroker requires exactly 64 bytes of auxData
 * ("invalid length for ticket auxData: must be 64 bytes"). Our Sender never creates them (it fills
 * in the current round, as go-livepeer's fallback does).
 */
export function hasEmptyAuxData(p: TicketExpirationParams): boolean {
  return p.creationRound === 0n && (p.creationRoundBlockHash === ZERO_HASH_HEX || /^0x0{64}$/.test(p.creationRoundBlockHash));
}

/** auxData as go-livepeer builds it: 64 bytes, or 0 bytes in the zero-round/zero-hash case. */
export function auxData(p: TicketExpirationParams): Uint8Array {
  if (hasEmptyAuxData(p)) return new Uint8Array(0);
  const b = Buffer.alloc(64);
  writeU256(b, 0, p.creationRound, 'creationRound');
  writeHex(b, 32, p.creationRoundBlockHash, 32, 'creationRoundBlockHash');
  return b;
}

/**
 * Packs the hashed fields into `out` (≥ 232 bytes) and returns the preimage length (232 or 168).
 * Validates every field (throws RangeError naming it), including senderNonce ≤ 2^32−1 because
 * go-livepeer and the protobuf wire carry it as uint32.
 */
export function packTicket(t: HashedTicketFields, out: Buffer): number {
  writeHex(out, 0, t.recipient, 20, 'recipient');
  writeHex(out, 20, t.sender, 20, 'sender');
  writeU256(out, 40, t.faceValue, 'faceValue');
  writeU256(out, 72, t.winProb, 'winProb');
  if (typeof t.senderNonce !== 'bigint' || t.senderNonce > MAX_UINT32) {
    throw new RangeError(`senderNonce must be a bigint in 0..2^32−1 (uint32 on the wire), got ${String(t.senderNonce)}`);
  }
  writeU256(out, 104, t.senderNonce, 'senderNonce');
  writeHex(out, 136, t.recipientRandHash, 32, 'recipientRandHash');
  if (hasEmptyAuxData(t)) return TICKET_PACKED_LEN_NO_AUX;
  writeU256(out, 168, t.creationRound, 'creationRound');
  writeHex(out, 200, t.creationRoundBlockHash, 32, 'creationRoundBlockHash');
  return TICKET_PACKED_LEN;
}

/** The packed preimage (232 bytes, or 168 in go-livepeer's empty-auxData case). */
export function flattenTicket(t: HashedTicketFields): Uint8Array {
  const b = Buffer.alloc(TICKET_PACKED_LEN);
  const n = packTicket(t, b);
  return b.subarray(0, n);
}

/** keccak256 of the packed ticket, as 32 bytes. */
export function ticketHashBytes(t: HashedTicketFields): Uint8Array {
  return keccak256(flattenTicket(t));
}

/** keccak256 of the packed ticket, as 0x hex (what TicketBroker.getTicketHash returns). */
export function ticketHash(t: HashedTicketFields): Hex {
  return bytesToHex(ticketHashBytes(t));
}
