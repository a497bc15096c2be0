// The result of evaluate(): per candidate, one code (a reject reason, drawing, or a reserve
// reason) in a typed array, and the drawing set's probabilities. The Evaluation lists of objects
// are built on first read — a job that only draws, or only counts reasons for its error, never
// allocates 10,000 of them — and price details and reserve notes are formatted when read. The
// candidates are read through EvaluationRows: a plain array (evaluate()) or a prepared snapshot
// with one job's gates (snapshot.ts), whose Candidate objects are only built when a list is read.
import { formatRatWei, type Rat } from '../../money/index.js';
import { probabilitiesFromColumns } from './probabilities.js';
import { REJECT_REASONS, type Candidate, type Evaluation, type Qualified, type RejectReason, type Rejected, type SelectionWeights, type StandbyReason } from './types.js';

export type GateReason = Exclude<RejectReason, 'price-above-max'>;

/** Codes 0..7 are REJECT_REASONS indexes; then: */
export const DRAWING = REJECT_REASONS.length;
export const STANDBY_COLD = DRAWING + 1;
export const STANDBY_BAND = DRAWING + 2;
export const PRICE_CODE = REJECT_REASONS.indexOf('price-above-max');
/** A row left out of this job entirely (in neither list): a prepared snapshot's omitted rows. */
export const OMITTED = 254;

/** How an evaluation reads its candidates, by row. */
export interface EvaluationRows {
  readonly length: number;
  /** The candidate as this job sees it (built on demand for a prepared snapshot). */
  candidate(i: number): Candidate;
  key(i: number): string;
  /** The row of the candidate with this key; -1 if none. */
  indexOf(key: string): number;
}

/** A plain array of candidates as rows. */
export class ArrayRows implements EvaluationRows {
  constructor(readonly candidates: readonly Candidate[]) {}
  get length(): number {
    return this.candidates.length;
  }
  candidate(i: number): Candidate {
    return this.candidates[i]!;
  }
  key(i: number): string {
    return this.candidates[i]!.key;
  }
  indexOf(key: string): number {
    const c = this.candidates;
    for (let i = 0; i < c.length; i++) if (c[i]!.key === key) return i;
    return -1;
  }
}

/** Used when a gate is set with an empty detail. */
const GATE_DETAIL: Readonly<Record<GateReason, string>> = {
  blocklisted: 'on -orchBlocklist',
  excluded: "excluded by this request's include/exclude list",
  'no-answer': 'did not answer GetOrchestrator',
  stale: 'not seen recently enough to trust its answer',
  'no-capability': 'does not offer this pipeline and model',
  capacity: 'no free capacity for this model',
  suspended: 'suspended after a fault of its own',
};

const showPrice = (r: Rat): string => `${formatRatWei(r, 6)} wei/unit`;

/**
 * One rejection, whatever its reason: one class (one object shape), so a loop over the list stays
 * monomorphic; the reason and the detail are getters (the detail formatted when read).
 */
