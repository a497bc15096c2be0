import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Suspender } from './index.js';

describe('Suspender (penalties counted in refreshes)', () => {
  it('penalty 3 keeps a key out for the next 3 refreshes and releases it at the 4th', () => {
    const s = new Suspender();
    s.suspend('https://o1:8935', 3, 'RUNNER_FAILED');
    const seen: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(s.suspended('https://o1:8935') !== undefined);
      s.signalRefresh();
    }
    // before any refresh, then after refreshes 1, 2, 3 → out; after refresh 4 → back
    assert.deepEqual(seen, [true, true, true, true, false]);
  });

  it('penalty 0 (live Remove) lasts until the next refresh', () => {
    const s = new Suspender();
    s.suspend('k', 0, 'X');
    assert.equal(s.suspended('k')?.refreshesLeft, 1);
    s.signalRefresh();
    assert.equal(s.suspended('k'), undefined);
  });

  it('counts from the current refresh count, not from 0 (go-livepeer transcoding pool bug)', () => {
    const s = new Suspender();
    s.signalRefresh(10);
    const v = s.suspend('k', 2, 'ORCH_TIMEOUT');
    assert.deepEqual([v.untilRefresh, v.refreshesLeft, v.penalty, v.cause], [12, 3, 2, 'ORCH_TIMEOUT']);
    s.signalRefresh(2);
    assert.equal(s.suspended('k')?.refreshesLeft, 1);
    s.signalRefresh();
    assert.equal(s.suspended('k'), undefined);
  });

  it('a second, shorter penalty never shortens a running suspension; a longer one extends it', () => {
    let t = 1_000;
    const s = new Suspender({ now: () => t });
    s.suspend('k', 5, 'FIRST');
    t = 2_000;
    assert.equal(s.suspend('k', 1, 'SECOND').cause, 'FIRST');
    assert.equal(s.suspended('k')?.since, 1_000);
    const longer = s.suspend('k', 9, 'THIRD');
    assert.deepEqual([longer.cause, longer.since, longer.refreshesLeft], ['THIRD', 2_000, 10]);
  });

  it('bounded: served entries are dropped on refresh, and the cap evicts the oldest', () => {
    const s = new Suspender({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) s.suspend(k, 1, 'X');
    assert.equal(s.size, 3);
    assert.equal(s.suspended('a'), undefined);
    s.signalRefresh(2);
    assert.equal(s.size, 0);
    assert.throws(() => s.suspend('e', -1, 'X'), RangeError);
  });

  it('estimates the wall-clock end from the refresh interval, for display', () => {
    let t = 1_000_000;
    const s = new Suspender({ now: () => t });
    t = 1_060_000;
    s.signalRefresh(); // last refresh at t = 1,060,000
    s.suspend('k', 2, 'RUNNER_FAILED');
    assert.equal(s.estimateUntil('k', 600_000), 1_060_000 + 3 * 600_000);
    assert.equal(s.describe('k', 600_000), `suspended until about ${new Date(1_060_000 + 1_800_000).toISOString()} (3 refreshes) after RUNNER_FAILED`);
    assert.equal(s.describe('nobody'), undefined);
    assert.equal(s.release('k'), true);
    assert.equal(s.estimateUntil('k', 1), undefined);
  });
});
