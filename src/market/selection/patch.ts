// Patching evaluations over a candidate snapshot (snapshot.ts) instead of doing them again: a job's
// few gated or omitted rows patched into the snapshot's job-free evaluation (patchJob, for
// evaluatePrepared), and a job-free evaluation carried over to a snapshot with some rows' facts
// replaced (patchBase, for withRows). Each is the same result as the whole evaluation
// (evaluateFull) — snapshot.test.ts checks both — and is only used when it can be: the callers
// fall back to the whole evaluation when a change moves what every row depends on.
// Below snapshot.ts (which calls patchBase when it builds a patched snapshot); it only names its types.
import type { Rat } from '../../money/index.js';
import { OMITTED, DRAWING, EvaluationResult, PRICE_CODE, STANDBY_BAND, STANDBY_COLD, keepDrawing, makeParts, type EvaluationParts, type PendingDrawing } from './evaluation.js';
import { probabilitiesFromColumns } from './probabilities.js';
import { NONE, SnapshotRows, codeOf } from './snapshot-rows.js';
import type { CandidateSnapshot, JobGates } from './snapshot.js';
import type { Evaluation, SelectionWeights } from './types.js';

const NO_ROWS = new Int32Array(0);
const NO_PROBS = new Float64Array(0);

/** A job-free evaluation kept by the snapshot, with what decides whether a job's rows can be patched in. */
export interface Base {
  max: Rat | undefined;
  maxNum: bigint | undefined;
  maxDen: bigint | undefined;
  weights: SelectionWeights;
  parts: EvaluationParts;
  /** Qualified (drawing or reserve) warm rows, and ungated priced rows (qualified or price-rejected). */
  warmOpen: number;
  pricedOpen: number;
  anyWarm: boolean;
  maxOn: boolean;
  anyPriced: boolean;
}

export const isQualified = (code: number): boolean => code === DRAWING || code === STANDBY_COLD || code === STANDBY_BAND;

/**
 * evaluatePrepared()'s patch: `base` (the snapshot's job-free evaluation) with the job's gated and
 * omitted rows' verdicts replaced — O(job's rows), plus O(drawing set) for the probabilities when
 * `touchesDrawing` (a gated row was drawing). Only when the job's rows do not change what the rest
 * depends on (the last warm or priced row, the fastest latency): evaluatePrepared() checks that.
 */
export function patchJob(snap: CandidateSnapshot, job: JobGates, base: Base, weights: SelectionWeights, touchesDrawing: boolean): Evaluation {
  const bc = base.parts.codes;
  const codes = bc.slice();
  const counts = base.parts.counts.slice();
  const touched = new Set<number>();
  for (const [i, g] of job.gates) {
    const old = codes[i]!;
    const c = Math.min(snap.gate[i]!, codeOf(g));
    if (old < DRAWING) counts[old]!--;
    counts[c]!++;
    codes[i] = c;
    touched.add(old).add(c);
  }
  for (const i of job.omitted) {
    const old = codes[i]!;
    if (old === OMITTED) continue;
    if (old < DRAWING) counts[old]!--;
    codes[i] = OMITTED;
    touched.add(old);
  }
  let drawing = base.parts.drawing;
  let probs = base.parts.probs;
  // the draw's sums are the base's while the drawing set is (the rejected keys are not: codes changed)
  const bm = base.parts.memo;
  let memo: EvaluationParts['memo'] = bm?.cumulative ? { cumulative: bm.cumulative, lastPositive: bm.lastPositive! } : {};
  let pending: PendingDrawing | undefined;
  if (touchesDrawing && weights.priceWeight === 0) {
    // A retry's job only draws: its drawing set (the base's minus its rows) is walked, not built —
    // two arrays of the drawing set's size per job were most of what a job allocated.
    pending = { from: drawing, stakes: snap.stake, weights };
    drawing = NO_ROWS;
    probs = NO_PROBS;
    memo = {};
  } else if (touchesDrawing) {
    drawing = keepDrawing(drawing, codes, 0);
    const m = drawing.length;
    probs = new Float64Array(m);
    probabilitiesFromColumns(snap.stake, () => snap.prices(), drawing, weights, probs);
    memo = {};
  }
  return new EvaluationResult({ ...base.parts, rows: new SnapshotRows(snap, job), codes, counts, drawing, probs, memo, base: { parts: base.parts, touched }, pending });
}

