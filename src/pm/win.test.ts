import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rat, formatRatWei } from '../money/index.js';
import { MAX_WIN_PROB, ticketEV, winProbRat } from './index.js';

test('TestEV: face 1000 at maxWinProb/2 is "500" (exactly 1000·(2^255−1)/(2^256−1), just under 500)', () => {
  const ev = ticketEV(1000n, MAX_WIN_PROB / 2n);
  // go-livepeer's test compares the rounded decimal string; the exact rational is a hair below 500.
  assert.equal(formatRatWei(ev, 0), '≈500');
  assert.ok(ev.lt(500n) && ev.gt(Rat.of(49999n, 100n)));
  assert.equal(ev.ceil(), 500n);
  assert.ok(ev.eq(Rat.of(1000n * (MAX_WIN_PROB / 2n), MAX_WIN_PROB)));
  assert.equal(ticketEV(1000n, 0n).toString(), '0');
  assert.equal(ticketEV(1000n, MAX_WIN_PROB).toString(), '1000');
  assert.equal(ticketEV(0n, MAX_WIN_PROB).toString(), '0');
});

test('TestWinProbRat', () => {
  assert.equal(formatRatWei(winProbRat(MAX_WIN_PROB / 2n), 2), '≈0.5');
  assert.equal(formatRatWei(winProbRat(MAX_WIN_PROB / 4n), 2), '≈0.25');
  assert.equal(winProbRat(0n).toString(), '0');
  assert.equal(winProbRat(MAX_WIN_PROB).toString(), '1');
});

test('EV of the §4.2 worked example is ≥ 8 gwei and within one part in 1e14', () => {
  const wp = 771947261582107969490473233391252719021799897770937093596383896000000000n;
  const ev = ticketEV(1_200_000_000_000_000n, wp);
  assert.ok(ev.gte(8_000_000_000n));
  assert.ok(ev.sub(8_000_000_000n).lt(Rat.of(1n, 10_000n)));
});
