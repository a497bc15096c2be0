// net.TicketParams / TicketExpirationParams / TicketSenderParams ↔ src/pm types. Integers travel
// as big-endian minimal bytes (Go's big.Int.Bytes(): 0 → empty); addresses are 20 bytes, hashes 32.
import { create } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import type { PriceInfo } from '../money/index.js';
import { checksumAddress } from '../pm/index.js';
import type {
  TicketExpirationParams as PmExpirationParams,
  TicketParams as PmTicketParams,
  TicketSenderParams as PmSenderParams,
} from '../pm/index.js';
import {
  TicketExpirationParamsSchema,
  TicketParamsSchema,
  TicketSenderParamsSchema,
  type TicketExpirationParams,
  type TicketParams,
  type TicketSenderParams,
} from './gen/net/lp_rpc_pb.js';
import { bigIntToMinimalBytes, bytesToUint256, fromHex, toHex } from './bytes.js';
import { InvalidFieldError, ValueRangeError } from './errors.js';

const ZERO_HASH = `0x${'00'.repeat(32)}` as const;
const UINT32_MAX = 0xffffffffn;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** 20 wire bytes → checksummed address; anything else → InvalidFieldError. */
export function addressFromWire(b: Uint8Array, field: string): Address {
  if (b.length !== 20) throw new InvalidFieldError(field, `${field} is ${b.length} bytes, expected a 20-byte ETH address`);
  return checksumAddress(b);
}

/** 32 wire bytes → 0x hash. Empty → zero hash when `emptyIsZero` (Go's BytesToHash(nil)). */
export function hash32FromWire(b: Uint8Array, field: string, emptyIsZero = false): `0x${string}` {
  if (b.length === 0 && emptyIsZero) return ZERO_HASH;
  if (b.length !== 32) throw new InvalidFieldError(field, `${field} is ${b.length} bytes, expected 32`);
  return toHex(b);
}

export function expirationParamsFromWire(e: TicketExpirationParams | undefined): PmExpirationParams {
  return {
    creationRound: e?.creationRound ?? 0n,
    creationRoundBlockHash: hash32FromWire(e?.creationRoundBlockHash ?? new Uint8Array(0), 'creation_round_block_hash', true),
  };
}

export function expirationParamsToWire(e: PmExpirationParams): TicketExpirationParams {
  if (e.creationRound < INT64_MIN || e.creationRound > INT64_MAX) {
    throw new ValueRangeError('creation_round', `creation_round ${e.creationRound} does not fit in int64`);
  }
  const hash = fromHex(e.creationRoundBlockHash, 'creation_round_block_hash', 32);
  // A zero hash goes out as its 32 zero bytes, as go-livepeer's Hash.Bytes() does.
  return create(TicketExpirationParamsSchema, { creationRound: e.creationRound, creationRoundBlockHash: hash });
}

/**
 * Wire → pm. `price` is the PriceInfo the params came with (OrchestratorInfo.price_info or
 * Payment.expected_price), already converted with priceInfoFromWire.
 */
export function ticketParamsFromWire(tp: TicketParams, price: PriceInfo): PmTicketParams {
  return {
    recipient: addressFromWire(tp.recipient, 'recipient'),
    faceValue: bytesToUint256(tp.faceValue, 'face_value'),
    winProb: bytesToUint256(tp.winProb, 'win_prob'),
    recipientRandHash: hash32FromWire(tp.recipientRandHash, 'recipient_rand_hash'),
    seed: bytesToUint256(tp.seed, 'seed'),
    expirationBlock: bytesToUint256(tp.expirationBlock, 'expiration_block'),
    price,
    expirationParams: expirationParamsFromWire(tp.expirationParams),
  };
}

/** pm → wire (the price is not part of net.TicketParams; it travels as price_info/expected_price). */
export function ticketParamsToWire(p: PmTicketParams): TicketParams {
  return create(TicketParamsSchema, {
    recipient: fromHex(p.recipient, 'recipient', 20),
    faceValue: bigIntToMinimalBytes(p.faceValue, 'face_value'),
    winProb: bigIntToMinimalBytes(p.winProb, 'win_prob'),
    recipientRandHash: fromHex(p.recipientRandHash, 'recipient_rand_hash', 32),
    seed: bigIntToMinimalBytes(p.seed, 'seed'),
    expirationBlock: bigIntToMinimalBytes(p.expirationBlock, 'expiration_block'),
    expirationParams: expirationParamsToWire(p.expirationParams),
  });
}

export function senderParamsFromWire(sp: TicketSenderParams): PmSenderParams {
  return { senderNonce: BigInt(sp.senderNonce), sig: sp.sig };
}

export function senderParamsToWire(sp: PmSenderParams): TicketSenderParams {
  if (sp.senderNonce < 0n || sp.senderNonce > UINT32_MAX) {
    throw new ValueRangeError('sender_nonce', `sender_nonce ${sp.senderNonce} does not fit in uint32 (go-livepeer's nonce type)`);
  }
  return create(TicketSenderParamsSchema, { senderNonce: Number(sp.senderNonce), sig: sp.sig });
}
