// O's per-ticket random value. recipientRand = HMAC-SHA256(secret, fields of the params O issued);
// O commits to it with recipientRandHash = keccak256(uint256(recipientRand)) and keeps no per-params
// state: on each ticket it recomputes the HMAC from the echoed seed and the ticket's fields, so the
// HMAC also authenticates the params that are not in the ticket hash (expiration block, price).
//
// go-livepeer concatenates minimal big-endian integers WITHOUT field boundaries (pm.md §3.3, §9.1):
// bytes can move between faceValue | winProb | expirationBlock | price and give the same HMAC, so a
// gateway can reshape face value / win probability unnoticed. We length-frame every field (4-byte
// big-endian length before each) — only O derives and checks recipientRand, so this stays
// wire-compatible with go-livepeer gateways. `goRecipientRand` reproduces go-livepeer's exact
// construction for compatibility vectors only.
import { createHmac, randomBytes } from 'node:crypto';
import type { Address } from 'viem';
import type { PriceInfo } from '../money/index.js';
import { priceRat } from '../money/index.js';
import { addressBytes, bytesToBigInt, minimalBytes } from './bytes.js';
import { auxData } from './hash.js';
import { keccak256 } from './keccak.js';
import type { TicketExpirationParams } from './ticket.js';

export const RECIPIENT_SECRET_LEN = 32;

/** The inputs O binds into recipientRand. */
export interface RandInputs {
  seed: bigint;
  sender: Address;
  faceValue: bigint;
  winProb: bigint;
  expirationBlock: bigint;
  price: PriceInfo;
  expirationParams: TicketExpirationParams;
}

const DOMAIN = Buffer.from('livepeer-ts/recipientRand/v1', 'ascii');

function fields(i: RandInputs): Uint8Array[] {
  const p = priceRat(i.price); // reduced, as go-livepeer's big.Rat
  return [
    minimalBytes(i.seed),
    addressBytes(i.sender, 'sender'),
    minimalBytes(i.faceValue),
    minimalBytes(i.winProb),
    minimalBytes(i.expirationBlock),
    minimalBytes(p.num),
    minimalBytes(p.den),
    auxData(i.expirationParams),
  ];
}

/** The framed HMAC message: domain tag, then each field as u32be(len) ‖ bytes. */
export function recipientRandMessage(i: RandInputs): Uint8Array {
  const parts = [DOMAIN, ...fields(i)];
  let len = 0;
  for (const p of parts) len += 4 + p.length;
  const msg = Buffer.allocUnsafe(len);
  let off = 0;
  for (const p of parts) {
    msg.writeUInt32BE(p.length, off);
    msg.set(p, off + 4);
    off += 4 + p.length;
  }
  return msg;
}

function checkSecret(secret: Uint8Array): void {
  if (secret.length !== RECIPIENT_SECRET_LEN) {
    throw new RangeError(`recipient secret must be ${RECIPIENT_SECRET_LEN} bytes, got ${secret.length}`);
  }
}

/** recipientRand as 32 big-endian bytes (= uint256(recipientRand)), length-framed construction. */
export function recipientRandBytes(secret: Uint8Array, i: RandInputs): Uint8Array {
  checkSecret(secret);
  return createHmac('sha256', secret).update(recipientRandMessage(i)).digest();
}

export function recipientRand(secret: Uint8Array, i: RandInputs): bigint {
  return bytesToBigInt(recipientRandBytes(secret, i));
}

/** go-livepeer's unframed construction (pm.md §3.3), for compatibility vectors. Do not use to issue params. */
export function goRecipientRand(secret: Uint8Array, i: RandInputs): bigint {
  checkSecret(secret);
  return bytesToBigInt(createHmac('sha256', secret).update(Buffer.concat(fields(i))).digest());
}

/** keccak256(uint256(rand)) — the commitment in the ticket. */
export function recipientRandHashBytes(rand32: Uint8Array): Uint8Array {
  return keccak256(rand32);
}

export function recipientRandHash(rand: bigint): `0x${string}` {
  const b = Buffer.alloc(32);
  const h = rand.toString(16);
  if (rand < 0n || h.length > 64) throw new RangeError('recipientRand must be a uint256');
  b.write(h.padStart(64, '0'), 'hex');
  return `0x${Buffer.from(keccak256(b)).toString('hex')}`;
}

/** A fresh 32-byte secret from the OS CSPRNG. */
export function newRecipientSecret(): Uint8Array {
  return randomBytes(RECIPIENT_SECRET_LEN);
}

/** Bits of a seed below the boot id (random). */
export const SEED_RANDOM_BITS = 192n;
/** Boot ids are 64-bit and nonzero (zero would make them indistinguishable from a short seed). */
export const MAX_BOOT_ID = (1n << 64n) - 1n;

/**
 * A fresh seed for one set of ticket params (CSPRNG; go-livepeer uses math/rand). With `boot`, the
 * top 64 bits carry it and the low 192 are random: the seed is HMAC-covered (recipientRand), so a
 * gateway cannot move params to another boot, and O can tell which run of itself issued them.
 */
export function newSeed(boot?: bigint): bigint {
  if (boot === undefined) return bytesToBigInt(randomBytes(32));
  if (boot < 1n || boot > MAX_BOOT_ID) throw new RangeError(`boot id must be in [1, 2^64), got ${boot}`);
  return (boot << SEED_RANDOM_BITS) | bytesToBigInt(randomBytes(24));
}

/** The boot id newSeed(boot) put in `seed` (meaningful only once the params' recipientRand checks out). */
export function seedBoot(seed: bigint): bigint {
  return seed >> SEED_RANDOM_BITS;
}
