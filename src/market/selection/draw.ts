// The weighted draw over an evaluation's qualified candidates: one r in [0, 1) from an injectable
// RNG, one walk of the cumulative probabilities (O(n), no allocation). go-livepeer walks a Go map
// (random order) and takes the first cumulative sum ≥ r; the distribution is the same.
import { EvaluationResult, drawRow } from './evaluation.js';
import type { Evaluation, Qualified } from './types.js';

export type Rng = () => number;

/** The index of the drawn weight, skipping zeros; -1 when none is > 0. */
function drawWeighted(n: number, weight: (i: number) => number, rng: Rng): number {
  let total = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const p = weight(i);
    if (p > 0) {
      total += p;
      last = i;
    }
  }
  if (last < 0) return -1;
  // Scaling by the actual total keeps the draw exact when float sums land a hair off 1.
  const target = rng() * total;
  let cum = 0;
  for (let i = 0; i < last; i++) {
    const p = weight(i);
    if (p > 0) {
      cum += p;
      if (target < cum) return i;
    }
  }
  return last;
}

/** The index into `qualified` of the drawn candidate; -1 when none has a probability > 0. */
export function drawIndex(qualified: readonly Qualified[], rng: Rng = Math.random): number {
  return drawWeighted(qualified.length, (i) => qualified[i]!.probability, rng);
}

/**
 * The drawn candidate of an evaluation (or of a qualified list); undefined when nobody qualifies.
 * From an evaluate() result this reads its probabilities directly, without building the lists:
 * the Qualified returned then equals (same candidate and probability) its entry in `qualified`.
 */
export function draw(from: Evaluation | readonly Qualified[], rng: Rng = Math.random): Qualified | undefined {
  if (from instanceof EvaluationResult) {
    // the same walk's answer, by binary search over the (memoized) cumulative sums, or walked over a pending drawing set
    const hit = drawRow(from.parts, rng);
    return hit && { candidate: from.parts.rows.candidate(hit.row), probability: hit.probability };
  }
  const q = 'qualified' in from ? from.qualified : from;
  const i = drawIndex(q, rng);
  return i < 0 ? undefined : q[i];
}
