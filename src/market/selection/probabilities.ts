// go-livepeer's ProbabilitySelectionAlgorithm.calculateProbabilities (§2.4 of the reference), in
// float64 as there; only the exp() sees a price as a float.
//   priceProb_i = exp(-price_i/f) / Σ exp(-price_j/f)
//   stakeProb_i = stake_i / Σ stake
//   randProb_i  = 1/n
//   p_i = priceWeight·priceProb_i + stakeWeight·stakeProb_i + randWeight·randProb_i
// Deliberate differences (docs/differences.md):
// - a zero sum (no stake anywhere, as off-chain; or no price anywhere) gives a uniform 1/n share,
//   not go-livepeer's 1.0 each, which makes the probabilities add up to more than 1;
// - exp() is taken of (price_i − min price)/f: the same ratio after normalisation, but it does not
//   underflow to 0/0 once prices exceed ~745·f wei per unit (real AI prices do), where go-livepeer
//   falls into the zero-sum case;
// - a candidate without a price (possible only when no max price applies) gets no price share;
// - the result is divided by the weights' sum (1 ± 0.0001), so it adds up to 1.
// The work is done in place in the caller's output array over candidate indexes (evaluate() passes
// its drawing set without building an array of them); the only scratch, for the price share, is
// one module-level buffer reused across calls (synchronous, never escapes; as large as the largest
// drawing set seen).
import { priceFloat } from './price-float.js';
import type { Candidate, SelectionWeights } from './types.js';

export function probabilities(cands: readonly Candidate[], w: SelectionWeights): Float64Array {
  const n = cands.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const out = new Float64Array(n);
  probabilitiesInto(cands, idx, w, out);
  return out;
}

let scratch = new Float64Array(0);

// Number(bigint) is the dearest step per candidate (a runtime call, ~5× a bigint comparison), and a
// job's candidates come in the same order with the same stakes job after job. So each position's
// last stake and its float are kept, and reused when the stake there is the same value (an exact
// comparison: a different stake is converted again). As large as the largest candidate list seen.
let lastStakes: bigint[] = [];
let lastFloats = new Float64Array(0);

function stakeFloat(i: number, stake: bigint): number {
  if (i < lastFloats.length && lastStakes[i] === stake) return lastFloats[i]!;
  if (i >= lastFloats.length) {
    const size = Math.max(i + 1, 2 * lastFloats.length, 64);
    const floats = new Float64Array(size).fill(-1);
    floats.set(lastFloats);
    const stakes = lastStakes.slice();
    while (stakes.length < size) stakes.push(-1n); // a consistent pair: -1n is -1
    lastFloats = floats;
    lastStakes = stakes;
  }
  const f = Number(stake);
  lastStakes[i] = stake;
  lastFloats[i] = f;
  return f;
}

/** Writes p_k of candidate cands[idx[k]] into out[k], for k < out.length (≤ idx.length). */
export function probabilitiesInto(cands: readonly Candidate[], idx: Int32Array, w: SelectionWeights, out: Float64Array): void {
  const n = out.length;
  if (n === 0) return;
  // the stake share first, in place: out[k] = stake_k, then k·stake_k/Σ + the uniform share
  if (w.stakeWeight > 0) for (let k = 0; k < n; k++) out[k] = stakeFloat(idx[k]!, cands[idx[k]!]!.stake);
  const share = w.priceWeight > 0 ? priceScratch(n) : undefined;
  if (share) {
    for (let k = 0; k < n; k++) {
      const p = cands[idx[k]!]!.price;
      share[k] = p === undefined ? NaN : priceFloat(p);
    }
  }
  finish(out, share, w);
}

/**
 * The same from columns (a prepared snapshot, snapshot.ts): stakes[i] = Number(stake_i), prices[i]
 * = priceFloat(price_i) or NaN for none (read only when the price weight is on). Same arithmetic in
 * the same order as probabilitiesInto: the same doubles.
 */
export function probabilitiesFromColumns(stakes: Float64Array, prices: () => Float64Array, idx: Int32Array, w: SelectionWeights, out: Float64Array): void {
  const n = out.length;
  if (n === 0) return;
  if (w.stakeWeight > 0) for (let k = 0; k < n; k++) out[k] = stakes[idx[k]!]!;
  const share = w.priceWeight > 0 ? priceScratch(n) : undefined;
  if (share) {
    const pf = prices();
    for (let k = 0; k < n; k++) share[k] = pf[idx[k]!]!;
  }
  finish(out, share, w);
}

function priceScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch.subarray(0, n);
}

/** out holds the stakes as floats (when the stake weight is on), share the prices' floats (NaN = none). */
function finish(out: Float64Array, share: Float64Array | undefined, w: SelectionWeights): void {
  const n = out.length;
  const total = w.stakeWeight + w.priceWeight + w.randWeight;
  const rand = w.randWeight / n / total;
  if (w.stakeWeight > 0) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += out[k]!;
    const kw = w.stakeWeight / total;
    if (sum > 0) {
      const f = kw / sum;
      for (let k = 0; k < n; k++) out[k] = rand + f * out[k]!;
    } else out.fill(rand + kw / n);
  } else out.fill(rand);

  if (share) {
    priceShares(w.priceExpFactor, w.priceWeight / total, share);
    for (let k = 0; k < n; k++) out[k] = out[k]! + share[k]!;
  }
}

/** share[i] holds price_i as a float (NaN = none); replaced by its price share. */
function priceShares(factor: number, k: number, share: Float64Array): void {
  const n = share.length;
  // A price beyond a double's range (Infinity from priceFloat) is infinitely expensive.
  let min = Infinity;
  let priced = 0;
  for (let i = 0; i < n; i++) {
    const f = share[i]!;
    if (Number.isNaN(f)) continue;
    priced++;
    if (f < min) min = f;
  }
  if (priced === 0 || min === Infinity) {
    // nobody (usable) has a price: the price share is uniform over the priced, else everybody
    for (let i = 0; i < n; i++) share[i] = priced === 0 || !Number.isNaN(share[i]!) ? k / (priced || n) : 0;
    return;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = share[i]!;
    sum += share[i] = Number.isNaN(p) ? 0 : Math.exp(-(p - min) / factor);
  }
  const f = k / sum;
  for (let i = 0; i < n; i++) share[i] = f * share[i]!;
}
