// segment-anything-2: real masks from thresholding the uploaded picture's luminance. With points,
// each positive point grows the connected region whose luminance is within a tolerance of the
// point's (three tolerances → three masks when multimask_output); negative points carve their
// region out; a box limits everything to it. Without prompts, Otsu's threshold splits the image.
// Masks, scores and logits are returned as strings of nested arrays, like the ai-runner.
import type { RgbaImage } from '../media/png.js';
import { luminance } from '../media/image.js';
import type { PipelineHandler } from '../runner/context.js';
import { badRequest } from '../runner/errors.js';
import type { RunnerInput } from '../runner/params.js';
import { bool, jsonField } from '../runner/params.js';
import { uploadedImage } from './common.js';

const TOLERANCES = [16, 40, 80];
const LOGIT_SIZE = 64;

interface Prompts {
  points: { x: number; y: number; positive: boolean }[];
  box?: [number, number, number, number];
}

function readPrompts(input: RunnerInput, img: RgbaImage): Prompts {
  const coords = jsonField(input, 'point_coords');
  const labels = jsonField(input, 'point_labels');
  const box = jsonField(input, 'box');
  const points: Prompts['points'] = [];
  if (coords !== undefined) {
    if (!Array.isArray(coords) || !coords.every((c) => Array.isArray(c) && c.length === 2 && c.every((v) => typeof v === 'number'))) {
      throw badRequest('point_coords must be a JSON list of [x, y] pairs');
    }
    const lab = labels === undefined ? coords.map(() => 1) : labels;
    if (!Array.isArray(lab) || lab.length !== coords.length) throw badRequest('point_labels must be a JSON list with one label per point');
    coords.forEach((c: number[], i) => {
      const x = Math.round(c[0]!);
      const y = Math.round(c[1]!);
      if (x < 0 || y < 0 || x >= img.width || y >= img.height) throw badRequest(`point (${c[0]}, ${c[1]}) is outside the ${img.width}x${img.height} image`);
      points.push({ x, y, positive: lab[i] !== 0 });
    });
  }
  let b: Prompts['box'];
  if (box !== undefined) {
    if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number')) throw badRequest('box must be a JSON list [x0, y0, x1, y1]');
    const [x0, y0, x1, y1] = box as number[];
    b = [Math.max(0, Math.floor(Math.min(x0!, x1!))), Math.max(0, Math.floor(Math.min(y0!, y1!))), Math.min(img.width, Math.ceil(Math.max(x0!, x1!))), Math.min(img.height, Math.ceil(Math.max(y0!, y1!)))];
  }
  return { points, box: b };
}

/** Connected pixels (4-neighbour) within `tol` of the seed's luminance. Bounded by the pixel count. */
function grow(luma: Float32Array, w: number, h: number, sx: number, sy: number, tol: number, allowed: (p: number) => boolean): Uint8Array {
  const mask = new Uint8Array(w * h);
  const ref = luma[sy * w + sx]!;
  const stack = [sy * w + sx];
  if (!allowed(stack[0]!)) return mask;
  mask[stack[0]!] = 1;
  while (stack.length) {
    const p = stack.pop()!;
    const x = p % w;
    const nbrs = [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, p - w, p + w];
    for (const q of nbrs) {
      if (q < 0 || q >= w * h || mask[q] || !allowed(q) || Math.abs(luma[q]! - ref) > tol) continue;
      mask[q] = 1;
      stack.push(q);
    }
  }
  return mask;
}

/** Otsu's threshold over a 256-bin luminance histogram. */
export function otsu(luma: Float32Array): number {
  const hist = new Float64Array(256);
  for (const v of luma) hist[Math.min(255, Math.max(0, Math.round(v)))]!++;
  const total = luma.length;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) sumAll += i * hist[i]!;
  let wB = 0, sumB = 0, best = 0, threshold = 127;
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0 || wB === total) continue;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / (total - wB);
    const between = wB * (total - wB) * (mB - mF) ** 2;
    if (between > best) [best, threshold] = [between, t];
  }
  return threshold;
}

/** Share of mask pixels whose four neighbours are also in the mask: 1 for solid blobs, low for noise. */
function solidity(mask: Uint8Array, w: number): number {
  let inside = 0, interior = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    inside++;
    const x = p % w;
    if (x > 0 && x < w - 1 && mask[p - 1] && mask[p + 1] && mask[p - w] && mask[p + w]) interior++;
  }
  return inside ? interior / inside : 0;
}

function rows(mask: Uint8Array, w: number, h: number): number[][] {
  return Array.from({ length: h }, (_, y) => Array.from(mask.subarray(y * w, (y + 1) * w)));
}

export const segmentAnything2: PipelineHandler = {
  body: 'multipart',
  handle(input) {
    const img = uploadedImage(input);
    const { width: w, height: h } = img;
    const prompts = readPrompts(input, img);
    const multimask = bool(input, 'multimask_output', true);
    const luma = luminance(img);
    const inBox = (p: number) => !prompts.box || ((p % w) >= prompts.box[0] && (p % w) < prompts.box[2] && Math.floor(p / w) >= prompts.box[1] && Math.floor(p / w) < prompts.box[3]);
    const tolerances = multimask ? TOLERANCES : [TOLERANCES[1]!];
    const masks: Uint8Array[] = [];
    const logits: number[][][] = [];
    const positives = prompts.points.filter((p) => p.positive);
    const threshold = otsu(luma);
    for (const tol of tolerances) {
      let mask: Uint8Array;
      if (positives.length) {
        mask = new Uint8Array(w * h);
        for (const pt of positives) grow(luma, w, h, pt.x, pt.y, tol, inBox).forEach((v, i) => { if (v) mask[i] = 1; });
        for (const pt of prompts.points.filter((p) => !p.positive)) grow(luma, w, h, pt.x, pt.y, tol, inBox).forEach((v, i) => { if (v) mask[i] = 0; });
      } else {
        mask = new Uint8Array(w * h);
        for (let p = 0; p < mask.length; p++) mask[p] = inBox(p) && luma[p]! > threshold ? 1 : 0;
      }
      masks.push(mask);
      // low-res logits: signed distance of luminance from the decision rule, sampled on a grid
      const lw = Math.min(LOGIT_SIZE, w);
      const lh = Math.min(LOGIT_SIZE, h);
      const ref = positives.length ? luma[positives[0]!.y * w + positives[0]!.x]! : threshold;
      logits.push(Array.from({ length: lh }, (_, y) => Array.from({ length: lw }, (_, x) => {
        const p = Math.floor((y * h) / lh) * w + Math.floor((x * w) / lw);
        const v = positives.length ? (tol - Math.abs(luma[p]! - ref)) / tol : (luma[p]! - ref) / 128;
        return Math.round(v * 1000) / 1000;
      })));
    }
    const scores = masks.map((m) => Math.round(solidity(m, w) * 10000) / 10000);
    return {
      json: {
        masks: JSON.stringify(masks.map((m) => rows(m, w, h))),
        scores: JSON.stringify(scores),
        logits: JSON.stringify(logits),
      },
    };
  },
};