class Rejection implements Rejected {
  // Four fields (one is built per rejected candidate and job): the reason is read from the code,
  // the candidate from the rows when first read.
  readonly #rows: EvaluationRows;
  readonly #row: number;
  readonly #code: number;
  readonly #max: Rat | undefined;
  constructor(rows: EvaluationRows, row: number, code: number, max: Rat | undefined) {
    this.#rows = rows;
    this.#row = row;
    this.#code = code;
    this.#max = max;
  }
  get candidate(): Candidate {
    return this.#rows.candidate(this.#row);
  }
  get reason(): RejectReason {
    return REJECT_REASONS[this.#code]!;
  }
  get detail(): string {
    if (this.#code !== PRICE_CODE) {
      const reason = this.reason as GateReason;
      return this.candidate.gates[reason] || GATE_DETAIL[reason];
    }
    const p = this.candidate.price;
    const max = showPrice(this.#max!);
    return p === undefined
      ? `advertises no price for this pipeline and model, while a max of ${max} applies and others advertise one`
      : `price ${showPrice(p)} is above the max ${max}`;
  }
  toJSON(): { candidate: Candidate; reason: RejectReason; detail: string } {
    return { candidate: this.candidate, reason: this.reason, detail: this.detail };
  }
  /** The REJECT_REASONS index of any Rejected (ours or a caller's object). */
  static codeOf(r: Rejected): number {
    return #code in r ? r.#code : REJECT_REASONS.indexOf(r.reason);
  }
}

export const rejectionCode = (r: Rejected): number => Rejection.codeOf(r);

class Standby implements Qualified {
  readonly probability = 0;
  constructor(
    readonly candidate: Candidate,
    readonly standby: StandbyReason,
    private readonly fastestMs: number,
    private readonly bandMs: number,
  ) {}
  get note(): string {
    if (this.standby === 'cold') return 'cold model: used once no warm orchestrator qualifies';
    const l = this.candidate.latencyMs;
    const band = `the ${this.bandMs} ms latency band (fastest ${this.fastestMs} ms)`;
    return l === undefined ? `latency not measured, so outside ${band}` : `latency ${l} ms is outside ${band}`;
  }
  toJSON(): { candidate: Candidate; probability: 0; standby: StandbyReason; note: string } {
    return { candidate: this.candidate, probability: 0, standby: this.standby, note: this.note };
  }
}

export interface EvaluationParts {
  rows: EvaluationRows;
  /** Per candidate: its code (see above). */
  codes: Uint8Array;
  /** Candidate indexes of the drawing set, in input order, and their probabilities (see `pending`). */
  drawing: Int32Array;
  probs: Float64Array;
  /**
   * Set when the drawing set is not built yet (drawing and probs are then empty): it is `from`'s
   * rows still DRAWING in codes, weighted by stake alone (no price share). A draw walks it without
   * building it; reading the lists builds it (settle()).
   */
  pending?: PendingDrawing;
  /** Rejections per code (REJECT_REASONS index). */
  counts: readonly number[];
  max: Rat | undefined;
  fastestMs: number;
  bandMs: number;
  /** Memos, filled on first use and shared by evaluations that share these arrays (never changed once set). */
  memo?: PartsMemo;
  /** An evaluation patched from `base` (snapshot.ts): rejections with codes not in `touched` are base's. */
  base?: { parts: EvaluationParts; touched: ReadonlySet<number> };
}

/**
 * Parts with every field present, in one order: parts are read in the hottest loops (codes, the
 * drawing set), and objects of several shapes there (spreads, optional keys set or not) made V8
 * drop its optimised code for the draw again and again, each time running it unoptimised (~3 ms
 * over 10,000 rows) until it was compiled again.
 */
export function makeParts(p: EvaluationParts): EvaluationParts {
  return { rows: p.rows, codes: p.codes, drawing: p.drawing, probs: p.probs, pending: p.pending, counts: p.counts, max: p.max, fastestMs: p.fastestMs, bandMs: p.bandMs, memo: p.memo, base: p.base };
}

export interface PendingDrawing {
  from: Int32Array;
  /** Number(stake) per row. */
  stakes: Float64Array;
  /** Weights with priceWeight 0. */
  weights: SelectionWeights;
}

/** The rows of `drawing` still DRAWING in `codes`, in order, in a new buffer with room for `spare` more. */
export function keepDrawing(drawing: Int32Array, codes: Uint8Array, spare: number): Int32Array {
  const idx = new Int32Array(drawing.length + spare);
  let m = 0;
  for (let k = 0; k < drawing.length; k++) {
    const i = drawing[k]!;
    if (codes[i] === DRAWING) idx[m++] = i;
  }
  return idx.subarray(0, m);
}

/** Builds a pending drawing set and its probabilities (probabilitiesFromColumns: the same doubles as built at once). */
function settle(parts: EvaluationParts): void {
  const pd = parts.pending;
  if (!pd) return;
  const drawing = keepDrawing(pd.from, parts.codes, 0);
  const probs = new Float64Array(drawing.length);
  probabilitiesFromColumns(pd.stakes, () => new Float64Array(0), drawing, pd.weights, probs);
  parts.drawing = drawing;
  parts.probs = probs;
  parts.pending = undefined;
}

/**
 * draw()'s answer on a pending drawing set, without building it: three walks over `from` (the
 * stake sum, the total, the target) doing finish()'s arithmetic (probabilities.ts) in the same
 * order for each row, so the same doubles, the same cumulative sums and the same row as
 * drawFromParts over the built set.
 */
function drawPending(parts: EvaluationParts, pd: PendingDrawing, rng: () => number): { row: number; probability: number } | undefined {
  const { from, stakes, weights: w } = pd;
  const codes = parts.codes;
  let n = 0;
  let sum = 0;
  for (let k = 0; k < from.length; k++) {
    const i = from[k]!;
    if (codes[i] !== DRAWING) continue;
    n++;
    sum += stakes[i]!;
  }
  if (n === 0) return undefined;
  const total = w.stakeWeight + w.priceWeight + w.randWeight;
  const rand = w.randWeight / n / total;
  const kw = w.stakeWeight / total;
  const byStake = w.stakeWeight > 0 && sum > 0;
  const f = byStake ? kw / sum : 0;
  const flat = w.stakeWeight > 0 ? rand + kw / n : rand;
  let cum = 0;
  let last = -1;
  for (let k = 0; k < from.length; k++) {
    const i = from[k]!;
    if (codes[i] !== DRAWING) continue;
    const p = byStake ? rand + f * stakes[i]! : flat;
    if (p > 0) {
      cum += p;
      last = i;
    }
  }
  if (last < 0) return undefined;
  const target = rng() * cum;
  let c = 0;
  for (let k = 0; k < from.length; k++) {
    const i = from[k]!;
    if (codes[i] !== DRAWING) continue;
    const p = byStake ? rand + f * stakes[i]! : flat;
    if (i === last) return { row: i, probability: p };
    if (p > 0) {
      c += p;
      if (c > target) return { row: i, probability: p };
    }
  }
  return undefined; // not reached: `last` is in the walk
}

/** The row drawn from the evaluation's drawing set and its probability (see drawFromParts, drawPending). */
export function drawRow(parts: EvaluationParts, rng: () => number): { row: number; probability: number } | undefined {
  if (parts.pending) return drawPending(parts, parts.pending, rng);
  const k = drawFromParts(parts, rng);
  return k < 0 ? undefined : { row: parts.drawing[k]!, probability: parts.probs[k]! };
}

export interface PartsMemo {
  /** Cumulative probabilities (the draw's walk, as sums in order) and the last index with p > 0. */
  cumulative?: Float64Array;
  lastPositive?: number;
  /** rejectedKeys by code. */
  keys?: Map<number, readonly string[]>;
}

/** The drawn index into parts.drawing, as draw()'s walk (first cumulative sum above r·total), by binary search over memoized sums. */
export function drawFromParts(parts: EvaluationParts, rng: () => number): number {
  const memo = (parts.memo ??= {});
  let c = memo.cumulative;
  let last = memo.lastPositive ?? -1;
  if (!c) {
    const probs = parts.probs;
    c = new Float64Array(probs.length);
    let cum = 0;
    last = -1;
    for (let k = 0; k < probs.length; k++) {
      const p = probs[k]!;
      if (p > 0) {
        cum += p;
        last = k;
      }
      c[k] = cum;
    }
    memo.cumulative = c;
    memo.lastPositive = last;
  }
  if (last < 0) return -1;
  // The walk returns the first k < last with p_k > 0 and target < C[k], else last. C is
  // non-decreasing and flat over zeros, so the first k with C[k] > target has p_k > 0.
  const target = rng() * c[c.length - 1]!;
  let lo = 0;
  let hi = last; // search [0, last)
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function keysOf(parts: EvaluationParts, code: number): readonly string[] {
  const memo = (parts.memo ??= {});
  const keys = (memo.keys ??= new Map());
  let out = keys.get(code);
  if (out) return out;
  if (parts.base && !parts.base.touched.has(code)) out = keysOf(parts.base.parts, code);
  else {
    const { rows, codes, counts } = parts;
    const list: string[] = [];
    if (counts[code] !== 0) for (let i = 0; i < codes.length; i++) if (codes[i] === code) list.push(rows.key(i));
    out = list;
  }
  keys.set(code, out);
  return out;
}

export class EvaluationResult implements Evaluation {
  private q: Qualified[] | undefined;
  private r: Rejected[] | undefined;

  readonly parts: EvaluationParts;

  constructor(parts: EvaluationParts) {
    this.parts = makeParts(parts);
  }

  /** Qualified candidates in input order (built on first read). */
  get qualified(): Qualified[] {
    if (this.q) return this.q;
    settle(this.parts);
    const { rows, codes, probs, fastestMs, bandMs } = this.parts;
    const out: Qualified[] = [];
    let k = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code === DRAWING) out.push({ candidate: rows.candidate(i), probability: probs[k++]! });
      else if (code === STANDBY_COLD) out.push(new Standby(rows.candidate(i), 'cold', fastestMs, bandMs));
      else if (code === STANDBY_BAND) out.push(new Standby(rows.candidate(i), 'outside-latency-band', fastestMs, bandMs));
    }
    return (this.q = out);
  }

  /** Rejected candidates in input order (built on first read). */
  get rejected(): Rejected[] {
    if (this.r) return this.r;
    const { rows, codes, max, counts } = this.parts;
    let total = 0;
    for (const c of counts) total += c;
    const out = new Array<Rejected>(total);
    let k = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code < DRAWING) out[k++] = new Rejection(rows, i, code, max);
    }
    return (this.r = out);
  }

  /** The keys of the candidates rejected for `reason`, in input order, without building the list. */
  rejectedKeys(reason: RejectReason): readonly string[] {
    return keysOf(this.parts, REJECT_REASONS.indexOf(reason));
  }

  /** rejectedKeys() of the job-free evaluation this one was patched from, if it was (see snapshotRejectedKeys in evaluate.ts). */
  snapshotRejectedKeys(reason: RejectReason): readonly string[] {
    return keysOf(this.parts.base?.parts ?? this.parts, REJECT_REASONS.indexOf(reason));
  }

  /** The qualified entry of the candidate with this key, without building the list (O(n) scan). */
  findQualified(key: string): Qualified | undefined {
    if (this.q) return this.q.find((x) => x.candidate.key === key);
    settle(this.parts);
    const { rows, codes, drawing, probs, fastestMs, bandMs } = this.parts;
    const i = rows.indexOf(key);
    if (i < 0) return undefined;
    const code = codes[i]!;
    if (code === STANDBY_COLD || code === STANDBY_BAND) return new Standby(rows.candidate(i), code === STANDBY_COLD ? 'cold' : 'outside-latency-band', fastestMs, bandMs);
    if (code === DRAWING) {
      const k = drawing.indexOf(i);
      return { candidate: rows.candidate(i), probability: probs[k]! };
    }
    return undefined;
  }

  /** Rejections for `reason`, without building the list. */
  rejectionCount(reason: RejectReason): number {
    return this.parts.counts[REJECT_REASONS.indexOf(reason)]!;
  }

  /** Rejections per reason, without building the list. */
  reasonCounts(): Record<RejectReason, number> {
    const counts = this.parts.counts;
    return Object.fromEntries(REJECT_REASONS.map((r, i) => [r, counts[i]!])) as Record<RejectReason, number>;
  }

  toJSON(): Evaluation {
    return { qualified: this.qualified, rejected: this.rejected };
  }
}
