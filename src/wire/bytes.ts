// Byte helpers for go-livepeer's encodings: big-endian minimal integers (Go's big.Int.Bytes(), where
// 0 is the empty slice), 32-byte left-padded words, and strict standard base64 (Go's
// base64.StdEncoding: `+/` alphabet, `=` padding required).
import { InvalidFieldError, ValueRangeError } from './errors.js';

const U256_MAX = (1n << 256n) - 1n;

/** Big-endian bytes with no leading zeros; 0 → empty. Negative values are refused. */
export function bigIntToMinimalBytes(v: bigint, field = 'value'): Uint8Array {
  if (v < 0n) throw new ValueRangeError(field, `${field} ${v} is negative: only non-negative integers go on the wire as bytes`);
  if (v === 0n) return new Uint8Array(0);
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Big-endian bytes → unsigned integer; empty → 0. Leading zeros are accepted (Go's SetBytes does). */
export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  return BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}

/** Like bytesToBigInt, refusing values above 2^256−1 (more than 32 significant bytes). */
export function bytesToUint256(b: Uint8Array, field: string): bigint {
  const v = bytesToBigInt(b);
  if (v > U256_MAX) throw new ValueRangeError(field, `${field} is ${b.length} bytes and exceeds 2^256-1`);
  return v;
}

/** 32-byte big-endian word (Solidity's uint256 / go-livepeer's pad32). */
export function pad32(v: bigint, field = 'value'): Uint8Array {
  if (v < 0n || v > U256_MAX) throw new ValueRangeError(field, `${field} ${v} does not fit in 32 bytes (0 ≤ v < 2^256)`);
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(64, '0'), 'hex'));
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** 0x-prefixed lowercase hex. */
export function toHex(b: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;
}

/** Parses 0x-prefixed (or bare) hex; `length` enforces a byte length. */
export function fromHex(hex: string, field = 'hex', length?: number): Uint8Array {
  const s = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new InvalidFieldError(field, `${field} ${JSON.stringify(hex)} is not hex: expected 0x followed by an even number of hex digits`);
  }
  const out = Uint8Array.from(Buffer.from(s, 'hex'));
  if (length !== undefined && out.length !== length) {
    throw new InvalidFieldError(field, `${field} is ${out.length} bytes, expected ${length}`);
  }
  return out;
}

export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict standard base64 as Go's base64.StdEncoding.DecodeString accepts it (which also skips
 * CR/LF). Returns undefined when the text is not valid, so callers raise their own typed error.
 * Node's Buffer.from(s, 'base64') would silently skip junk and accept the URL alphabet.
 */
export function decodeBase64Strict(s: string): Uint8Array | undefined {
  const text = s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, '') : s;
  if (!BASE64_STD.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text, 'base64'));
}
