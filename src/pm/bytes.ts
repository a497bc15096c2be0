// Byte helpers for the ticket hot path. Integers go into fixed buffers through hex (Buffer's hex
// codec is native, far cheaper than 32 bigint shifts) and hashes are compared as bytes, so no hash
// ever makes a bytes → hex → bytes round trip.
import type { Address, Hex } from 'viem';
import { keccak256 } from './keccak.js';

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT32 = 0xffffffffn;

const HEX_RE = /^0x[0-9a-fA-F]*$/;

/** Throws RangeError unless `hex` is 0x-prefixed hex of exactly `bytes` bytes. */
export function assertHex(hex: string, bytes: number, what: string): void {
  if (typeof hex !== 'string' || hex.length !== 2 + 2 * bytes || !HEX_RE.test(hex)) {
    throw new RangeError(`${what} must be 0x-prefixed hex of ${bytes} bytes, got ${JSON.stringify(hex)}`);
  }
}

/** Writes 0x-prefixed hex of exactly `bytes` bytes into buf at off (validated). */
export function writeHex(buf: Buffer, off: number, hex: string, bytes: number, what: string): void {
  assertHex(hex, bytes, what);
  buf.write(hex.slice(2), off, bytes, 'hex');
}

/** Writes v as a 32-byte big-endian uint256 at off. Throws RangeError outside 0..2^256−1. */
export function writeU256(buf: Buffer, off: number, v: bigint, what = 'value'): void {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_UINT256) {
    throw new RangeError(`${what} must be a uint256 bigint, got ${String(v)}`);
  }
  if (v === 0n) {
    buf.fill(0, off, off + 32);
    return;
  }
  const h = v.toString(16);
  const len = (h.length + 1) >> 1;
  buf.fill(0, off, off + 32 - len);
  buf.write(h.length & 1 ? '0' + h : h, off + 32 - len, len, 'hex');
}

export function u256(v: bigint): Uint8Array {
  const b = Buffer.allocUnsafe(32);
  writeU256(b, 0, v);
  return b;
}

/** Go's big.Int.Bytes(): minimal big-endian magnitude, empty for 0 (sign dropped, as Go does). */
export function minimalBytes(v: bigint): Uint8Array {
  if (v < 0n) v = -v;
  if (v === 0n) return new Uint8Array(0);
  const h = v.toString(16);
  return Buffer.from(h.length & 1 ? '0' + h : h, 'hex');
}

export function bytesToBigInt(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  return BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}

export function hexToBytes(hex: string, what = 'hex'): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex) || hex.length % 2 !== 0) {
    throw new RangeError(`${what} must be 0x-prefixed hex with an even number of digits, got ${JSON.stringify(hex)}`);
  }
  return Buffer.from(hex.slice(2), 'hex');
}

export function bytesToHex(b: Uint8Array): Hex {
  return `0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;
}

/** Constant-size equality of two byte ranges. */
export function bytesEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

export function isZero(a: Uint8Array, off: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[off + i] !== 0) return false;
  return true;
}

/** -1/0/1 comparing two big-endian byte strings of equal length. */
export function compareBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const x = a[aOff + i]!;
    const y = b[bOff + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const CHECKSUM_CACHE_ENTRIES = 4096;
const checksums = new Map<string, Address>();

/** EIP-55 checksummed form of a 20-byte address. */
export function checksumAddress(addr20: Uint8Array): Address {
  const lower = Buffer.from(addr20.buffer, addr20.byteOffset, 20).toString('hex');
  // A node sees the same few addresses in every ticket (its own, its gateways'): a Keccak each
  // time was 1 % of an orchestrator's CPU per job. Bounded: cleared when full.
  const known = checksums.get(lower);
  if (known !== undefined) return known;
  const out = checksumOf(lower);
  if (checksums.size >= CHECKSUM_CACHE_ENTRIES) checksums.clear();
  checksums.set(lower, out);
  return out;
}

function checksumOf(lower: string): Address {
  const h = keccak256(Buffer.from(lower, 'ascii'));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lower[i]!;
    const nibble = (h[i >> 1]! >> (i & 1 ? 0 : 4)) & 0xf;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out as Address;
}

/** Validates a 0x address (any case; the checksum is not enforced) and returns its 20 bytes. */
export function addressBytes(addr: string, what = 'address'): Uint8Array {
  assertHex(addr, 20, what);
  return Buffer.from(addr.slice(2), 'hex');
}

/** Checksummed form of a 0x address string. */
export function toChecksumAddress(addr: string): Address {
  return checksumAddress(addressBytes(addr));
}

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;
export const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`;
