// The gateway's refusal counters: markRefused() marks every orchestrator of a list as last refused
// with a code, and skips the walk when it is the same list with no other error since; a job counts
// each price-refused orchestrator once across its attempts, from real evaluations of a prepared
// snapshot (the job-free one, retries patched from it) and of evaluate().
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { CandidateSnapshot, DEFAULT_SELECTION_WEIGHTS, JobGates, evaluate, evaluatePrepared, type PreparedFacts } from '../../market/index.js';
import { candidate } from '../../market/selection/testkit.js';
import { JobPriceRefusals, MAX_ORCHESTRATOR_STATS, StatsRecorder } from './stats.js';

const lastErrors = (s: StatsRecorder) => Object.fromEntries(Object.entries(s.snapshot().orchestrators).map(([k, o]) => [k, o.lastError]));
const priceRefusals = (s: StatsRecorder) => s.snapshot().refusals.GW_PRICE_TOO_HIGH ?? 0;

// a, c, e above the max of 100; b, d below
const facts: PreparedFacts[] = ['a', 'b', 'c', 'd', 'e'].map((key, i) => ({ key, stake: BigInt(i + 1), warm: true, price: Rat.from(i % 2 === 0 ? 500n : 50n), latencyMs: 10 + i }));
const opts = { maxPrice: Rat.from(100n) };

