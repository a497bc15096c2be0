import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StickySessions } from './index.js';

describe('StickySessions', () => {
  it('keeps a session on its orchestrator, renewing the TTL on each use', () => {
    let t = 0;
    const s = new StickySessions({ ttlMs: 1_000, now: () => t });
    s.set('stream-1', 'https://o1:8935');
    t = 900;
    assert.equal(s.get('stream-1'), 'https://o1:8935');
    t = 1_800; // 900 ms after the renewal
    assert.equal(s.get('stream-1'), 'https://o1:8935');
    t = 2_800; // a full TTL without use
    assert.equal(s.get('stream-1'), undefined);
    assert.equal(s.size, 0);
  });

  it('evicts the least recently used at the cap', () => {
    const s = new StickySessions({ maxEntries: 2, now: () => 0 });
    s.set('a', 'o1');
    s.set('b', 'o2');
    s.get('a'); // a is now the most recent
    s.set('c', 'o3');
    assert.equal(s.size, 2);
    assert.equal(s.get('b'), undefined);
    assert.equal(s.get('a'), 'o1');
    assert.equal(s.get('c'), 'o3');
  });

  it('expired entries are swept when new ones arrive', () => {
    let t = 0;
    const s = new StickySessions({ ttlMs: 100, now: () => t });
    for (let i = 0; i < 50; i++) s.set(`s${i}`, 'o');
    t = 150;
    s.set('fresh', 'o');
    assert.equal(s.size, 1);
  });

  it('a failed orchestrator unsticks its sessions; failover re-sticks', () => {
    const s = new StickySessions();
    s.set('a', 'o1');
    s.set('b', 'o1');
    s.set('c', 'o2');
    assert.equal(s.forgetCandidate('o1'), 2);
    assert.equal(s.get('a'), undefined);
    s.set('a', 'o2');
    assert.equal(s.get('a'), 'o2');
    assert.equal(s.delete('c'), true);
    assert.equal(s.size, 1);
    assert.throws(() => new StickySessions({ ttlMs: 0 }), RangeError);
  });
});
