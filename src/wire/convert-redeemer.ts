// net.Ticket / MaxFloatReq / MaxFloatUpdate (go-livepeer net/redeemer.proto) ↔ src/pm types. The
// encoding is go-livepeer's protoTicket: integers as big-endian minimal bytes, the creation round's
// block hash as its 32 bytes, ticket_params.seed and ticket_params.expiration_params left empty
// (the ticket's own expiration_params, field 3, carry the round). The message has no price: it is
// not part of the ticket hash and a redemption does not need it.
import { create } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import type { WinningTicket } from '../pm/index.js';
import { MaxFloatReqSchema, MaxFloatUpdateSchema, TicketSchema, type MaxFloatReq, type MaxFloatUpdate, type Ticket } from './gen/net/redeemer_pb.js';
import { bigIntToMinimalBytes, bytesToUint256, fromHex } from './bytes.js';
import { addressFromWire, hash32FromWire } from './convert-ticket.js';
import { InvalidFieldError, ValueRangeError } from './errors.js';

const SIG_LEN = 65;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
const UINT64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;

export function winningTicketToWire(w: WinningTicket): Ticket {
  const t = w.ticket;
  if (t.senderNonce < 0n || t.senderNonce > 0xffffffffn) throw new ValueRangeError('sender_nonce', `sender_nonce ${t.senderNonce} does not fit in uint32`);
  if (t.creationRound < 0n || t.creationRound > INT64_MAX) throw new ValueRangeError('creation_round', `creation_round ${t.creationRound} does not fit in int64`);
  return create(TicketSchema, {
    ticketParams: {
      recipient: fromHex(t.recipient, 'recipient', 20),
      faceValue: bigIntToMinimalBytes(t.faceValue, 'face_value'),
      winProb: bigIntToMinimalBytes(t.winProb, 'win_prob'),
      recipientRandHash: fromHex(t.recipientRandHash, 'recipient_rand_hash', 32),
      expirationBlock: bigIntToMinimalBytes(t.paramsExpirationBlock, 'expiration_block'),
    },
    sender: fromHex(t.sender, 'sender', 20),
    expirationParams: { creationRound: t.creationRound, creationRoundBlockHash: fromHex(t.creationRoundBlockHash, 'creation_round_block_hash', 32) },
    senderParams: { senderNonce: Number(t.senderNonce), sig: w.sig },
    recipientRand: bigIntToMinimalBytes(w.recipientRand, 'recipient_rand'),
  });
}

function missing(field: string): never {
  throw new InvalidFieldError(field, `${field} is missing: a ticket to redeem needs ticket_params, sender, expiration_params and sender_params`);
}

/**
 * Wire → pm, checking the shape of every field the redemption uses (InvalidFieldError /
 * ValueRangeError, INVALID_ARGUMENT over gRPC). Where go-livepeer's pmTicket would dereference a
 * missing sub-message (a panic), or silently pad/truncate a 19- or 21-byte address, this refuses.
 * Whether the ticket is signed, wins and is for the right recipient is the redeemer's to check.
 */
export function winningTicketFromWire(m: Ticket): WinningTicket {
  const tp = m.ticketParams ?? missing('ticket_params');
  const ep = m.expirationParams ?? missing('expiration_params');
  const sp = m.senderParams ?? missing('sender_params');
  const sender = addressFromWire(m.sender, 'sender');
  if (sender === ZERO_ADDRESS) throw new InvalidFieldError('sender', 'sender is the zero address');
  const recipient = addressFromWire(tp.recipient, 'recipient');
  if (recipient === ZERO_ADDRESS) throw new InvalidFieldError('recipient', 'recipient is the zero address');
  const faceValue = bytesToUint256(tp.faceValue, 'face_value');
  if (faceValue === 0n) throw new InvalidFieldError('face_value', 'face_value is 0: nothing to redeem');
  const winProb = bytesToUint256(tp.winProb, 'win_prob');
  const recipientRandHash = hash32FromWire(tp.recipientRandHash, 'recipient_rand_hash');
  const paramsExpirationBlock = bytesToUint256(tp.expirationBlock, 'expiration_block');
  // A block number: anything above uint64 is no block a chain will reach, and the queue would hold it forever.
  if (paramsExpirationBlock > UINT64_MAX) throw new ValueRangeError('expiration_block', `expiration_block ${paramsExpirationBlock} is not a block number (above 2^64-1)`);
  if (ep.creationRound < 0n) throw new ValueRangeError('creation_round', `creation_round ${ep.creationRound} is negative`);
  const creationRoundBlockHash = hash32FromWire(ep.creationRoundBlockHash, 'creation_round_block_hash', true);
  if (sp.sig.length !== SIG_LEN) throw new InvalidFieldError('sig', `sig is ${sp.sig.length} bytes, expected ${SIG_LEN}`);
  const recipientRand = bytesToUint256(m.recipientRand, 'recipient_rand');
  return {
    ticket: {
      recipient,
      sender,
      faceValue,
      winProb,
      senderNonce: BigInt(sp.senderNonce),
      recipientRandHash,
      creationRound: ep.creationRound,
      creationRoundBlockHash,
      paramsExpirationBlock,
      price: { pricePerUnit: 0n, pixelsPerUnit: 1n },
    },
    sig: sp.sig.slice(),
    recipientRand,
    sessionId: recipientRandHash,
  };
}

export function maxFloatReqToWire(sender: Address): MaxFloatReq {
  return create(MaxFloatReqSchema, { sender: fromHex(sender, 'sender', 20) });
}

/** MaxFloatReq.sender: exactly 20 bytes (go-livepeer's BytesToAddress would pad or truncate). */
export function maxFloatReqFromWire(m: MaxFloatReq): Address {
  return addressFromWire(m.sender, 'sender');
}

/** Max float as go-livepeer sends it (big.Int.Bytes()); a negative value (pending above the allocation) goes as 0. */
export function maxFloatUpdateToWire(maxFloat: bigint): MaxFloatUpdate {
  return create(MaxFloatUpdateSchema, { maxFloat: bigIntToMinimalBytes(maxFloat > 0n ? maxFloat : 0n, 'max_float') });
}

export function maxFloatUpdateFromWire(m: MaxFloatUpdate): bigint {
  return bytesToUint256(m.maxFloat, 'max_float');
}