/**
 * `b`, a job-free evaluation of `old`, for `snap` (old with the `changed` rows' facts replaced): the
 * changed rows' verdicts computed again and the rest copied — O(changed), plus O(drawing set) when
 * a drawing row changed (the probabilities). Undefined when a change moves what every row's verdict
 * depends on (whether any ungated row is priced or warm, the fastest latency): the whole
 * evaluation is then done when it is first asked for. The same parts as evaluateFull() on `snap`
 * (snapshot.test.ts compares them over random patches).
 */
export function patchBase(snap: CandidateSnapshot, old: CandidateSnapshot, b: Base, changed: ReadonlyMap<number, unknown>): Base | undefined {
  const p = b.parts;
  const fastest = p.fastestMs;
  const band = b.weights.latencyBandMs;
  const bandOn = band !== undefined && fastest !== Infinity;
  const limit = bandOn ? fastest + band : Infinity;
  const above = b.maxOn && b.anyPriced ? snap.aboveMax(b.max!) : undefined;
  const codes = p.codes.slice();
  const counts = p.counts.slice();
  let warmOpen = b.warmOpen;
  let pricedOpen = b.pricedOpen;
  let drawingTouched = false;
  const added: number[] = [];
  const touched = new Set<number>();
  for (const i of changed.keys()) {
    // what the row counted for before
    const was = codes[i]!;
    touched.add(was);
    if (isQualified(was)) {
      if (old.warm[i] === 1) warmOpen--;
      if (old.latency[i] === fastest) return undefined; // it may have been the fastest
    }
    if ((isQualified(was) || was === PRICE_CODE) && old.hasPrice[i] === 1) pricedOpen--;
    if (was < DRAWING) counts[was]!--;
    if (was === DRAWING) drawingTouched = true;
    // and its verdict now, as evaluateFull's steps
    let c = snap.gate[i]!;
    if (c === NONE) c = snap.fallback[i]!;
    if (c === NONE) {
      if (snap.hasPrice[i] === 1) pricedOpen++;
      if (above !== undefined && above[i] === 1) c = PRICE_CODE;
      else {
        const warm = snap.warm[i] === 1;
        const l = snap.latency[i]!;
        if (warm) warmOpen++;
        if ((!b.anyWarm || warm) && l < fastest) return undefined; // a new fastest
        if (b.anyWarm && !warm) c = STANDBY_COLD;
        else if (bandOn && !(l <= limit)) c = STANDBY_BAND;
        else c = DRAWING;
      }
    }
    if (c < DRAWING) counts[c]!++;
    if (c === DRAWING) {
      drawingTouched = true;
      if (was !== DRAWING) added.push(i);
    }
    codes[i] = c;
    touched.add(c);
  }
  if (warmOpen > 0 !== b.anyWarm) return undefined;
  if (b.maxOn && pricedOpen > 0 !== b.anyPriced) return undefined;
  let drawing = p.drawing;
  let probs = p.probs;
  let memo: EvaluationParts['memo'] = {};
  if (drawingTouched) {
    // the drawing set in row order: the old one without the rows that left it (the filter every
    // retry's job runs, so optimised code), then those that joined, each put in place by a copy
    let kept = keepDrawing(drawing, codes, added.length);
    let m = kept.length;
    if (added.length > 0) {
      added.sort((x, y) => x - y);
      const buf = new Int32Array(kept.buffer, kept.byteOffset, m + added.length);
      for (const i of added) {
        let lo = 0;
        let hi = m;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (buf[mid]! < i) lo = mid + 1;
          else hi = mid;
        }
        buf.copyWithin(lo + 1, lo, m);
        buf[lo] = i;
        m++;
      }
      kept = buf;
    }
    drawing = kept;
    probs = new Float64Array(m);
    probabilitiesFromColumns(snap.stake, () => snap.prices(), drawing, b.weights, probs);
  } else if (p.memo?.cumulative) memo = { cumulative: p.memo.cumulative, lastPositive: p.memo.lastPositive! };
  // the key lists of the codes no changed row had or has are the same lists (the same arrays: a
  // reader that counts by list, as the gateway's price refusals, sees nothing new)
  if (p.memo?.keys) {
    const keys = new Map<number, readonly string[]>();
    for (const [code, list] of p.memo.keys) if (!touched.has(code)) keys.set(code, list);
    if (keys.size > 0) memo.keys = keys;
  }
  const parts = makeParts({ rows: new SnapshotRows(snap, undefined), codes, drawing, probs, counts, max: p.max, fastestMs: fastest, bandMs: p.bandMs, memo });
  return { ...b, parts, warmOpen, pricedOpen, anyPriced: pricedOpen > 0 };
}
