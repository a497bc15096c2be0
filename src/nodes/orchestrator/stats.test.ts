import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hex } from 'viem';
import { RECENT_TX_HASHES, StatsCollector } from './stats.js';

const hash = (i: number): Hex => `0x${i.toString(16).padStart(64, '0')}`;

test('redemption stats keep counters for every redemption but only the most recent tx hashes', () => {
  const s = new StatsCollector();
  const n = RECENT_TX_HASHES * 3 + 5;
  for (let i = 0; i < n; i++) s.redemption(10n, hash(i));
  const snap = s.snapshot(0);
  assert.equal(snap.redeemed.count, n);
  assert.equal(snap.redeemed.faceValue, 10n * BigInt(n));
  assert.equal(snap.redeemed.txHashes.length, RECENT_TX_HASHES);
  assert.equal(snap.redeemed.txHashes[0], hash(n - RECENT_TX_HASHES));
  assert.equal(snap.redeemed.txHashes.at(-1), hash(n - 1));
});

test('a snapshot is a copy: later redemptions do not change it', () => {
  const s = new StatsCollector();
  s.redemption(1n, hash(1));
  const snap = s.snapshot(0);
  s.redemption(1n, hash(2));
  assert.deepEqual(snap.redeemed.txHashes, [hash(1)]);
});
