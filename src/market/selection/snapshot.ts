// A prepared, columnar snapshot of the candidates' slow-changing facts, built once when the
// discovery registry or the session cache changes, evaluated per job with that job's few gates
// (tried, include/exclude, no answer yet) as a small override. The same verdicts as evaluate() on
// the same candidates with the same gates (snapshot.test.ts checks it row by row):
//   - per row: the earliest static gate's code, a fallback gate (one that applies only when no
//     other gate does, as the gateway's "not asked"), price present, warm, latency (NaN = none),
//     Number(stake), and — when the price weight is on — priceFloat(price), computed once;
//   - the max-price verdict per row (the exact test of evaluate(): aboveMax) cached per max price:
//     a job whose max is one the snapshot has seen does no price arithmetic at all;
//   - a job's gates override rows by index; gate details may be functions, called when read;
//   - Candidate objects are built only when a list of the evaluation is read (and then cached in the
//     snapshot for rows without a job gate).
// A snapshot is immutable once built: an evaluation keeps reading it after the caches change.
// Its rows, as an evaluation reads them, are snapshot-rows.ts; patching an evaluation instead of
// doing it again (a job's rows into the job-free one, or that one into a patched snapshot), patch.ts.
import type { Rat } from '../../money/index.js';
import { OMITTED, DRAWING, EvaluationResult, PRICE_CODE, STANDBY_BAND, STANDBY_COLD, makeParts, type EvaluationParts, type GateReason } from './evaluation.js';
import { aboveMax, gateCode, maxParts, type MaxParts } from './evaluate.js';
import type { EvaluateOptions } from './evaluate.js';
import { isQualified, patchBase, patchJob, type Base } from './patch.js';
import { priceFloat } from './price-float.js';
import { probabilitiesFromColumns } from './probabilities.js';
import { NONE, SnapshotRows, codeOf, materialize, type GateDetail, type PreparedFacts, type PreparedGates } from './snapshot-rows.js';
import { REJECT_REASONS, type Candidate, type Evaluation, type SelectionWeights } from './types.js';

export type { GateDetail, PreparedFacts, PreparedGates } from './snapshot-rows.js';

/** How many max prices' verdicts a snapshot keeps (a gateway has one per pipeline/model at most). */
const MAX_VERDICTS = 4;

export class CandidateSnapshot {
  readonly size: number;
  readonly facts: readonly PreparedFacts[];
  /** Per row: the earliest static gate's code, or 255. */
  readonly gate: Uint8Array;
  /** Per row: the fallback gate's code, or 255. */
  readonly fallback: Uint8Array;
  readonly hasPrice: Uint8Array;
  readonly warm: Uint8Array;
  /** ms; NaN = not measured. */
  readonly latency: Float64Array;
  /** Number(stake), as probabilities.ts converts it. */
  readonly stake: Float64Array;
  private readonly byKey: Map<string, number>;
  private priceFloats: Float64Array | undefined;
  private readonly verdicts: { num: bigint; den: bigint; m: MaxParts; above: Uint8Array }[] = [];
  private readonly built: (Candidate | undefined)[];
  private readonly bases: Base[] = [];
  /** How many job-free evaluations this snapshot took over, patched, from the one it was made from (withRows). */
  readonly basesPatched: number = 0;

  constructor(facts: readonly PreparedFacts[], from?: { snap: CandidateSnapshot; changed: ReadonlyMap<number, PreparedFacts> }) {
    const n = facts.length;
    this.size = n;
    if (from) {
      // A copy of `from` with some rows' facts replaced (same keys, same order): the columns are
      // copied (memcpy), only the changed rows are computed again.
      const o = from.snap;
      this.facts = facts;
      this.gate = o.gate.slice();
      this.fallback = o.fallback.slice();
      this.hasPrice = o.hasPrice.slice();
      this.warm = o.warm.slice();
      this.latency = o.latency.slice();
      this.stake = o.stake.slice();
      this.built = o.built.slice();
      this.byKey = o.byKey;
      for (const [i, f] of from.changed) {
        this.fill(i, f);
        this.built[i] = undefined;
      }
      if (o.priceFloats) {
        const pf = o.priceFloats.slice();
        for (const [i, f] of from.changed) pf[i] = f.price === undefined ? NaN : priceFloat(f.price);
        this.priceFloats = pf;
      }
      for (const v of o.verdicts) {
        const above = v.above.slice();
        for (const [i, f] of from.changed) above[i] = f.price === undefined || aboveMax(f.price, v.m) ? 1 : 0;
        this.verdicts.push({ num: v.num, den: v.den, m: v.m, above });
      }
      // The job-free evaluations too, patched where they can be: a patch is rare (a fault, a new
      // answer), so its code runs unoptimised, and the whole evaluation again cost milliseconds.
      for (const b of o.bases) {
        const nb = patchBase(this, o, b, from.changed);
        if (nb) this.bases.push(nb);
      }
      this.basesPatched = this.bases.length;
      return;
    }
    this.facts = facts.slice();
    this.gate = new Uint8Array(n);
    this.fallback = new Uint8Array(n);
    this.hasPrice = new Uint8Array(n);
    this.warm = new Uint8Array(n);
    this.latency = new Float64Array(n);
    this.stake = new Float64Array(n);
    this.built = new Array<Candidate | undefined>(n);
    this.byKey = new Map();
    for (let i = 0; i < n; i++) {
      const f = facts[i]!;
      this.fill(i, f);
      if (!this.byKey.has(f.key)) this.byKey.set(f.key, i);
    }
  }

