// Test helpers for trickle: collect a segment's bytes, wait on a condition (bounded), deterministic
// payloads.
import type { SegmentReader } from './types.js';

export async function collect(r: SegmentReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Polls `cond` every few ms until it holds; throws after `timeoutMs` (generous: loaded machines). */
export async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** `n` bytes of a pattern seeded by `seed` (so segments differ). */
export function payload(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}
