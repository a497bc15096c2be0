// Deterministic randomness for the reference runners: the same prompt and seed always produce
// the same bytes.
import { createHash } from 'node:crypto';

/** A 32-bit seed from any text (first 4 bytes of its SHA-256). */
export function seedFrom(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0);
}

/** mulberry32: small, fast, good enough for procedural pictures and toy text. Returns [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