  private fill(i: number, f: PreparedFacts): void {
    this.gate[i] = codeOf(f.gates);
    this.fallback[i] = f.fallback ? gateCode(f.fallback.reason) : NONE;
    this.hasPrice[i] = f.price === undefined ? 0 : 1;
    this.warm[i] = f.warm ? 1 : 0;
    this.latency[i] = f.latencyMs ?? NaN;
    this.stake[i] = Number(f.stake);
  }

  /**
   * A new snapshot with the facts of some rows replaced (their keys unchanged): O(n) copies of the
   * columns and the max-price verdicts, O(changed) facts work. This one stays as it was.
   */
  withRows(changed: ReadonlyMap<number, PreparedFacts>): CandidateSnapshot {
    const facts = this.facts.slice();
    for (const [i, f] of changed) {
      if (f.key !== facts[i]!.key) throw new RangeError(`withRows: row ${i} is ${facts[i]!.key}, not ${f.key}`);
      facts[i] = f;
    }
    return new CandidateSnapshot(facts, { snap: this, changed });
  }

  /** The row of `key` (the first with it), or -1. */
  indexOf(key: string): number {
    return this.byKey.get(key) ?? -1;
  }

  /** Row i as a Candidate with its static gates (built once, on first read). */
  candidate(i: number): Candidate {
    return (this.built[i] ??= materialize(this.facts[i]!, undefined));
  }

  /** priceFloat of every row's price (NaN = none), computed on first use. */
  prices(): Float64Array {
    if (this.priceFloats) return this.priceFloats;
    const out = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const p = this.facts[i]!.price;
      out[i] = p === undefined ? NaN : priceFloat(p);
    }
    return (this.priceFloats = out);
  }

  /** The job-free evaluation for this max price and these weights (kept for the last few pairs). */
  base(opts: EvaluateOptions, weights: SelectionWeights): Base {
    const max = opts.maxPrice;
    for (const b of this.bases) if (b.maxNum === max?.num && b.maxDen === max?.den && sameWeights(b.weights, weights)) return b;
    const parts = evaluateFull(this, undefined, opts, weights);
    parts.memo = {};
    let warmOpen = 0;
    let pricedOpen = 0;
    const codes = parts.codes;
    for (let i = 0; i < this.size; i++) {
      const c = codes[i]!;
      if (isQualified(c) && this.warm[i] === 1) warmOpen++;
      if ((isQualified(c) || c === PRICE_CODE) && this.hasPrice[i] === 1) pricedOpen++;
    }
    const maxOn = max !== undefined && max.num > 0n;
    const b: Base = { max, maxNum: max?.num, maxDen: max?.den, weights: { ...weights }, parts, warmOpen, pricedOpen, anyWarm: warmOpen > 0, maxOn, anyPriced: pricedOpen > 0 };
    if (this.bases.length >= MAX_VERDICTS) this.bases.shift();
    this.bases.push(b);
    return b;
  }

  /** Per row: 1 when the price is above `max` (exactly) or there is none; cached per max. */
  aboveMax(max: Rat): Uint8Array {
    for (const v of this.verdicts) if (v.num === max.num && v.den === max.den) return v.above;
    const m = maxParts(max);
    const above = new Uint8Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const p = this.facts[i]!.price;
      above[i] = p === undefined || aboveMax(p, m) ? 1 : 0;
    }
    if (this.verdicts.length >= MAX_VERDICTS) this.verdicts.shift();
    this.verdicts.push({ num: max.num, den: max.den, m, above });
    return above;
  }
}

/** One job's gates over a snapshot, by row: a handful (tried, include/exclude, no answer yet). */
export class JobGates {
  /** Rows left out of the job entirely (already tried): in neither list. */
  readonly omitted = new Set<number>();
  readonly gates = new Map<number, PreparedGates>();

  omit(row: number): this {
    this.omitted.add(row);
    return this;
  }

  set(row: number, reason: GateReason, detail: GateDetail): this {
    let g = this.gates.get(row);
    if (!g) this.gates.set(row, (g = {}));
    g[reason] = detail;
    return this;
  }

  get size(): number {
    return this.omitted.size + this.gates.size;
  }
}

