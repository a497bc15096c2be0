// The prepared snapshot (snapshot.ts) against evaluate() on the same candidates: the same verdict,
// reason, detail, standby, note and probability (bit for bit) for every row, with job gates, omitted
// rows, fallback gates, lazy details and several max prices on one snapshot; plus hand-computed cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { CandidateSnapshot, DEFAULT_SELECTION_WEIGHTS, JobGates, REJECT_REASONS, draw, evaluate, evaluatePrepared, findQualified, rejectedKeys, summarizeRejections, type Candidate, type Evaluation, type PreparedFacts, type SelectionWeights } from './index.js';
import { candidate, seededRng } from './testkit.js';

type Gate = Exclude<(typeof REJECT_REASONS)[number], 'price-above-max'>;
const GATES = REJECT_REASONS.filter((r): r is Gate => r !== 'price-above-max');

const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);

/** A candidate's fields in one order (key order of the object is not part of its meaning). */
const canon = (c: Candidate) => [c.key, c.address ?? null, c.stake, c.price?.toString() ?? null, c.latencyMs ?? null, c.warm, Object.entries(c.gates).sort()];

/** What a reader sees of an evaluation, key by key. */
function verdicts(e: Evaluation): Map<string, string> {
  const out = new Map<string, string>();
  for (const q of e.qualified) out.set(q.candidate.key, JSON.stringify(['q', q.probability, q.standby ?? null, q.note ?? null, canon(q.candidate)], big));
  for (const r of e.rejected) out.set(r.candidate.key, JSON.stringify(['r', r.reason, r.detail, canon(r.candidate)], big));
  return out;
}
const show = (m: Map<string, string>) => JSON.stringify([...m], big);

/** Random facts: static gates (some lazy), fallbacks, prices around the max (some within 2^-40 of it), no price, warm/cold, latency or none. */
function randomFacts(n: number, seed: number): PreparedFacts[] {
  const rng = seededRng(seed);
  const max = 3_000_000n;
  const out: PreparedFacts[] = [];
  for (let i = 0; i < n; i++) {
    const f: PreparedFacts = { key: `https://o${i}.test:8935`, stake: BigInt(Math.floor(rng() * 5)) * 10n ** 18n + BigInt(i), warm: rng() < 0.6 };
    const r = rng();
    if (r < 0.05) f.price = Rat.of(max * 2n ** 40n + 1n, 2n ** 40n); // just above the max
    else if (r < 0.1) f.price = Rat.of(max * 3n - 1n, 3n); // just below
    else if (r < 0.13) f.price = Rat.from(max); // equal: passes
    else if (r < 0.16) f.price = Rat.from(0n);
    else if (r < 0.9) f.price = Rat.of(BigInt(Math.floor(rng() * 6_000_000)), BigInt(1 + Math.floor(rng() * 3)));
    if (rng() < 0.8) f.latencyMs = Math.floor(rng() * 300);
    if (rng() < 0.15) {
      const g = GATES[Math.floor(rng() * GATES.length)]!;
      f.gates = { [g]: rng() < 0.5 ? `static ${g} ${i}` : () => `lazy ${g} ${i}` };
      if (rng() < 0.3) f.gates[GATES[Math.floor(rng() * GATES.length)]!] = `second gate ${i}`;
    }
    if (rng() < 0.1) f.fallback = { reason: 'no-answer', detail: () => 'not asked' };
    out.push(f);
  }
  return out;
}

/** The Candidates evaluate() sees for the facts with a job's gates: details formatted, the fallback where nothing else applies, omitted rows dropped. */
function asCandidates(facts: readonly PreparedFacts[], job: JobGates): Candidate[] {
  const out: Candidate[] = [];
  facts.forEach((f, i) => {
    if (job.omitted.has(i)) return;
    const gates: Candidate['gates'] = {};
    for (const src of [f.gates, job.gates.get(i)]) for (const [k, d] of Object.entries(src ?? {})) gates[k as Gate] = typeof d === 'function' ? d() : d;
    const fb = f.fallback;
    if (Object.keys(gates).length === 0 && fb) gates[fb.reason] = typeof fb.detail === 'function' ? fb.detail() : fb.detail;
    out.push(candidate(f.key, { stake: f.stake, warm: f.warm, gates, ...(f.price ? { price: f.price } : {}), ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}) }));
  });
  return out;
}

