// Test helpers for selection's tests and bench (testkit.ts: not built into dist, not public): a seeded PRNG,
// the chi-square survival function, and a candidate builder. Kept out of the *.test.ts files so
// the benchmark can use the same PRNG.
import type { Rat } from '../../money/index.js';
import type { Candidate } from './types.js';

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms): ~15 significant digits. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** The regularized upper incomplete gamma Q(a, x): a series below a + 1, a continued fraction above. */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(lead);
  }
  // Lentz's method for the continued fraction of Γ(a, x)
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(X ≥ stat) for X chi-square with `df` degrees of freedom. */
export function chiSquareSurvival(stat: number, df: number): number {
  return gammaQ(df / 2, stat / 2);
}

/** Pearson's statistic of observed counts against expected probabilities (over `total` draws). */
export function chiSquare(observed: readonly number[], expected: readonly number[], total: number): number {
  let s = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = expected[i]! * total;
    s += (observed[i]! - e) ** 2 / e;
  }
  return s;
}

export function candidate(key: string, f: Partial<Omit<Candidate, 'key'>> & { price?: Rat } = {}): Candidate {
  return { key, stake: f.stake ?? 0n, warm: f.warm ?? true, gates: f.gates ?? {}, ...(f.price ? { price: f.price } : {}), ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}), ...(f.address ? { address: f.address } : {}) };
}