/** The whole evaluation over the columns (O(n)): evaluate()'s steps. */
function evaluateFull(snap: CandidateSnapshot, job: JobGates | undefined, opts: EvaluateOptions, weights: SelectionWeights): EvaluationParts {
  const n = snap.size;
  const buf = new ArrayBuffer(n * 13);
  const codes = new Uint8Array(buf, n * 12, n);
  const counts = new Array<number>(REJECT_REASONS.length).fill(0);
  codes.set(snap.gate);
  if (job) {
    for (const [i, g] of job.gates) {
      const c = codeOf(g);
      if (c < codes[i]!) codes[i] = c;
    }
    for (const i of job.omitted) codes[i] = OMITTED;
  }

  // 1 + 2. gates (the fallback where nothing else applies), then the max price (see evaluate()).
  const maxOn = opts.maxPrice !== undefined && opts.maxPrice.num > 0n;
  const above = maxOn ? snap.aboveMax(opts.maxPrice!) : undefined;
  const fb = snap.fallback;
  const hasPrice = snap.hasPrice;
  let anyPriced = false;
  let priceRejected = 0;
  for (let i = 0; i < n; i++) {
    let g = codes[i]!;
    if (g === NONE) g = fb[i]!;
    if (g !== NONE) {
      if (g !== OMITTED) {
        codes[i] = g;
        counts[g]!++;
      }
      continue;
    }
    if (hasPrice[i] === 1) anyPriced = true;
    if (above !== undefined && above[i] === 1) {
      codes[i] = PRICE_CODE;
      priceRejected++;
    } else codes[i] = DRAWING;
  }
  if (maxOn && !anyPriced) {
    for (let i = 0; i < n; i++) if (codes[i] === PRICE_CODE) codes[i] = DRAWING;
    priceRejected = 0;
  }
  counts[PRICE_CODE] = priceRejected;
  const max = maxOn && anyPriced ? opts.maxPrice : undefined;

  // 3. the tier, and the fastest latency within it
  const warm = snap.warm;
  const lat = snap.latency;
  let anyWarm = false;
  let fastestWarm = Infinity;
  let fastestAll = Infinity;
  for (let i = 0; i < n; i++) {
    if (codes[i] !== DRAWING) continue;
    const l = lat[i]!; // NaN compares false: not measured
    if (warm[i] === 1) {
      anyWarm = true;
      if (l < fastestWarm) fastestWarm = l;
    }
    if (l < fastestAll) fastestAll = l;
  }

  // 4. the drawing set
  const band = weights.latencyBandMs;
  const fastest = anyWarm ? fastestWarm : fastestAll;
  const bandOn = band !== undefined && fastest !== Infinity;
  const limit = bandOn ? fastest + band : Infinity;
  const idx = new Int32Array(buf, n * 8, n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (codes[i] !== DRAWING) continue;
    if (anyWarm && warm[i] !== 1) codes[i] = STANDBY_COLD;
    else if (bandOn && !(lat[i]! <= limit)) codes[i] = STANDBY_BAND;
    else idx[m++] = i;
  }

  // 5. probabilities
  const probs = new Float64Array(buf, 0, m);
  const drawing = idx.subarray(0, m);
  probabilitiesFromColumns(snap.stake, () => snap.prices(), drawing, weights, probs);
  return makeParts({ rows: new SnapshotRows(snap, job), codes, drawing, probs, counts, max, fastestMs: fastest, bandMs: band ?? 0 });
}

const sameWeights = (a: SelectionWeights, b: SelectionWeights): boolean =>
  a === b || (a.stakeWeight === b.stakeWeight && a.priceWeight === b.priceWeight && a.randWeight === b.randWeight && a.priceExpFactor === b.priceExpFactor && a.latencyBandMs === b.latencyBandMs);

/**
 * evaluate() over a snapshot with this job's gates: the same verdicts, probabilities (bit for bit)
 * and reasons as evaluate() on the rows as Candidates (their static gates plus the job's, omitted
 * rows left out). The job-free evaluation is computed once per snapshot, max price and weights; a
 * job's few gated rows are patched into it — O(job's rows), plus O(drawing set) for the
 * probabilities when a gated row was drawing — unless they change what the rest depends on (the
 * last warm or priced row, the fastest latency), when the whole evaluation is done again.
 */
export function evaluatePrepared(snap: CandidateSnapshot, job: JobGates | undefined, opts: EvaluateOptions, weights: SelectionWeights): Evaluation {
  const base = snap.base(opts, weights);
  if (!job || job.size === 0) return new EvaluationResult(base.parts); // a copy (makeParts) sharing its memo
  const bc = base.parts.codes;
  let touchesDrawing = false;
  let warmRemoved = 0;
  let pricedRemoved = 0;
  let fastestRemoved = false;
  const consider = (i: number): void => {
    const c = bc[i]!;
    if (c === DRAWING) touchesDrawing = true;
    if (isQualified(c)) {
      if (snap.warm[i] === 1) warmRemoved++;
      if (snap.latency[i] === base.parts.fastestMs) fastestRemoved = true;
    }
    if ((isQualified(c) || c === PRICE_CODE) && snap.hasPrice[i] === 1) pricedRemoved++;
  };
  for (const i of job.gates.keys()) consider(i);
  for (const i of job.omitted) if (!job.gates.has(i)) consider(i);
  if (fastestRemoved || (base.anyWarm && warmRemoved >= base.warmOpen) || (base.maxOn && base.anyPriced && pricedRemoved >= base.pricedOpen)) {
    return new EvaluationResult(evaluateFull(snap, job, opts, weights));
  }
  return patchJob(snap, job, base, weights, touchesDrawing);
}
