// The fan-out's waiting rules with real timers. Slow orchestrators are calls that answer only when
// the test says (or never), so nothing depends on how fast this machine is: only lower bounds on
// waiting are asserted, never upper ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fanOut } from './fanout.js';

const never = (_t: string, signal: AbortSignal): Promise<string> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

describe('GetOrchestrator fan-out (go-livepeer timing)', () => {
  it('takes the answers in at the first checkpoint at which one is accepted; the silent one is left pending', async () => {
    const signals: AbortSignal[] = [];
    const r = await fanOut(
      ['a', 'b', 'c'],
      (t, signal) => {
        signals.push(signal);
        return t === 'c' ? never(t, signal) : Promise.resolve(`info-${t}`);
      },
      () => true,
      { firstCheckpointMs: 200, cutoffMs: 60_000 },
    );
    assert.equal(r.ended, 'checkpoint');
    assert.ok(r.waitedMs >= 190, `waited ${r.waitedMs} ms`);
    assert.deepEqual(r.answers.map((a) => a.target).sort(), ['a', 'b']);
    assert.deepEqual(r.pending, ['c']);
    for (const a of r.answers) assert.ok(a.latencyMs >= 0 && a.accepted);
    // The silent call is still running in the background (until the cut-off), not yet aborted.
    assert.ok(signals.every((s) => !s.aborted));
  });

  it('escalates the checkpoints while nothing is accepted (0.5 → 1 → 2 s scaled), then takes what is in', async () => {
    let release: (v: string) => void = () => {};
    const late = new Promise<string>((r) => (release = r));
    const t0 = performance.now();
    // Released after the first checkpoint has passed: taken at the next one, not at once.
    setTimeout(() => release('late'), 150);
    const r = await fanOut(['late', 'bad', 'silent'], (t, s) => (t === 'late' ? late : t === 'bad' ? Promise.reject(new Error('refused')) : never(t, s)), () => true, {
      firstCheckpointMs: 100,
      cutoffMs: 60_000,
    });
    assert.equal(r.ended, 'checkpoint');
    assert.ok(performance.now() - t0 >= 195, 'ended at the second checkpoint (2 × first) or later');
    assert.deepEqual(r.answers.map((a) => [a.target, a.accepted]).sort(), [['bad', false], ['late', true]]);
  });

  it('returns without waiting for a checkpoint once every target has answered (all errors → empty)', async () => {
    const r = await fanOut(['a', 'b'], () => Promise.reject(new Error('no')), () => true, { firstCheckpointMs: 30_000, cutoffMs: 60_000 });
    assert.equal(r.ended, 'all-answered');
    assert.equal(r.answers.filter((a) => a.accepted).length, 0);
  });

  it('an answer that is not accepted (incompatible) does not end the wait at a checkpoint', async () => {
    const r = await fanOut(['a', 'b'], (t, s) => (t === 'a' ? Promise.resolve('x') : never(t, s)), () => false, { firstCheckpointMs: 50, cutoffMs: 400 });
    assert.equal(r.ended, 'cutoff');
    assert.deepEqual(r.pending, ['b']);
  });

  it('ends at the cut-off with nothing when nobody answers, and aborts the calls', async () => {
    const signals: AbortSignal[] = [];
    const r = await fanOut(['a', 'b'], (t, s) => (signals.push(s), never(t, s)), () => true, { firstCheckpointMs: 50, cutoffMs: 300 });
    assert.equal(r.ended, 'cutoff');
    assert.ok(r.waitedMs >= 290);
    assert.deepEqual(r.answers, []);
    assert.ok(signals.every((s) => s.aborted));
  });

  it('stops as soon as `want` accepted answers are in', async () => {
    const r = await fanOut(['a', 'b', 'c'], (t, s) => (t === 'a' ? Promise.resolve('x') : never(t, s)), () => true, { want: 1, firstCheckpointMs: 30_000, cutoffMs: 60_000 });
    assert.equal(r.ended, 'enough');
    assert.equal(r.answers.length, 1);
  });

  it('is cancellable: the caller\'s abort ends the wait and every call', async () => {
    const ac = new AbortController();
    const signals: AbortSignal[] = [];
    const p = fanOut(['a', 'b'], (t, s) => (signals.push(s), never(t, s)), () => true, { firstCheckpointMs: 30_000, cutoffMs: 60_000, signal: ac.signal });
    ac.abort();
    const r = await p;
    assert.equal(r.ended, 'aborted');
    assert.ok(signals.every((s) => s.aborted));
  });

  it('keeps at most maxConcurrent calls in flight, and asks everybody in a random order', async () => {
    let inFlight = 0;
    let peak = 0;
    const order: string[] = [];
    const targets = Array.from({ length: 40 }, (_, i) => `o${i}`);
    const r = await fanOut(
      targets,
      async (t) => {
        order.push(t);
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((res) => setImmediate(res));
        inFlight--;
        return t;
      },
      () => true,
      { maxConcurrent: 5, firstCheckpointMs: 30_000, cutoffMs: 60_000 },
    );
    assert.equal(r.ended, 'all-answered');
    assert.equal(r.answers.length, 40);
    assert.ok(peak <= 5, `peak ${peak}`);
    assert.notDeepEqual(order, targets, 'query order shuffled (1 in 40! to fail by chance)');
  });
});

describe('fan-out with answers already held', () => {
  it('cached answers count at the first checkpoint: the wait ends there even if nobody new answered', async () => {
    const r = await fanOut(['slow'], never, () => true, { acceptedBefore: 2, firstCheckpointMs: 100, cutoffMs: 60_000 });
    assert.equal(r.ended, 'checkpoint');
    assert.deepEqual(r.pending, ['slow']);
  });

  it('but not toward `want`: the new targets must answer for "enough"', async () => {
    const r = await fanOut(['a', 'b'], (t, s) => (t === 'a' ? Promise.resolve('x') : never(t, s)), () => true, { acceptedBefore: 5, want: 2, firstCheckpointMs: 100, cutoffMs: 60_000 });
    assert.equal(r.ended, 'checkpoint', 'one new answer is not two');
  });
});
