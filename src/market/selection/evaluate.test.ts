import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { DEFAULT_SELECTION_WEIGHTS, REJECT_REASONS, draw, evaluate, findQualified, summarizeRejections, type Candidate, type Evaluation, type RejectReason, type SelectionWeights } from './index.js';
import { candidate, seededRng } from './testkit.js';

const w = (over: Partial<SelectionWeights>): SelectionWeights => ({ ...DEFAULT_SELECTION_WEIGHTS, ...over });
const probs = (e: Evaluation) => e.qualified.map((q) => q.probability);
const reasonOf = (e: Evaluation, key: string) => e.rejected.find((r) => r.candidate.key === key)?.reason;
const qualifies = (e: Evaluation, key: string) => e.qualified.some((q) => q.candidate.key === key);

/** Each candidate in exactly one list, none invented. */
function assertPartition(cands: readonly Candidate[], e: Evaluation): void {
  const seen = [...e.qualified.map((q) => q.candidate), ...e.rejected.map((r) => r.candidate)];
  assert.equal(seen.length, cands.length);
  assert.equal(new Set(seen).size, cands.length);
  for (const c of cands) assert.ok(seen.includes(c));
  for (const r of e.rejected) assert.ok(r.detail.length > 0, `${r.candidate.key} has a detail`);
}

describe("go-livepeer's TestCalculateProbabilities", () => {
  // Vectors from server/selection_algorithm_test.go (exp factor 100), reproduced to ±1e-6.
  const cases = [
    { name: 'stake 0.3 / price 0.7', stakes: [100n, 100000n, 300n], prices: [400n, 700n, 1000n], weights: { stakeWeight: 0.3, priceWeight: 0.7, randWeight: 0 }, want: [0.66553, 0.331925, 0.002545] },
    { name: 'price only', stakes: [100n, 100000n, 300n], prices: [1n, 1n, 100000000n], weights: { stakeWeight: 0, priceWeight: 1, randWeight: 0 }, want: [0.5, 0.5, 0] },
    { name: 'stake only', stakes: [100n, 100n, 800n], prices: [400n, 700n, 1000n], weights: { stakeWeight: 1, priceWeight: 0, randWeight: 0 }, want: [0.1, 0.1, 0.8] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cands = c.stakes.map((s, i) => candidate(`o${i}`, { stake: s, price: Rat.from(c.prices[i]!) }));
      const got = probs(evaluate(cands, {}, w({ ...c.weights, priceExpFactor: 100 })));
      got.forEach((p, i) => assert.ok(Math.abs(p - c.want[i]!) <= 1e-6, `p${i} = ${p}, want ${c.want[i]}`));
    });
  }

  it('matches the formula computed directly (all three weights, go-livepeer form without the shift)', () => {
    const stakes = [5n, 17n, 0n, 78n];
    const prices = [30, 45, 10, 200];
    const sw = 0.5, pw = 0.2, rw = 0.3, f = 100;
    const cands = stakes.map((s, i) => candidate(`o${i}`, { stake: s, price: Rat.from(BigInt(prices[i]!)) }));
    const got = probs(evaluate(cands, {}, { stakeWeight: sw, priceWeight: pw, randWeight: rw, priceExpFactor: f }));
    const norm = prices.map((p) => Math.exp(-p / f));
    const ns = norm.reduce((a, b) => a + b);
    const ss = stakes.reduce((a, b) => a + Number(b), 0);
    const want = stakes.map((s, i) => pw * (norm[i]! / ns) + sw * (Number(s) / ss) + rw / 4);
    got.forEach((p, i) => assert.ok(Math.abs(p - want[i]!) < 1e-12, `p${i}`));
  });

  it('large AI prices (exp underflows in go-livepeer) still favour the cheaper one by exp(-Δ/f)', () => {
    const cands = [candidate('a', { price: Rat.from(4_768_371n) }), candidate('b', { price: Rat.from(4_768_471n) })];
    const [a, b] = probs(evaluate(cands, {}, { stakeWeight: 0, priceWeight: 1, randWeight: 0, priceExpFactor: 100 }));
    // exp(-x/100)/(exp(-x/100)+exp(-(x+100)/100)) = 1/(1+e⁻¹)
    assert.ok(Math.abs(a! - 1 / (1 + Math.exp(-1))) < 1e-12);
    assert.ok(Math.abs(b! - Math.exp(-1) / (1 + Math.exp(-1))) < 1e-12);
  });

  it('prices whose numerator and denominator exceed a double still weigh by their value', () => {
    const cands = [candidate('a', { price: Rat.of(10n ** 400n, 10n ** 399n) }), candidate('b', { price: Rat.from(20n) }), candidate('c', { price: Rat.from(10n ** 400n) })];
    const [a, b, c] = probs(evaluate(cands, {}, { stakeWeight: 0, priceWeight: 1, randWeight: 0, priceExpFactor: 100 }));
    const ea = Math.exp(-0.1), eb = Math.exp(-0.2);
    assert.ok(Math.abs(a! - ea / (ea + eb)) < 1e-12);
    assert.ok(Math.abs(b! - eb / (ea + eb)) < 1e-12);
    assert.equal(c, 0);
  });

  it('zero total stake (off-chain) gives the stake share uniformly, summing to 1', () => {
    const cands = ['a', 'b', 'c', 'd'].map((k) => candidate(k));
    assert.deepEqual(probs(evaluate(cands, {}, DEFAULT_SELECTION_WEIGHTS)).map((p) => p.toFixed(12)), Array(4).fill((0.25).toFixed(12)));
  });

  it('a single candidate gets probability 1; weights within 0.0001 of 1 are normalised', () => {
    assert.deepEqual(probs(evaluate([candidate('a', { stake: 7n })], {}, DEFAULT_SELECTION_WEIGHTS)), [1]);
    const e = evaluate([candidate('a', { stake: 1n }), candidate('b', { stake: 3n })], {}, { stakeWeight: 0.69995, priceWeight: 0, randWeight: 0.3, priceExpFactor: 100 });
    assert.ok(Math.abs(probs(e).reduce((x, y) => x + y) - 1) < 1e-12);
  });
});

