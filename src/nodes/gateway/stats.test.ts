// The gateway's refusal counters: a list of refused orchestrators counts each of them and marks its
// lastError; the same list again (a snapshot's, job after job) counts again without walking it,
// unless something set a lastError since; a job counts each price-refused orchestrator once across
// its attempts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobPriceRefusals, StatsRecorder } from './stats.js';

const lastErrors = (s: StatsRecorder) => Object.fromEntries(Object.entries(s.snapshot().orchestrators).map(([k, o]) => [k, o.lastError]));

describe('gateway refusal counters', () => {
  it('refusals(): counts every key, marks each lastError, and a repeated list after another error marks again', () => {
    const s = new StatsRecorder();
    const keys = ['a', 'b', 'c'];
    s.refusals('GW_PRICE_TOO_HIGH', keys);
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 3);
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', b: 'GW_PRICE_TOO_HIGH', c: 'GW_PRICE_TOO_HIGH' });
    s.refusals('GW_PRICE_TOO_HIGH', keys);
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 6);
    // b fails an attempt (say, for another pipeline's job), then the same list comes again: b says price again
    s.attemptFailed('b', 'GW_ORCHESTRATOR_UNREACHABLE');
    assert.equal(lastErrors(s).b, 'GW_ORCHESTRATOR_UNREACHABLE');
    s.refusals('GW_PRICE_TOO_HIGH', keys);
    assert.equal(lastErrors(s).b, 'GW_PRICE_TOO_HIGH');
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 9);
    // an equal list that is another array is walked as well
    s.refusal('OTHER', 'c');
    s.refusals('GW_PRICE_TOO_HIGH', ['c']);
    assert.equal(lastErrors(s).c, 'GW_PRICE_TOO_HIGH');
    s.refusals('GW_PRICE_TOO_HIGH', []);
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 10);
  });

  it('JobPriceRefusals: each orchestrator once per job, whatever lists its attempts see', () => {
    const s = new StatsRecorder();
    const first = ['a', 'b'];
    const job = new JobPriceRefusals(s);
    job.count(first);
    job.count(first); // the retry's evaluation shares the list
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 2);
    job.count(['b', 'c']); // a patched snapshot's list: only c is new
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 3);
    job.count(['a', 'c', 'd']);
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 4);
    // the next job counts them again
    new JobPriceRefusals(s).count(first);
    assert.equal(s.snapshot().refusals.GW_PRICE_TOO_HIGH, 6);
    assert.deepEqual(lastErrors(s), { a: 'GW_PRICE_TOO_HIGH', b: 'GW_PRICE_TOO_HIGH', c: 'GW_PRICE_TOO_HIGH', d: 'GW_PRICE_TOO_HIGH' });
  });
});
