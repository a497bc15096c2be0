// Ticket signatures: EIP-191 personal_sign over the 32 RAW bytes of the ticket hash (not its hex),
// 65 bytes r ‖ s ‖ v with v ∈ {27, 28} and low s. Verification is strict in go-livepeer's order
// (length, s, v) because the lottery hashes the raw signature bytes: any alternative encoding of
// the same signature (high-s twin, 64-byte EIP-2098 form, v 0/1) would be a second draw.
import type { Address } from 'viem';
import { addressBytes, bytesEqual, checksumAddress, compareBytes, hexToBytes } from './bytes.js';
import { getCryptoBackend } from './crypto.js';
import type { SigReason } from './errors.js';
import { keccak256, keccak256Into } from './keccak.js';

export const SIG_LEN = 65;

/** "\x19Ethereum Signed Message:\n32" */
const PREFIX = Buffer.from('\x19Ethereum Signed Message:\n32', 'latin1');
/** secp256k1 n/2: s above this is the malleable high-s twin. */
const HALF_N = Buffer.from('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0', 'hex');

// Scratch buffers for the hot path (JS is single-threaded and these functions are synchronous).
const digestScratch = Buffer.alloc(PREFIX.length + 32);
PREFIX.copy(digestScratch, 0);
const digestOut = new Uint8Array(32);
const addrOut = new Uint8Array(32);
const addrView = addrOut.subarray(12, 32);

/** keccak256("\x19Ethereum Signed Message:\n32" ‖ hash32): the digest the sender signs. */
export function personalDigest(hash32: Uint8Array): Uint8Array {
  if (hash32.length !== 32) throw new RangeError(`personalDigest takes 32 bytes, got ${hash32.length}`);
  digestScratch.set(hash32, PREFIX.length);
  return keccak256(digestScratch);
}

/** Encoding checks only (no recovery): null when the bytes are a strict 65-byte low-s v27/28 signature. */
export function sigEncodingError(sig: Uint8Array): SigReason | null {
  if (sig.length !== SIG_LEN) return `length-${sig.length}`;
  if (compareBytes(sig, 32, HALF_N, 0, 32) > 0) return 'high-s';
  const v = sig[64]!;
  if (v !== 27 && v !== 28) return 'v-not-27-28';
  return null;
}

/**
 * Recovers the signer's 20 address bytes from a 32-byte ticket hash and a 65-byte signature, or
 * returns the reason the signature is refused. The address is keccak256 of the recovered public
 * key — one hash, no hex.
 */
export function recoverSignerBytes(hash32: Uint8Array, sig: Uint8Array): Uint8Array | SigReason {
  const r = recoverSignerInto(hash32, sig);
  return typeof r === 'string' ? r : r.slice();
}

/**
 * As recoverSignerBytes, but returns a view of a shared buffer, valid until the next call (the
 * validator compares it at once; no allocation per ticket).
 */
export function recoverSignerInto(hash32: Uint8Array, sig: Uint8Array): Uint8Array | SigReason {
  const bad = sigEncodingError(sig);
  if (bad) return bad;
  if (hash32.length !== 32) throw new RangeError(`ticket hash must be 32 bytes, got ${hash32.length}`);
  digestScratch.set(hash32, PREFIX.length);
  keccak256Into(digestScratch, digestOut, 0);
  const pub = getCryptoBackend().recover(digestOut, sig.subarray(0, 64), sig[64]! - 27);
  if (!pub) return 'recover-failed';
  keccak256Into(pub.subarray(1, 65), addrOut, 0);
  return addrView;
}

/** The checksummed signer of a ticket hash, or the reason the signature is refused. */
export function recoverSigner(hash32: Uint8Array, sig: Uint8Array): { signer: Address } | { reason: SigReason } {
  const r = recoverSignerBytes(hash32, sig);
  return typeof r === 'string' ? { reason: r } : { signer: checksumAddress(r) };
}

/** null when `sig` is a strict signature by `sender` over hash32; otherwise the reason. */
export function verifyTicketSig(sender: Address | Uint8Array, hash32: Uint8Array, sig: Uint8Array): SigReason | null {
  const r = recoverSignerBytes(hash32, sig);
  if (typeof r === 'string') return r;
  const want = typeof sender === 'string' ? addressBytes(sender, 'sender') : sender;
  return bytesEqual(r, 0, want, 0, 20) ? null : 'wrong-signer';
}

/** Signs a ticket hash (or any 32 bytes) the way go-livepeer's account manager does. */
export interface TicketSigner {
  readonly address: Address;
  sign(hash32: Uint8Array): Promise<Uint8Array> | Uint8Array;
}

/** 65-byte EIP-191 signature over hash32 with a raw private key: low s, v = 27/28. */
export function signTicketHash(hash32: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { sig64, recid } = getCryptoBackend().sign(personalDigest(hash32), privateKey);
  const out = new Uint8Array(SIG_LEN);
  out.set(sig64, 0);
  out[64] = 27 + recid;
  return out;
}

export function addressOfPrivateKey(privateKey: Uint8Array): Address {
  const pub = getCryptoBackend().publicKey(privateKey);
  return checksumAddress(keccak256(pub.subarray(1, 65)).subarray(12, 32));
}

/** A TicketSigner holding a private key in memory (0x hex or 32 bytes). */
export function localTicketSigner(privateKey: `0x${string}` | Uint8Array): TicketSigner {
  const key = typeof privateKey === 'string' ? hexToBytes(privateKey, 'private key') : Uint8Array.from(privateKey);
  if (key.length !== 32) throw new RangeError(`private key must be 32 bytes, got ${key.length}`);
  const address = addressOfPrivateKey(key);
  return {
    address,
    sign: (hash32: Uint8Array) => signTicketHash(hash32, key),
  };
}
