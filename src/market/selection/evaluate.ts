// One job's verdict on every candidate: go-livepeer's selection (server/selection.go,
// selection_algorithm.go) with every step's losers kept and explained. Steps:
//   1. gates: the first reason in REJECT_REASONS order that the candidate's facts carry;
//   2. the max price: price 0 always passes, equality passes, no max = no filter; a candidate with
//      no price is dropped when a max applies and some other candidate has a price (go-livepeer);
//   3. tiers: when any warm candidate qualifies, the cold ones are kept in reserve (probability 0,
//      standby 'cold'), as go-livepeer tries its warm pool before its cold pool;
//   4. the latency band (ours, -selectLatencyBand): within the drawing tier, only candidates within
//      latencyBandMs of the fastest measured one draw; the rest wait in reserve;
//   5. go-livepeer's probabilities among the drawing set (probabilities.ts).
// Pure and allocation-light: the verdict is one code per candidate in a typed array, the drawing
// set's indexes and probabilities share one buffer; the lists of objects are built when read
// (evaluation.ts). The hot loop makes no call per candidate beyond what its facts need.
import type { Rat } from '../../money/index.js';
import { ArrayRows, DRAWING, EvaluationResult, PRICE_CODE, STANDBY_BAND, STANDBY_COLD, rejectionCode, type GateReason } from './evaluation.js';
import { probabilitiesInto } from './probabilities.js';
import { REJECT_REASONS, type Candidate, type Evaluation, type Qualified, type RejectReason, type Rejected, type SelectionWeights } from './types.js';

export interface EvaluateOptions {
  /** Max wei per unit for this job (maxPriceFor); undefined, 0 or less = no max. */
  maxPrice?: Rat;
}

const GATE_ORDER = REJECT_REASONS.filter((r): r is GateReason => r !== 'price-above-max');

/** The REJECT_REASONS index of a gate's name; -1 for a name that is no gate. */
export function gateCode(name: string): number {
  switch (name) {
    case 'blocklisted':
      return 0;
    case 'excluded':
      return 1;
    case 'no-answer':
      return 2;
    case 'stale':
      return 3;
    case 'no-capability':
      return 4;
    case 'capacity':
      return 5;
    case 'suspended':
      return 6;
    default:
      return -1;
  }
}
// gateCode is REJECT_REASONS' order, checked once at load.
for (const r of GATE_ORDER) if (gateCode(r) !== REJECT_REASONS.indexOf(r)) throw new Error(`gateCode(${r}) is out of date`);

