// The per-(orchestrator, capability) backoff on a fake clock: doubling from baseMs to the cap,
// reset on success, other pairs untouched, stale streaks forgotten, the map bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureBackoff } from './backoff.js';

const O = 'https://o.test:8935';
const LLM = 33;
const T2I = 27;

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('FailureBackoff', () => {
  it('doubles from baseMs per consecutive fault, capped at maxMs', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 60_000, now: c.now });
    const got: number[] = [];
    for (let i = 0; i < 9; i++) {
      got.push(b.fault(O, LLM));
      c.advance(got[i]!); // retried when usable again, and failed again
    }
    assert.deepEqual(got, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('suspended until the backoff has passed, then usable', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 60_000, now: c.now });
    assert.equal(b.isSuspended(O, LLM), false);
    b.fault(O, LLM);
    assert.equal(b.isSuspended(O, LLM), true);
    assert.equal(b.remainingMs(O, LLM), 1000);
    c.advance(999);
    assert.equal(b.remainingMs(O, LLM), 1);
    c.advance(1);
    assert.equal(b.isSuspended(O, LLM), false);
  });

  it('only the failing capability of that orchestrator is left out', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 60_000, now: c.now });
    b.fault(O, LLM);
    assert.equal(b.isSuspended(O, LLM), true);
    assert.equal(b.isSuspended(O, T2I), false);
    assert.equal(b.isSuspended('https://other.test:8935', LLM), false);
  });

  it('a success resets the streak: the next fault costs baseMs again', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 60_000, now: c.now });
    b.fault(O, LLM);
    c.advance(1000);
    assert.equal(b.fault(O, LLM), 2000);
    c.advance(2000);
    b.success(O, LLM);
    assert.equal(b.isSuspended(O, LLM), false);
    assert.equal(b.fault(O, LLM), 1000);
  });

  it('a streak left alone for maxMs after its suspension ended is forgotten', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 8000, now: c.now });
    b.fault(O, LLM);
    c.advance(1000);
    b.fault(O, LLM); // 2000
    c.advance(2000 + 7999);
    assert.equal(b.fault(O, LLM), 4000, 'still within maxMs of the end: the streak goes on');
    c.advance(4000 + 8000);
    assert.equal(b.fault(O, LLM), 1000, 'quiet for maxMs: starts over');
  });

  it('remembers at most maxEntries pairs, forgetting the oldest fault first', () => {
    const c = clock();
    const b = new FailureBackoff({ baseMs: 1000, maxMs: 60_000, maxEntries: 3, now: c.now });
    for (let cap = 0; cap < 5; cap++) b.fault(O, cap);
    assert.equal(b.size, 3);
    assert.equal(b.isSuspended(O, 0), false);
    assert.equal(b.isSuspended(O, 1), false);
    assert.equal(b.isSuspended(O, 4), true);
  });

  it('baseMs 0 never suspends; bad bounds are refused', () => {
    const b = new FailureBackoff({ baseMs: 0, maxMs: 0, now: clock().now });
    assert.equal(b.fault(O, LLM), 0);
    assert.equal(b.isSuspended(O, LLM), false);
    assert.throws(() => new FailureBackoff({ baseMs: 2000, maxMs: 1000 }), RangeError);
  });
});