describe('price filter', () => {
  const P = (n: bigint, d = 1n) => Rat.of(n, d);
  const table: { name: string; prices: (Rat | undefined)[]; max: Rat | undefined; want: (RejectReason | 'ok')[] }[] = [
    { name: 'price 0 always passes', prices: [P(0n), P(101n)], max: P(100n), want: ['ok', 'price-above-max'] },
    { name: 'max 0 = no filter', prices: [P(10n ** 12n), P(1n)], max: P(0n), want: ['ok', 'ok'] },
    { name: 'no max = no filter', prices: [P(10n ** 12n), undefined], max: undefined, want: ['ok', 'ok'] },
    { name: 'equality passes', prices: [P(100n), P(1000n, 10n)], max: P(100n), want: ['ok', 'ok'] },
    { name: 'a hair above (1e-18 wei/unit) fails, exactly', prices: [P(10n ** 20n + 1n, 10n ** 18n), P(99n)], max: P(100n), want: ['price-above-max', 'ok'] },
    { name: 'a hair below passes, exactly', prices: [P(10n ** 20n - 1n, 10n ** 18n)], max: P(100n), want: ['ok'] },
    { name: 'fractional max (0.5 wei per pixel)', prices: [P(1n, 2n), P(2n, 3n), P(1n, 3n)], max: P(1n, 2n), want: ['ok', 'price-above-max', 'ok'] },
    { name: 'no price while others have one and a max applies: dropped', prices: [undefined, P(50n)], max: P(100n), want: ['price-above-max', 'ok'] },
    { name: 'nobody has a price: the filter is skipped', prices: [undefined, undefined], max: P(100n), want: ['ok', 'ok'] },
    { name: 'a price too large for a double compares exactly', prices: [P(10n ** 400n), P(10n ** 400n, 10n ** 399n)], max: P(10n), want: ['price-above-max', 'ok'] },
    // Closer than doubles can tell (the cross-products differ by less than 2^-50 of themselves):
    { name: 'whole max: 2^-40 above fails, 2^-40 below passes', prices: [P(3_000_000n * 2n ** 40n + 1n, 2n ** 40n), P(3_000_000n * 2n ** 40n - 1n, 2n ** 40n)], max: P(3_000_000n), want: ['price-above-max', 'ok'] },
    { name: 'fractional max: 7/3 + 1/(3·2^50) fails, 7/3 − 1/(3·2^50) and 7/3 pass', prices: [P(7n * 2n ** 50n + 1n, 3n * 2n ** 50n), P(7n * 2n ** 50n - 1n, 3n * 2n ** 50n), P(7n, 3n)], max: P(7n, 3n), want: ['price-above-max', 'ok', 'ok'] },
    // max 100 + 10^-23: 100 + 10^-22 fails, 100 + 10^-28 passes, the max passes, 100 + 2·10^-23 fails, 100 passes
    { name: 'parts beyond 2^64, a max of 100 + 10^-23', prices: [P(10n ** 30n + 10n ** 6n, 10n ** 28n), P(10n ** 30n + 1n, 10n ** 28n), P(10n ** 25n + 1n, 10n ** 23n), P(10n ** 25n + 2n, 10n ** 23n), P(100n)], max: P(10n ** 25n + 1n, 10n ** 23n), want: ['price-above-max', 'ok', 'ok', 'price-above-max', 'ok'] },
  ];
  for (const t of table) {
    it(t.name, () => {
      const cands = t.prices.map((p, i) => candidate(`o${i}`, p ? { price: p } : {}));
      const e = evaluate(cands, t.max ? { maxPrice: t.max } : {}, DEFAULT_SELECTION_WEIGHTS);
      assertPartition(cands, e);
      t.want.forEach((want, i) => {
        if (want === 'ok') assert.ok(qualifies(e, `o${i}`), `o${i} qualifies`);
        else assert.equal(reasonOf(e, `o${i}`), want, `o${i}`);
      });
    });
  }

  it('the price detail names the price and the max (computed on read)', () => {
    const e = evaluate([candidate('a', { price: P(150n) }), candidate('b')], { maxPrice: P(100n) }, DEFAULT_SELECTION_WEIGHTS);
    const byKey = Object.fromEntries(e.rejected.map((r) => [r.candidate.key, r.detail]));
    assert.equal(byKey.a, 'price 150 wei/unit is above the max 100 wei/unit');
    assert.match(byKey.b!, /advertises no price .* max of 100 wei\/unit/);
    assert.equal(JSON.parse(JSON.stringify({ r: e.rejected.find((r) => r.candidate.key === 'b'), x: 1 }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).r.detail, byKey.b);
  });
});

describe('gates and reasons', () => {
  const gated = (reason: Exclude<RejectReason, 'price-above-max'>, detail = `because ${reason}`) => candidate(reason, { gates: { [reason]: detail }, price: Rat.from(500n) });

  it('every reason in REJECT_REASONS is produced, with its detail', () => {
    const cands = [...REJECT_REASONS.filter((r) => r !== 'price-above-max').map((r) => gated(r as Exclude<RejectReason, 'price-above-max'>)), candidate('price-above-max', { price: Rat.from(500n) }), candidate('ok', { price: Rat.from(10n) })];
    const e = evaluate(cands, { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    assertPartition(cands, e);
    for (const r of REJECT_REASONS) assert.equal(reasonOf(e, r), r);
    assert.equal(e.rejected.find((r) => r.reason === 'suspended')!.detail, 'because suspended');
    assert.deepEqual(e.qualified.map((q) => [q.candidate.key, q.probability]), [['ok', 1]]);
    assert.deepEqual(summarizeRejections(e.rejected).counts, Object.fromEntries(REJECT_REASONS.map((r) => [r, 1])));
  });

  it('when several gates apply, the first in REJECT_REASONS order is reported', () => {
    const c = candidate('x', { gates: { suspended: 's', 'no-capability': 'n', stale: 't' } });
    assert.equal(evaluate([c], {}, DEFAULT_SELECTION_WEIGHTS).rejected[0]!.reason, 'stale');
    const d = candidate('y', { gates: { capacity: 'c', blocklisted: 'b' }, price: Rat.from(10n ** 9n) });
    const e = evaluate([d], { maxPrice: Rat.from(1n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.deepEqual(e.rejected.map((r) => [r.reason, r.detail]), [['blocklisted', 'b']]);
  });

  it('a gate set with an empty detail still rejects, with a default sentence', () => {
    const e = evaluate([candidate('x', { gates: { 'no-answer': '' } })], {}, DEFAULT_SELECTION_WEIGHTS);
    assert.equal(e.rejected[0]!.reason, 'no-answer');
    assert.ok(e.rejected[0]!.detail.length > 0);
  });

  it('a gated candidate with a price does not make priceless ones fail the max', () => {
    const cands = [candidate('gated', { price: Rat.from(5n), gates: { suspended: 's' } }), candidate('free')];
    const e = evaluate(cands, { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.ok(qualifies(e, 'free'));
  });

  it('summarizeRejections names the reasons, never a bare "no capacity"', () => {
    const e = evaluate([candidate('a', { price: Rat.from(9n) }), candidate('b', { gates: { suspended: 'x' } }), candidate('c', { price: Rat.from(7n) })], { maxPrice: Rat.from(5n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.equal(e.qualified.length, 0);
    assert.equal(summarizeRejections(e.rejected).text, 'no orchestrator qualified: 1 suspended, 2 price-above-max');
    assert.equal(summarizeRejections([]).text, 'no orchestrator is known');
  });
});

describe('warm before cold, and the latency band', () => {
  it('cold candidates wait in reserve (probability 0) while a warm one qualifies', () => {
    const cands = [candidate('w1', { stake: 1n }), candidate('c1', { stake: 100n, warm: false }), candidate('w2', { stake: 3n })];
    const e = evaluate(cands, {}, w({ stakeWeight: 1, randWeight: 0 }));
    assertPartition(cands, e);
    const by = Object.fromEntries(e.qualified.map((q) => [q.candidate.key, q]));
    assert.equal(by.c1!.probability, 0);
    assert.equal(by.c1!.standby, 'cold');
    assert.match(by.c1!.note!, /cold/);
    assert.ok(Math.abs(by.w1!.probability - 0.25) < 1e-12);
    assert.ok(Math.abs(by.w2!.probability - 0.75) < 1e-12);
  });

  it('when no warm candidate qualifies (price), the cold ones draw', () => {
    const cands = [candidate('w', { price: Rat.from(500n) }), candidate('c1', { warm: false, price: Rat.from(5n) }), candidate('c2', { warm: false, price: Rat.from(6n) })];
    const e = evaluate(cands, { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.equal(reasonOf(e, 'w'), 'price-above-max');
    assert.deepEqual(probs(e), [0.5, 0.5]);
    assert.ok(e.qualified.every((q) => q.standby === undefined));
  });

  it('only candidates within the band of the fastest draw; the rest wait with a note', () => {
    const lat = [40, 10, 35, 90, undefined];
    const cands = lat.map((l, i) => candidate(`o${i}`, { stake: BigInt(i + 1), ...(l === undefined ? {} : { latencyMs: l }) }));
    const e = evaluate(cands, {}, w({ latencyBandMs: 25 }));
    assertPartition(cands, e);
    const by = Object.fromEntries(e.qualified.map((q) => [q.candidate.key, q]));
    // fastest 10 ms, band 25 → 10 and 35 in; 40, 90 and unmeasured out
    for (const k of ['o0', 'o3', 'o4']) {
      assert.equal(by[k]!.probability, 0, k);
      assert.equal(by[k]!.standby, 'outside-latency-band', k);
    }
    assert.match(by.o3!.note!, /latency 90 ms is outside the 25 ms latency band \(fastest 10 ms\)/);
    assert.match(by.o4!.note!, /not measured/);
    // among o1 (stake 2) and o2 (stake 3): 0.7·s/5 + 0.3/2
    assert.ok(Math.abs(by.o1!.probability - (0.7 * 2 / 5 + 0.15)) < 1e-12);
    assert.ok(Math.abs(by.o2!.probability - (0.7 * 3 / 5 + 0.15)) < 1e-12);
  });

  it('the band is measured within the warm tier, and is off when nobody has a latency', () => {
    const cands = [candidate('cold-fast', { warm: false, latencyMs: 1 }), candidate('warm-slow', { latencyMs: 500 }), candidate('warm-slower', { latencyMs: 520 })];
    const e = evaluate(cands, {}, w({ latencyBandMs: 50 }));
    assert.deepEqual(e.qualified.map((q) => [q.candidate.key, q.probability > 0]), [['cold-fast', false], ['warm-slow', true], ['warm-slower', true]]);
    const none = evaluate([candidate('a'), candidate('b')], {}, w({ latencyBandMs: 5 }));
    assert.deepEqual(probs(none), [0.5, 0.5]);
  });
});

describe('evaluate on random pools', () => {
  it('every candidate in exactly one list; drawing probabilities sum to 1', () => {
    const rng = seededRng(42);
    const gateNames = REJECT_REASONS.filter((r) => r !== 'price-above-max');
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rng() * 30);
      const cands: Candidate[] = [];
      for (let i = 0; i < n; i++) {
        const gates: Candidate['gates'] = {};
        if (rng() < 0.3) gates[gateNames[Math.floor(rng() * gateNames.length)]!] = 'g';
        cands.push(candidate(`o${i}`, { stake: BigInt(Math.floor(rng() * 1000)), warm: rng() < 0.7, gates, ...(rng() < 0.9 ? { price: Rat.of(BigInt(Math.floor(rng() * 2000)), BigInt(1 + Math.floor(rng() * 9))) } : {}), ...(rng() < 0.8 ? { latencyMs: Math.floor(rng() * 200) } : {}) }));
      }
      const weights = w({ stakeWeight: 0.4, priceWeight: 0.3, randWeight: 0.3, ...(rng() < 0.5 ? { latencyBandMs: 40 } : {}) });
      const e = evaluate(cands, rng() < 0.7 ? { maxPrice: Rat.from(BigInt(Math.floor(rng() * 300))) } : {}, weights);
      assertPartition(cands, e);
      if (e.qualified.length > 0) {
        const sum = probs(e).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-9, `round ${round}: sum ${sum}`);
        // random weight 0.3 > 0: every drawing candidate has p > 0, every reserve one p = 0
        for (const q of e.qualified) assert.equal(q.standby === undefined, q.probability > 0);
      }
      for (const q of e.qualified) assert.ok(q.probability >= 0 && q.probability <= 1);
    }
  });
});

describe('the evaluation object', () => {
  const cands = () => [
    candidate('cheap', { stake: 1n, price: Rat.from(10n), latencyMs: 5 }),
    candidate('dear', { stake: 2n, price: Rat.from(900n) }),
    candidate('gated', { gates: { capacity: 'full: 2 of 2 in use' } }),
    candidate('cold', { warm: false, price: Rat.from(1n) }),
    candidate('mid', { stake: 3n, price: Rat.from(50n), latencyMs: 9 }),
  ];
  const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}` : v);

  it('draws the same candidates from the evaluation as from its qualified list', () => {
    const e = evaluate(cands(), { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    const r1 = seededRng(9);
    const r2 = seededRng(9);
    for (let i = 0; i < 500; i++) {
      const a = draw(e, r1)!;
      const b = draw(e.qualified, r2)!;
      assert.equal(a.candidate, b.candidate);
      assert.equal(a.probability, b.probability);
    }
  });

  it('counts reasons without the list, the same as from the list', () => {
    const e = evaluate(cands(), { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.deepEqual(summarizeRejections(e), summarizeRejections(e.rejected));
    assert.deepEqual(summarizeRejections(e).counts, { capacity: 1, 'price-above-max': 1 });
  });

  it('serialises with every detail and note, and keeps the lists stable across reads', () => {
    const e = evaluate(cands(), { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.equal(e.qualified, e.qualified);
    const j = JSON.parse(JSON.stringify(e, bigintSafe)) as { qualified: { candidate: { key: string }; probability: number; note?: string }[]; rejected: { candidate: { key: string }; reason: string; detail: string }[] };
    assert.deepEqual(j.rejected.map((r) => [r.candidate.key, r.reason, r.detail]), [
      ['dear', 'price-above-max', 'price 900 wei/unit is above the max 100 wei/unit'],
      ['gated', 'capacity', 'full: 2 of 2 in use'],
    ]);
    assert.deepEqual(j.qualified.map((q) => q.candidate.key), ['cheap', 'cold', 'mid']);
    assert.match(j.qualified[1]!.note!, /cold/);
  });

  it('finds one qualified entry by key without the list, the same as in the list', () => {
    const e = evaluate(cands(), { maxPrice: Rat.from(100n) }, DEFAULT_SELECTION_WEIGHTS);
    const mid = findQualified(e, 'mid')!;
    const cold = findQualified(e, 'cold')!;
    assert.equal(findQualified(e, 'dear'), undefined);
    assert.equal(findQualified(e, 'nobody'), undefined);
    const list = e.qualified;
    assert.equal(mid.probability, list.find((q) => q.candidate.key === 'mid')!.probability);
    assert.ok(mid.probability > 0);
    assert.deepEqual([cold.probability, cold.standby], [0, 'cold']);
    assert.equal(findQualified(e, 'mid'), list.find((q) => q.candidate.key === 'mid'));
    assert.equal(findQualified({ qualified: list, rejected: [] }, 'cheap')?.candidate.key, 'cheap');
  });

  it('is not changed by later changes to the input array', () => {
    const list = cands();
    const e = evaluate(list, {}, DEFAULT_SELECTION_WEIGHTS);
    list.length = 0;
    assert.equal(e.qualified.length + e.rejected.length, 5);
  });
});
