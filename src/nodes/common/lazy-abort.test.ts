import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LazyAbort, realSignal } from './lazy-abort.js';

test('LazyAbort: listeners run once, in order, and removed ones not at all', () => {
  const a = new LazyAbort();
  const seen: string[] = [];
  const one = () => seen.push('one');
  const two = () => seen.push('two');
  a.addEventListener('abort', one, { once: true });
  a.addEventListener('abort', two);
  a.addEventListener('abort', () => seen.push('three'));
  a.removeEventListener('abort', two);
  assert.equal(a.aborted, false);
  a.abort();
  a.abort();
  assert.deepEqual(seen, ['one', 'three']);
  assert.equal(a.aborted, true);
  assert.equal((a.reason as DOMException).name, 'AbortError');
  // Like an aborted AbortSignal: a listener added now never runs.
  a.addEventListener('abort', one);
  assert.deepEqual(seen, ['one', 'three']);
});

test('LazyAbort: the real signal follows it, built before or after the abort', () => {
  const before = new LazyAbort();
  const s = before.signal;
  assert.equal(s.aborted, false);
  const reason = new Error('gone');
  before.abort(reason);
  assert.equal(s.aborted, true);
  assert.equal(s.reason, reason);
  const after = new LazyAbort();
  after.abort();
  assert.equal(after.signal.aborted, true);
  assert.equal(realSignal(after), after.signal);
  const ac = new AbortController();
  assert.equal(realSignal(ac.signal), ac.signal);
  assert.equal(realSignal(undefined), undefined);
});
