// The draw against the formula: many draws from a seeded PRNG, Pearson's chi-square against the
// probabilities computed here from go-livepeer's formula (not by the code under test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { DEFAULT_SELECTION_WEIGHTS, draw, drawIndex, evaluate, type Evaluation, type Qualified } from './index.js';
import { candidate, chiSquare, chiSquareSurvival, seededRng } from './testkit.js';

const N = 200_000;

function counts(e: Evaluation, seed: number, n = N): Map<string, number> {
  const rng = seededRng(seed);
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const q = draw(e, rng)!;
    out.set(q.candidate.key, (out.get(q.candidate.key) ?? 0) + 1);
  }
  return out;
}

describe('chi-square helper', () => {
  it('gives the textbook tail probabilities', () => {
    // critical values from standard tables: df=3 at p=0.001 is 16.266, df=1 at p=0.001 is 10.828,
    // df=3 at p=0.05 is 7.815, df=10 at p=0.5 is 9.342
    for (const [stat, df, p] of [[16.266, 3, 0.001], [10.828, 1, 0.001], [7.815, 3, 0.05], [9.342, 10, 0.5]] as const) {
      const got = chiSquareSurvival(stat, df);
      assert.ok(Math.abs(got - p) / p < 0.002, `Q(${stat}; ${df}) = ${got}, want ${p}`);
    }
    assert.equal(chiSquareSurvival(0, 3), 1);
  });

  it('detects a wrong distribution (the test below can fail)', () => {
    const obs = [25_000, 45_000, 60_000, 70_000]; // not 0.145/0.215/0.285/0.355
    assert.ok(chiSquareSurvival(chiSquare(obs, [0.145, 0.215, 0.285, 0.355], N), 3) < 1e-6);
  });
});

describe('weighted draw', () => {
  it('stakes 1:2:3:4, equal prices, default weights: frequencies match 0.7·s/10 + 0.3/4 (chi-square p > 0.001)', () => {
    const stakes = [1n, 2n, 3n, 4n];
    const cands = stakes.map((s, i) => candidate(`o${i}`, { stake: s * 10n ** 18n, price: Rat.from(1000n) }));
    const e = evaluate(cands, { maxPrice: Rat.from(1000n) }, DEFAULT_SELECTION_WEIGHTS);
    const expected = stakes.map((s) => 0.7 * (Number(s) / 10) + 0.3 / 4);
    e.qualified.forEach((q, i) => assert.ok(Math.abs(q.probability - expected[i]!) < 1e-12));
    const c = counts(e, 1);
    const obs = cands.map((x) => c.get(x.key) ?? 0);
    const stat = chiSquare(obs, expected, N);
    assert.ok(stat < 16.266, `chi-square ${stat} (df 3) ≥ 16.266, p ≤ 0.001; counts ${obs.join(',')}`);
    assert.ok(chiSquareSurvival(stat, 3) > 0.001);
    // twice the stake, about twice the stake share
    assert.ok(obs[3]! > obs[2]! && obs[2]! > obs[1]! && obs[1]! > obs[0]!);
  });

  it('with the price weight on, cheaper orchestrators win more, as exp(-price/factor) says', () => {
    const prices = [100, 150, 200, 300];
    const weights = { stakeWeight: 0, priceWeight: 0.7, randWeight: 0.3, priceExpFactor: 100 };
    const cands = prices.map((p, i) => candidate(`o${i}`, { stake: 10n, price: Rat.from(BigInt(p)) }));
    const e = evaluate(cands, {}, weights);
    const norm = prices.map((p) => Math.exp(-p / 100));
    const sum = norm.reduce((a, b) => a + b);
    const expected = norm.map((x) => 0.7 * (x / sum) + 0.3 / 4);
    e.qualified.forEach((q, i) => assert.ok(Math.abs(q.probability - expected[i]!) < 1e-12));
    const c = counts(e, 2);
    const obs = cands.map((x) => c.get(x.key) ?? 0);
    const stat = chiSquare(obs, expected, N);
    assert.ok(chiSquareSurvival(stat, 3) > 0.001, `chi-square ${stat}; counts ${obs.join(',')}`);
    assert.ok(obs[0]! > obs[1]! && obs[1]! > obs[2]! && obs[2]! > obs[3]!);
  });

  it('with a latency band, only orchestrators inside it ever win, in the formula\'s proportions', () => {
    const lat = [12, 30, 45, 200];
    const cands = lat.map((l, i) => candidate(`o${i}`, { stake: BigInt(i + 1), latencyMs: l }));
    const e = evaluate(cands, {}, { ...DEFAULT_SELECTION_WEIGHTS, latencyBandMs: 20 });
    const c = counts(e, 3);
    assert.equal(c.get('o2') ?? 0, 0);
    assert.equal(c.get('o3') ?? 0, 0);
    // in band: o0 (stake 1), o1 (stake 2) → 0.7·s/3 + 0.3/2
    const expected = [0.7 / 3 + 0.15, 1.4 / 3 + 0.15];
    const obs = [c.get('o0') ?? 0, c.get('o1') ?? 0];
    const stat = chiSquare(obs, expected, N);
    assert.ok(stat < 10.828, `chi-square ${stat} (df 1); counts ${obs.join(',')}`);
  });

  it('a zero-probability (reserve) candidate is never drawn, even with r at the edges', () => {
    const q: Qualified[] = [
      { candidate: candidate('r1'), probability: 0, standby: 'cold' },
      { candidate: candidate('a'), probability: 0.25 },
      { candidate: candidate('r2'), probability: 0, standby: 'cold' },
      { candidate: candidate('b'), probability: 0.75 },
      { candidate: candidate('r3'), probability: 0, standby: 'cold' },
    ];
    assert.equal(drawIndex(q, () => 0), 1);
    assert.equal(drawIndex(q, () => 0.2499999), 1);
    assert.equal(drawIndex(q, () => 0.25), 3);
    assert.equal(drawIndex(q, () => 1 - 2 ** -53), 3);
    assert.equal(drawIndex([{ candidate: candidate('z'), probability: 0 }], () => 0.5), -1);
    assert.equal(draw([], () => 0.5), undefined);
  });
});