/** A job's gates: `omits` rows left out, `sets` gated (the few of a retry, or many). */
function randomJob(n: number, seed: number, omits = 12, sets = 20): JobGates {
  const rng = seededRng(seed);
  const job = new JobGates();
  for (let k = 0; k < omits; k++) job.omit(Math.floor(rng() * n));
  for (let k = 0; k < sets; k++) job.set(Math.floor(rng() * n), rng() < 0.5 ? 'excluded' : 'no-answer', rng() < 0.5 ? `job gate ${k}` : () => `lazy job gate ${k}`);
  return job;
}

describe('evaluatePrepared agrees with evaluate()', () => {
  const weightsCases: [string, SelectionWeights][] = [
    ['defaults', DEFAULT_SELECTION_WEIGHTS],
    ['price weight on', { stakeWeight: 0.5, priceWeight: 0.2, randWeight: 0.3, priceExpFactor: 1e6 }],
    ['latency band', { ...DEFAULT_SELECTION_WEIGHTS, latencyBandMs: 40 }],
    ['stake off, band', { stakeWeight: 0, priceWeight: 0.7, randWeight: 0.3, priceExpFactor: 100, latencyBandMs: 100 }],
  ];
  const facts = randomFacts(600, 11);
  const snap = new CandidateSnapshot(facts);
  const maxes = [undefined, Rat.from(3_000_000n), Rat.of(7_000_001n, 3n), Rat.from(0n), Rat.from(3_000_000n)];
  const seen = new Set<string>();
  for (const [name, weights] of weightsCases) {
    it(`${name}: every row, every max, with and without job gates`, () => {
      // many gates (often the whole evaluation again), and a retry's one or two (patched into the job-free one)
      const jobs = [new JobGates(), randomJob(facts.length, 5), randomJob(facts.length, 6), ...[1, 2, 3, 4, 7, 8].map((seed) => randomJob(facts.length, 100 + seed, seed % 3, seed % 2))];
      for (const [j, job] of jobs.entries()) {
        for (const maxPrice of maxes) {
          const opts = maxPrice ? { maxPrice } : {};
          const want = evaluate(asCandidates(facts, job), opts, weights);
          // draws first, on evaluations whose lists nobody read (a retry's drawing set is walked, not built)
          for (let seed = 1; seed <= 12; seed++) {
            const a = draw(evaluatePrepared(snap, j === 0 ? undefined : job, opts, weights), seededRng(seed * 7 + j));
            const b = draw(want, seededRng(seed * 7 + j));
            assert.equal(a?.candidate.key, b?.candidate.key, `job ${j}, seed ${seed}`);
            assert.equal(a?.probability, b?.probability);
          }
          const got = evaluatePrepared(snap, j === 0 ? undefined : job, opts, weights);
          assert.equal(show(verdicts(got)), show(verdicts(want)), `job ${j}, max ${maxPrice?.toString()}`);
          assert.deepEqual(summarizeRejections(got), summarizeRejections(want));
          for (const r of want.rejected) seen.add(r.reason);
          for (const q of want.qualified) seen.add(q.standby ?? (q.probability > 0 ? 'drawing' : 'zero'));
          assert.deepEqual(summarizeRejections(got.rejected), summarizeRejections(want));
          assert.deepEqual(rejectedKeys(got, 'price-above-max'), want.rejected.filter((r) => r.reason === 'price-above-max').map((r) => r.candidate.key));
          // the same draw from the same RNG
          const a = draw(got, seededRng(j + 1));
          const b = draw(want, seededRng(j + 1));
          assert.equal(a?.candidate.key, b?.candidate.key);
          assert.equal(a?.probability, b?.probability);
          for (const k of [facts[0]!.key, facts[17]!.key, facts[333]!.key]) {
            const q = (e: Evaluation) => {
              const x = findQualified(e, k);
              return x ? JSON.stringify([canon(x.candidate), x.probability, x.standby ?? null, x.note ?? null], big) : null;
            };
            assert.equal(q(got), q(want), k);
          }
        }
      }
    });
  }

  it('withRows: the changed rows evaluate as a snapshot built from scratch; the old snapshot is unchanged', () => {
    const base = new CandidateSnapshot(facts);
    const pw: SelectionWeights = { stakeWeight: 0.5, priceWeight: 0.2, randWeight: 0.3, priceExpFactor: 1e6 };
    const max = Rat.from(3_000_000n);
    // fill its caches (verdicts for the max, the prices' floats, the job-free evaluations)
    const before = show(verdicts(evaluatePrepared(base, undefined, { maxPrice: max }, pw)));
    const rng = seededRng(77);
    const changed = new Map<number, PreparedFacts>();
    for (let k = 0; k < 15; k++) {
      const i = Math.floor(rng() * facts.length);
      const f = facts[i]!;
      changed.set(i, { ...f, warm: !f.warm, price: Rat.of(BigInt(Math.floor(rng() * 6_000_000)), 3n), latencyMs: Math.floor(rng() * 300), gates: k % 3 === 0 ? { suspended: `now suspended ${i}` } : {} });
    }
    const next = base.withRows(changed);
    const nextFacts = facts.map((f, i) => changed.get(i) ?? f);
    for (const w of [pw, DEFAULT_SELECTION_WEIGHTS]) {
      for (const job of [new JobGates(), randomJob(facts.length, 9, 1, 1)]) {
        const want = evaluate(asCandidates(nextFacts, job), { maxPrice: max }, w);
        assert.equal(show(verdicts(evaluatePrepared(next, job, { maxPrice: max }, w))), show(verdicts(want)));
      }
    }
    assert.equal(show(verdicts(evaluatePrepared(base, undefined, { maxPrice: max }, pw))), before);
    assert.throws(() => base.withRows(new Map([[0, { ...facts[1]! }]])), RangeError);
  });

  it('withRows patches the job-free evaluations: over random patches, the same as a snapshot built from scratch', () => {
    const start = randomFacts(200, 13);
    const pool = randomFacts(200, 12); // replacement facts: row i takes pool[j] with its own key
    const rng = seededRng(99);
    let patched = 0;
    let redone = 0;
    for (const [name, weights] of weightsCases) {
      for (const maxPrice of [undefined, Rat.from(3_000_000n), Rat.from(0n)]) {
        const opts = maxPrice ? { maxPrice } : {};
        let snapN = new CandidateSnapshot(start);
        let cur = start.slice();
        evaluatePrepared(snapN, undefined, opts, weights); // the base to patch
        for (let t = 0; t < 25; t++) {
          const changed = new Map<number, PreparedFacts>();
          const k = 1 + Math.floor(rng() * 3);
          for (let c = 0; c < k; c++) {
            const i = Math.floor(rng() * cur.length);
            // sometimes a fault (a suspension gate), sometimes a fresh answer (new price, latency, warmth)
            changed.set(i, rng() < 0.3 ? { ...cur[i]!, gates: { ...cur[i]!.gates, suspended: `suspended ${t}` } } : { ...pool[Math.floor(rng() * pool.length)]!, key: cur[i]!.key });
          }
          snapN = snapN.withRows(changed);
          cur = cur.map((f, i) => changed.get(i) ?? f);
          if (snapN.basesPatched > 0) patched++;
          else redone++;
          const want = evaluate(asCandidates(cur, new JobGates()), opts, weights);
          const got = evaluatePrepared(snapN, undefined, opts, weights);
          assert.equal(show(verdicts(got)), show(verdicts(want)), `${name}, max ${maxPrice?.toString()}, patch ${t}`);
          assert.deepEqual(rejectedKeys(got, 'price-above-max'), want.rejected.filter((r) => r.reason === 'price-above-max').map((r) => r.candidate.key));
          assert.equal(draw(got, seededRng(t))?.candidate.key, draw(want, seededRng(t))?.candidate.key);
          // and a retry's gates on the patched one
          const job = randomJob(cur.length, 500 + t, 2, 1);
          assert.equal(show(verdicts(evaluatePrepared(snapN, job, opts, weights))), show(verdicts(evaluate(asCandidates(cur, job), opts, weights))), `${name}, patch ${t}, with a job`);
        }
      }
    }
    // both ways are exercised: most patches carry the evaluation over, some must start over
    assert.ok(patched > 200, `patched ${patched}`);
    assert.ok(redone >= 1, `redone ${redone}`);
    // by hand: the fastest drawing row slows down, the only warm row turns cold, the only priced one loses its price
    const hand: PreparedFacts[] = [
      { key: 'a', stake: 1n, warm: true, price: Rat.from(10n), latencyMs: 10 },
      { key: 'b', stake: 2n, warm: false, latencyMs: 20 },
      { key: 'c', stake: 3n, warm: false, latencyMs: 5 },
    ];
    const max = { maxPrice: Rat.from(100n) };
    const w = { ...DEFAULT_SELECTION_WEIGHTS, latencyBandMs: 8 };
    for (const [row, f, carried] of [
      [0, { ...hand[0]!, latencyMs: 30 }, 0], // a was the fastest (and the only warm one)
      [0, { ...hand[0]!, warm: false }, 0], // the only warm one
      [0, { ...hand[0]!, gates: { suspended: 'x' } }, 0], // the only priced and the only warm one
      [1, { ...hand[1]!, stake: 9n }, 1], // a cold reserve's stake: carried over
      [1, { ...hand[1]!, warm: true, price: Rat.from(50n), latencyMs: 12 }, 1], // joins the drawing set inside the band
      [1, { ...hand[1]!, warm: true, price: Rat.from(50n), latencyMs: 9 }, 0],
      [1, { ...hand[1]!, warm: true, price: Rat.from(500n), latencyMs: 9 }, 1], // faster, but above the max // a new fastest
    ] as const) {
      const s0 = new CandidateSnapshot(hand);
      evaluatePrepared(s0, undefined, max, w);
      const s1 = s0.withRows(new Map([[row, f]]));
      assert.equal(s1.basesPatched, carried, `${f.key}: ${JSON.stringify(f, big)}`);
      const next = hand.map((x, i) => (i === row ? f : x));
      assert.equal(show(verdicts(evaluatePrepared(s1, undefined, max, w))), show(verdicts(evaluate(asCandidates(next, new JobGates()), max, w))));
    }
  });

  it('the random cases cover every reason, both reserves and the drawing set', () => {
    assert.deepEqual([...seen].sort(), [...REJECT_REASONS, 'cold', 'outside-latency-band', 'drawing'].sort());
  });

  it('nobody with a price among the ungated: no price filter (go-livepeer), as evaluate()', () => {
    const f: PreparedFacts[] = [
      { key: 'a', stake: 1n, warm: true },
      { key: 'b', stake: 2n, warm: true, price: Rat.from(10n), gates: { suspended: 'x' } },
      { key: 'c', stake: 3n, warm: true },
    ];
    const snap2 = new CandidateSnapshot(f);
    const got = evaluatePrepared(snap2, undefined, { maxPrice: Rat.from(5n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.deepEqual(got.qualified.map((q) => q.candidate.key), ['a', 'c']);
    // a job gate on the only unpriced ones turns the filter back on for nobody: still no price rejections
    const job = new JobGates().set(0, 'excluded', 'out');
    const got2 = evaluatePrepared(snap2, job, { maxPrice: Rat.from(5n) }, DEFAULT_SELECTION_WEIGHTS);
    assert.deepEqual(got2.rejected.map((r) => [r.candidate.key, r.reason]), [['a', 'excluded'], ['b', 'suspended']]);
    assert.deepEqual(got2.qualified.map((q) => [q.candidate.key, q.probability]), [['c', 1]]);
  });
});

describe('the snapshot by hand', () => {
  const facts: PreparedFacts[] = [
    { key: 'a', stake: 1n, warm: true, price: Rat.from(100n), latencyMs: 10 },
    { key: 'b', stake: 3n, warm: true, price: Rat.from(200n), latencyMs: 20, fallback: { reason: 'no-answer', detail: 'not asked' } },
    { key: 'c', stake: 6n, warm: true, price: Rat.from(150n), latencyMs: 30, gates: { stale: () => 'stale since noon' } },
    { key: 'd', stake: 0n, warm: false, price: Rat.from(1n), latencyMs: 5 },
  ];
  const snap = new CandidateSnapshot(facts);
  const w: SelectionWeights = { stakeWeight: 1, priceWeight: 0, randWeight: 0, priceExpFactor: 100 };

  it('the fallback gate applies alone, static gates win over it, job gates override by row', () => {
    const e = evaluatePrepared(snap, undefined, {}, w);
    assert.deepEqual(e.rejected.map((r) => [r.candidate.key, r.reason, r.detail]), [['b', 'no-answer', 'not asked'], ['c', 'stale', 'stale since noon']]);
    // only a (stake 1) draws; d is cold, held in reserve
    assert.deepEqual(e.qualified.map((q) => [q.candidate.key, q.probability, q.standby ?? null]), [['a', 1, null], ['d', 0, 'cold']]);
    // a job gate on b replaces its fallback; omitting a leaves d (cold) to draw
    const job = new JobGates().set(1, 'suspended', () => 'until 12:00').omit(0);
    const e2 = evaluatePrepared(snap, job, {}, w);
    assert.deepEqual(e2.rejected.map((r) => [r.candidate.key, r.reason, r.detail]), [['b', 'suspended', 'until 12:00'], ['c', 'stale', 'stale since noon']]);
    assert.deepEqual(e2.qualified.map((q) => [q.candidate.key, q.probability]), [['d', 1]]);
    assert.equal(findQualified(e2, 'a'), undefined, 'omitted: in neither list');
    assert.deepEqual(e2.rejected[0]!.candidate.gates, { suspended: 'until 12:00' }, 'the fallback is not set once another gate applies');
    // a job gate later in REJECT_REASONS than a static one does not hide it (a is patched out, c keeps stale)
    const e3 = evaluatePrepared(snap, new JobGates().set(2, 'suspended', 'x').set(1, 'capacity', 'full'), {}, w);
    assert.deepEqual(e3.rejected.map((r) => [r.candidate.key, r.reason, r.detail]), [['b', 'capacity', 'full'], ['c', 'stale', 'stale since noon']]);
    assert.deepEqual(e3.qualified.map((q) => [q.candidate.key, q.probability]), [['a', 1], ['d', 0]]);
    // the snapshot itself is unchanged by the job
    assert.deepEqual(evaluatePrepared(snap, undefined, {}, w).qualified.map((q) => q.candidate.key), ['a', 'd']);
  });

  it('max prices: each verdict exact, several maxima on one snapshot', () => {
    const job = new JobGates().omit(1).omit(2); // a (100), d (1, cold)
    const keysAt = (max: Rat) => evaluatePrepared(snap, job, { maxPrice: max }, w).rejected.map((r) => r.reason + ':' + r.candidate.key);
    assert.deepEqual(keysAt(Rat.from(100n)), [], 'equality passes');
    assert.deepEqual(keysAt(Rat.of(199n, 2n)), ['price-above-max:a'], '100 > 99.5');
    assert.deepEqual(keysAt(Rat.from(100n)), [], 'the first max again');
    assert.deepEqual(keysAt(Rat.of(1n, 2n)), ['price-above-max:a', 'price-above-max:d']);
    const e = evaluatePrepared(snap, job, { maxPrice: Rat.of(1n, 2n) }, w);
    assert.equal(e.rejected[0]!.detail, 'price 100 wei/unit is above the max 0.5 wei/unit');
  });

  it("a retry's draw walks the drawing set without building it: the same row as the built one, a tie on a cumulative sum included", () => {
    const f3 = new CandidateSnapshot([
      { key: 'x', stake: 1n, warm: true },
      { key: 'y', stake: 1n, warm: true },
      { key: 'z', stake: 2n, warm: true },
    ]);
    const job = new JobGates().omit(2); // z was drawing: x and y at 0.5 each
    const half = () => 0.5; // target 0.5 = x's cumulative sum: the first sum above it is y's
    const e = evaluatePrepared(f3, job, {}, w);
    assert.deepEqual(draw(e, half), { candidate: e.qualified[1]!.candidate, probability: 0.5 });
    assert.equal(draw(evaluatePrepared(f3, job, {}, w), half)?.candidate.key, 'y', 'walked, not built');
    assert.equal(draw(evaluate(asCandidates(f3.facts, job), {}, w), half)?.candidate.key, 'y');
    assert.equal(draw(evaluatePrepared(f3, job, {}, w), () => 0.4999)?.candidate.key, 'x');
  });

  it('the latency band over the columns', () => {
    const e = evaluatePrepared(snap, new JobGates().omit(3), {}, { ...w, latencyBandMs: 10 });
    // drawing tier: a (10 ms); b gated by its fallback, c stale
    assert.deepEqual(e.qualified.map((q) => [q.candidate.key, q.probability]), [['a', 1]]);
    const f2 = new CandidateSnapshot([
      { key: 'x', stake: 1n, warm: true, latencyMs: 10 },
      { key: 'y', stake: 1n, warm: true, latencyMs: 21 },
      { key: 'z', stake: 3n, warm: true, latencyMs: 20 },
      { key: 'u', stake: 1n, warm: true },
    ]);
    const e2 = evaluatePrepared(f2, undefined, {}, { ...w, latencyBandMs: 10 });
    assert.deepEqual(e2.qualified.map((q) => [q.candidate.key, q.probability, q.standby ?? null]), [['x', 0.25, null], ['y', 0, 'outside-latency-band'], ['z', 0.75, null], ['u', 0, 'outside-latency-band']]);
    assert.equal(e2.qualified[3]!.note, 'latency not measured, so outside the 10 ms latency band (fastest 10 ms)');
  });
});
