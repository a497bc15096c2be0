// Helpers shared by the reference pipelines.
import type { RgbaImage } from '../media/png.js';
import { PngError, decodePng, encodePng } from '../media/png.js';
import { seedFrom } from '../media/prng.js';
import { REFERENCE_NOTE } from '../runner/context.js';
import { badRequest } from '../runner/errors.js';
import type { RunnerInput } from '../runner/params.js';
import { int, requiredFile } from '../runner/params.js';

/** Decodes an uploaded PNG, or 400 with what is wrong (only 8-bit non-interlaced PNG is supported). */
export function uploadedImage(input: RunnerInput, field = 'image'): RgbaImage {
  const bytes = requiredFile(input, field);
  try {
    return decodePng(bytes);
  } catch (err) {
    if (err instanceof PngError) throw badRequest(`Unsupported ${field}: ${err.message}. The CPU reference runner reads 8-bit non-interlaced PNG only.`);
    throw err;
  }
}

export function pngDataUrl(img: RgbaImage, extra: Record<string, string> = {}): string {
  return 'data:image/png;base64,' + encodePng(img, { Software: REFERENCE_NOTE, ...extra }).toString('base64');
}

/** The request's seed, or one derived from the prompt (ai-runner picks a random one; we stay deterministic). */
export function requestSeed(input: RunnerInput, ...parts: string[]): number {
  const s = int(input, 'seed');
  if (s !== undefined) {
    if (s < 0 || s > 0xffffffff) throw badRequest('seed must be between 0 and 4294967295');
    return s;
  }
  return seedFrom('seed', ...parts);
}

export function inRange(field: string, v: number, min: number, max: number): number {
  if (v < min || v > max) throw badRequest(`${field} must be between ${min} and ${max}, got ${v}`);
  return v;
}