describe('gateway refusal counters', () => {
  it('markRefused(): marks each lastError; the same list again after another error marks again', () => {
    const s = new StatsRecorder();
    const keys = ['a', 'b', 'c'];
    s.markRefused('GW_PRICE_TOO_HIGH', keys);
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', b: 'GW_PRICE_TOO_HIGH', c: 'GW_PRICE_TOO_HIGH' });
    // b fails an attempt (say, for another pipeline's job), then the same list comes again: b says price again
    s.attemptFailed('b', 'GW_ORCHESTRATOR_UNREACHABLE');
    assert.equal(lastErrors(s).b, 'GW_ORCHESTRATOR_UNREACHABLE');
    s.markRefused('GW_PRICE_TOO_HIGH', keys);
    assert.equal(lastErrors(s).b, 'GW_PRICE_TOO_HIGH');
    // an equal list that is another array is walked as well
    s.refusal('OTHER', 'c');
    s.markRefused('GW_PRICE_TOO_HIGH', ['c']);
    assert.equal(lastErrors(s).c, 'GW_PRICE_TOO_HIGH');
    s.refusals('GW_PRICE_TOO_HIGH', 4);
    assert.equal(priceRefusals(s), 4);
  });

  it('markRefused(): marks are applied in order when the stats are read, however many wait', () => {
    const s = new StatsRecorder();
    const keys = ['a', 'b'];
    s.markRefused('GW_PRICE_TOO_HIGH', keys);
    s.attemptFailed('b', 'GW_ORCHESTRATOR_UNREACHABLE'); // newer than the mark
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', b: 'GW_ORCHESTRATOR_UNREACHABLE' });
    s.markRefused('GW_PRICE_TOO_HIGH', keys);
    s.attemptFailed('a', 'GW_ORCHESTRATOR_UNREACHABLE');
    s.markRefused('GW_PRICE_TOO_HIGH', keys); // the same list, but an error came between: marks again
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', b: 'GW_PRICE_TOO_HIGH' });
    // more lists than wait (the oldest are applied as they go), with a direct error among them
    for (let i = 0; i < 40; i++) {
      s.markRefused('GW_PRICE_TOO_HIGH', [`o${i}`, 'a']);
      if (i === 30) s.refusal('GW_INCOMPATIBLE', 'o5');
      if (i === 31) s.refusal('GW_INCOMPATIBLE', 'o35');
    }
    const e = lastErrors(s);
    assert.equal(e.o5, 'GW_INCOMPATIBLE', 'applied early, then overwritten by a newer direct error');
    assert.equal(e.o35, 'GW_PRICE_TOO_HIGH', 'marked after the direct error');
    assert.equal(e.o0, 'GW_PRICE_TOO_HIGH');
    assert.equal(e.o39, 'GW_PRICE_TOO_HIGH');
    assert.equal(Object.keys(e).length, 42);
  });

  it('JobPriceRefusals: each price-refused orchestrator once per job, across attempts on the snapshot and patched from it', () => {
    const s = new StatsRecorder();
    const snap = new CandidateSnapshot(facts);
    const plain = () => evaluatePrepared(snap, undefined, opts, DEFAULT_SELECTION_WEIGHTS);
    const job = new JobPriceRefusals(s);
    job.count(plain());
    assert.equal(priceRefusals(s), 3);
    job.count(plain()); // a retry on the same snapshot
    // a retry that left b (drawing) out: the same list of refused keys
    job.count(evaluatePrepared(snap, new JobGates().omit(1), opts, DEFAULT_SELECTION_WEIGHTS));
    // one whose gates took c out of the price refusals (excluded): a list of its own, nothing new in it
    job.count(evaluatePrepared(snap, new JobGates().set(2, 'excluded', 'x'), opts, DEFAULT_SELECTION_WEIGHTS));
    assert.equal(priceRefusals(s), 3);
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', c: 'GW_PRICE_TOO_HIGH', e: 'GW_PRICE_TOO_HIGH' });
    // the next job counts them again; a job that excluded c counts two
    new JobPriceRefusals(s).count(plain());
    assert.equal(priceRefusals(s), 6);
    new JobPriceRefusals(s).count(evaluatePrepared(snap, new JobGates().set(2, 'excluded', 'x'), opts, DEFAULT_SELECTION_WEIGHTS));
    assert.equal(priceRefusals(s), 8);
    // an attempt on another snapshot where d's price went up: d is new for this job
    const job2 = new JobPriceRefusals(s);
    job2.count(plain());
    job2.count(evaluatePrepared(snap.withRows(new Map([[3, { ...facts[3]!, price: Rat.from(900n) }]])), undefined, opts, DEFAULT_SELECTION_WEIGHTS));
    assert.equal(priceRefusals(s), 12);
    assert.equal(lastErrors(s).d, 'GW_PRICE_TOO_HIGH');
  });

  it('JobPriceRefusals over evaluate() results (no snapshot)', () => {
    const s = new StatsRecorder();
    const cands = facts.map((f) => candidate(f.key, { stake: f.stake, warm: f.warm, price: f.price!, latencyMs: f.latencyMs! }));
    const job = new JobPriceRefusals(s);
    job.count(evaluate(cands, opts, DEFAULT_SELECTION_WEIGHTS));
    job.count(evaluate(cands.slice(1), opts, DEFAULT_SELECTION_WEIGHTS)); // a left out: nothing new
    assert.equal(priceRefusals(s), 3);
    job.count(evaluate(cands, {}, DEFAULT_SELECTION_WEIGHTS)); // no max: nothing refused
    assert.equal(priceRefusals(s), 3);
  });

  it(`keeps at most ${MAX_ORCHESTRATOR_STATS} orchestrators, dropping the least recently used; the totals keep everything`, () => {
    const s = new StatsRecorder();
    s.jobOk('https://keep.example:8935', 'llm', 1n, Rat.from(3n));
    for (let i = 0; i < MAX_ORCHESTRATOR_STATS + 50; i++) {
      s.discovery(`https://o${i}.example:8935`, true);
      // The one in use is touched now and then: it is never the least recently used.
      if (i % 1000 === 0) s.attempt('https://keep.example:8935', false);
    }
    s.refusal('GW_PRICE_TOO_HIGH', 'https://o0.example:8935');
    const snap = s.snapshot();
    const urls = Object.keys(snap.orchestrators);
    assert.equal(urls.length, MAX_ORCHESTRATOR_STATS);
    assert.ok(urls.includes('https://keep.example:8935'));
    assert.equal(snap.orchestrators['https://keep.example:8935']!.ok, 1);
    // o0 came back (its refusal) as a fresh entry; o1..o50 were the oldest and are gone.
    assert.equal(snap.orchestrators['https://o0.example:8935']!.discoveries, 0);
    assert.equal(snap.orchestrators['https://o0.example:8935']!.lastError, 'GW_PRICE_TOO_HIGH');
    for (let i = 1; i <= 50; i++) assert.equal(urls.includes(`https://o${i}.example:8935`), false, `o${i}`);
    assert.equal(snap.jobs.ok, 1);
    assert.equal(snap.fees.toString(), Rat.from(3n).toString());
  });
});
