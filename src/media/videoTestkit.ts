// Test helpers for video: decode to raw YUV 4:2:0 planes (with the shipped ffmpeg) to measure what
// a filter did, and a bounded wait on a condition. (Test-only; not exported from src/media.)
import { runFfmpeg } from './ffmpeg.js';

export interface YuvFrame {
  y: Uint8Array;
  u: Uint8Array;
  v: Uint8Array;
}

/** Every frame of `media` as yuv420p planes of width×height (scaled if it is another size). */
export async function decodeFrames(media: Uint8Array, width: number, height: number): Promise<YuvFrame[]> {
  const raw = await runFfmpeg(['-i', 'pipe:0', '-vf', `scale=${width}:${height}`, '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'], { input: media, timeoutMs: 60_000 });
  const ySize = width * height;
  const cSize = (width / 2) * (height / 2);
  const frame = ySize + 2 * cSize;
  if (raw.byteLength % frame !== 0) throw new Error(`decoded ${raw.byteLength} bytes, not a whole number of ${width}x${height} frames`);
  const out: YuvFrame[] = [];
  for (let o = 0; o < raw.byteLength; o += frame) {
    out.push({ y: raw.subarray(o, o + ySize), u: raw.subarray(o + ySize, o + ySize + cSize), v: raw.subarray(o + ySize + cSize, o + frame) });
  }
  return out;
}

/** The largest |value − 128| over a frame's chroma planes: 0 for pure grey. */
export function chromaSpread(f: YuvFrame): number {
  let max = 0;
  for (const p of [f.u, f.v]) for (const x of p) max = Math.max(max, Math.abs(x - 128));
  return max;
}

/** Mean absolute difference of two equally sized planes. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.byteLength !== b.byteLength) throw new Error('planes differ in size');
  let s = 0;
  for (let i = 0; i < a.byteLength; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.byteLength;
}

/** A plane mirrored left/right. */
export function mirrorPlane(p: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(p.byteLength);
  for (let o = 0; o < p.byteLength; o += width) for (let x = 0; x < width; x++) out[o + x] = p[o + width - 1 - x]!;
  return out;
}

/** Polls `cond` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