// The max-price test without bigint products (each one a heap allocation, 10,000 per job): when
// both parts of the price are in [0, 2^64), their doubles come from the bits (one rounding, no
// Number(bigint) runtime call) and the double cross-products decide unless they are within 2^-50
// of each other (their relative error is < 2^-51); then, as for larger numbers, bigints decide.
const U64 = new BigUint64Array(1);
const U32 = new Uint32Array(U64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: the high word is second
const U64_MAX = 2n ** 64n - 1n;
const CLOSE = 2 ** -50;

function u64Float(x: bigint): number {
  U64[0] = x;
  return U32[HI]! * 4294967296 + U32[1 - HI]!;
}

/** p.num/p.den > mNum/mDen, exactly (denominators > 0); mNumF/mDenF are the max's parts as doubles. */
export function priceAbove(num: bigint, den: bigint, mNum: bigint, mDen: bigint, mNumF: number, mDenF: number): boolean {
  if (num >= 0n && num <= U64_MAX && den <= U64_MAX) {
    const a = u64Float(num) * mDenF;
    const b = mNumF * u64Float(den);
    if (a > b * (1 + CLOSE)) return true;
    if (a < b * (1 - CLOSE)) return false;
  }
  return num * mDen > mNum * den;
}

/** A max price's parts as the exact test reads them (aboveMax). */
export interface MaxParts {
  num: bigint;
  den: bigint;
  /** Doubles of the parts; numF is NaN beyond 2^900 (the double test then never decides). */
  numF: number;
  denF: number;
}

export function maxParts(max: Rat): MaxParts {
  const numF = Number(max.num);
  const denF = Number(max.den);
  return { num: max.num, den: max.den, numF: numF < 2 ** 900 && denF < 2 ** 900 ? numF : NaN, denF };
}

/** p > max, exactly: the same test as evaluate()'s loop (price 0 and equality pass). */
export function aboveMax(p: Rat, m: MaxParts): boolean {
  return m.den === 1n ? p.num > m.num && (p.den === 1n || priceAbove(p.num, p.den, m.num, m.den, m.numF, m.denF)) : priceAbove(p.num, p.den, m.num, m.den, m.numF, m.denF);
}

/**
 * Every candidate lands in exactly one of the two lists; both keep input order. The result keeps
 * `candidates` (a copy of the array, not of the objects): don't mutate the candidates while you use it.
 */
export function evaluate(candidates: readonly Candidate[], opts: EvaluateOptions, weights: SelectionWeights): Evaluation {
  const cands = candidates.slice();
  const n = cands.length;
  // One buffer for the result's typed arrays (one allocation outside the JS heap rather than
  // three): probabilities (8 bytes per drawing candidate, at most n), the drawing set's indexes
  // (4 bytes each), then the codes (1 byte per candidate).
  const buf = new ArrayBuffer(n * 13);
  const codes = new Uint8Array(buf, n * 12, n);
  const counts = new Array<number>(REJECT_REASONS.length).fill(0);

  // 1 + 2. gates, then the max price. go-livepeer's filterByMaxPrice is skipped when no candidate
  // has a price: the filter is applied as if one had, and undone below if none (ungated) had.
  const maxOn = opts.maxPrice !== undefined && opts.maxPrice.num > 0n;
  const mNum = maxOn ? opts.maxPrice!.num : 0n;
  const mDen = maxOn ? opts.maxPrice!.den : 1n;
  const denOne = mDen === 1n;
  // Below 2^900 the double products cannot overflow (the price's parts are < 2^64); a larger max
  // turns the float test off (NaN compares false) and bigints decide.
  const mNumF = Number(mNum);
  const mDenF = Number(mDen);
  const mNumFx = mNumF < 2 ** 900 && mDenF < 2 ** 900 ? mNumF : NaN;
  let anyPriced = false;
  let priceRejected = 0;
  for (let i = 0; i < n; i++) {
    const c = cands[i]!;
    const gates = c.gates;
    // The common case is no gate at all: an empty object never enters the loop. Otherwise the
    // set gate earliest in REJECT_REASONS wins.
    let g = -1;
    for (const name in gates) {
      const code = gateCode(name);
      if (code >= 0 && (g < 0 || code < g) && gates[name as GateReason] !== undefined) g = code;
    }
    if (g >= 0) {
      codes[i] = g;
      counts[g]!++;
      continue;
    }
    const p = c.price;
    if (p !== undefined) anyPriced = true;
    // Exact: p ≤ max ⇔ p.num·max.den ≤ max.num·p.den (denominators are > 0; price 0 always
    // passes as max > 0). With max.den = 1 (a whole wei max): p.num ≤ max.num passes at once, a
    // whole p above it fails at once, otherwise one product decides (no bigint allocated until then).
    if (maxOn && (p === undefined || (denOne ? p.num > mNum && (p.den === 1n || priceAbove(p.num, p.den, mNum, mDen, mNumFx, mDenF)) : priceAbove(p.num, p.den, mNum, mDen, mNumFx, mDenF)))) {
      codes[i] = PRICE_CODE;
      priceRejected++;
    } else codes[i] = DRAWING;
  }
  if (maxOn && !anyPriced) {
    // Nobody ungated has a price: no filter (every price rejection was for having none).
    for (let i = 0; i < n; i++) if (codes[i] === PRICE_CODE) codes[i] = DRAWING;
    priceRejected = 0;
  }
  counts[PRICE_CODE] = priceRejected;
  const max = maxOn && anyPriced ? opts.maxPrice : undefined;

  // 3. the tier: warm if any warm candidate qualifies; the fastest latency within it
  let anyWarm = false;
  let fastestWarm = Infinity;
  let fastestAll = Infinity;
  for (let i = 0; i < n; i++) {
    if (codes[i] !== DRAWING) continue;
    const c = cands[i]!;
    const l = c.latencyMs;
    if (c.warm) {
      anyWarm = true;
      if (l !== undefined && l < fastestWarm) fastestWarm = l;
    }
    if (l !== undefined && l < fastestAll) fastestAll = l;
  }

  // 4. the drawing set: the tier, then the latency band within it
  const band = weights.latencyBandMs;
  const fastest = anyWarm ? fastestWarm : fastestAll;
  const bandOn = band !== undefined && fastest !== Infinity;
  const limit = bandOn ? fastest + band : Infinity;
  const idx = new Int32Array(buf, n * 8, n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (codes[i] !== DRAWING) continue;
    const c = cands[i]!;
    if (anyWarm && !c.warm) codes[i] = STANDBY_COLD;
    else if (bandOn && !(c.latencyMs !== undefined && c.latencyMs <= limit)) codes[i] = STANDBY_BAND;
    else idx[m++] = i;
  }

  // 5. probabilities
  const probs = new Float64Array(buf, 0, m);
  const drawing = idx.subarray(0, m);
  probabilitiesInto(cands, drawing, weights, probs);
  return new EvaluationResult({ rows: new ArrayRows(cands), codes, drawing, probs, counts, max, fastestMs: fastest, bandMs: band ?? 0 });
}

/** Counts by reason, most fundamental first, and one sentence, for "no orchestrator qualified" errors. */
export function summarizeRejections(from: Evaluation | readonly Rejected[]): { counts: Partial<Record<RejectReason, number>>; text: string } {
  let all: Record<RejectReason, number>;
  if (from instanceof EvaluationResult) all = from.reasonCounts();
  else {
    all = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
    const codes = new Array<number>(REJECT_REASONS.length).fill(0);
    for (const r of 'rejected' in from ? from.rejected : from) codes[rejectionCode(r)]!++;
    REJECT_REASONS.forEach((r, i) => (all[r] = codes[i]!));
  }
  const counts: Partial<Record<RejectReason, number>> = {};
  for (const r of REJECT_REASONS) if (all[r] > 0) counts[r] = all[r];
  const parts = REJECT_REASONS.filter((r) => counts[r]).map((r) => `${counts[r]} ${r}`);
  const text = parts.length === 0 ? 'no orchestrator is known' : `no orchestrator qualified: ${parts.join(', ')}`;
  return { counts, text };
}

/** The qualified entry for `key` (a service URI), or undefined; reads an evaluate() result without building its lists. */
export function findQualified(from: Evaluation, key: string): Qualified | undefined {
  return from instanceof EvaluationResult ? from.findQualified(key) : from.qualified.find((q) => q.candidate.key === key);
}

/** The keys of the candidates rejected for `reason`, in input order; reads an evaluate() result without building its lists. */
export function rejectedKeys(from: Evaluation, reason: RejectReason): readonly string[] {
  return from instanceof EvaluationResult ? from.rejectedKeys(reason) : from.rejected.filter((r) => r.reason === reason).map((r) => r.candidate.key);
}

/** How many candidates were rejected for `reason`; reads an evaluate() result without building its lists. */
export function rejectionCount(from: Evaluation, reason: RejectReason): number {
  return from instanceof EvaluationResult ? from.rejectionCount(reason) : from.rejected.reduce((n, r) => (r.reason === reason ? n + 1 : n), 0);
}

/**
 * rejectedKeys() of the job-free evaluation `from` was patched from (a prepared snapshot's, the
 * same array for every job on that snapshot), or of `from` itself. A job's gates only take rows
 * out of a rejection by price, never add any, so for 'price-above-max' it holds this job's keys
 * and perhaps a few the job left out.
 */
export function snapshotRejectedKeys(from: Evaluation, reason: RejectReason): readonly string[] {
  return from instanceof EvaluationResult ? from.snapshotRejectedKeys(reason) : rejectedKeys(from, reason);
}
