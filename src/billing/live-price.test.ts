import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat, priceRat } from '../money/index.js';
import { LIVE_UNITS_PER_SECOND } from '../market/index.js';
import {
  LIVE_INITIAL_PIXELS,
  LIVE_PIXELS_PER_MS,
  LIVE_PIXELS_PER_SECOND,
  LiveMeter,
  liveFeeForMs,
  liveInitialFee,
  livePixels,
  livePriceInfo,
  liveWeiPerSecond,
} from './live-price.js';

const P = 1_000_000_007n; // wei per second, prime so nothing reduces away by accident

describe('live price mapping', () => {
  it('uses go-livepeer\'s 1280·720·30 px/s and its 60 s initial payment', () => {
    assert.equal(LIVE_PIXELS_PER_SECOND, 27_648_000n);
    assert.equal(LIVE_PIXELS_PER_SECOND, LIVE_UNITS_PER_SECOND, 'the same constant as src/market');
    assert.equal(LIVE_PIXELS_PER_MS, 27_648n);
    assert.equal(LIVE_INITIAL_PIXELS, 1_658_880_000n);
  });

  it('advertises {P, 27,648,000} for P wei per second, and reads it back', () => {
    assert.deepEqual(livePriceInfo(P), { pricePerUnit: P, pixelsPerUnit: 27_648_000n });
    assert.deepEqual(livePriceInfo(Rat.of(1n, 2n)), { pricePerUnit: 1n, pixelsPerUnit: 55_296_000n });
    assert.deepEqual(livePriceInfo(0n), { pricePerUnit: 0n, pixelsPerUnit: 1n });
    assert.ok(liveWeiPerSecond(livePriceInfo(P)).eq(P));
    // A reduced form of the same rational (as go-livepeer puts on the wire) reads the same.
    assert.ok(liveWeiPerSecond({ pricePerUnit: 1n, pixelsPerUnit: 1n }).eq(27_648_000n));
    assert.throws(() => livePriceInfo(-1n), RangeError);
  });

  it('a go-livepeer gateway\'s payment (int64(27,648,000 × secs) px × price) is secs × P wei', () => {
    const price = livePriceInfo(P);
    for (const secs of [1n, 5n, 60n, 3600n]) {
      const goPixels = 27_648_000n * secs;
      assert.ok(priceRat(price).mul(goPixels).eq(P * secs), `${secs} s`);
    }
  });

  it('bills milliseconds exactly: 1,500 ms at P wei/s is 1,500,000,010.5 wei', () => {
    const price = livePriceInfo(P);
    assert.equal(livePixels(1500n), 41_472_000n);
    assert.ok(liveFeeForMs(1500n, price).eq(Rat.of(3_000_000_021n, 2n)));
    assert.ok(liveInitialFee(price).eq(60n * P));
    assert.throws(() => livePixels(-1n), RangeError);
  });
});

describe('LiveMeter', () => {
  it('carries the sub-millisecond remainder: the total is floor(now − start) ms', () => {
    const m = new LiveMeter(livePriceInfo(1000n), 1000.25); // 1 wei per ms
    assert.equal(m.take(1001.0).ms, 0n); // 0.75 ms elapsed
    const b = m.take(1002.1); // 1.85 ms elapsed in all
    assert.equal(b.ms, 1n);
    assert.ok(b.fee.eq(1n));
    const c = m.take(1003.3); // 3.05 ms in all: 2 more, the 0.85 carried over included
    assert.equal(c.ms, 2n);
    assert.equal(c.totalMs, 3n);
    assert.equal(c.pixels, 2n * 27_648n);
    assert.ok(m.totalFee.eq(3n));
    assert.equal(m.billedUntil, 1003.25);
  });

  it('never bills the same time twice, and a clock that goes back bills nothing', () => {
    const m = new LiveMeter(livePriceInfo(P), 0);
    assert.equal(m.take(5000).ms, 5000n);
    assert.equal(m.take(5000).ms, 0n);
    assert.equal(m.take(4000).ms, 0n);
    assert.equal(m.due(6500.9), 1500n);
    assert.ok(m.dueFee(6500.9).eq(Rat.of(3_000_000_021n, 2n)));
    assert.equal(m.take(6500.9).ms, 1500n);
    assert.ok(m.totalFee.eq(Rat.of(13_000_000_091n, 2n)), '6.5 s × P');
  });

  it('many small intervals add up to one long one', () => {
    const price = livePriceInfo(Rat.of(7n, 3n));
    const m = new LiveMeter(price, 10);
    let t = 10;
    for (let i = 0; i < 1000; i++) m.take((t += 0.37));
    // 370 ms (to float precision: floor of 369.99… or 370) at 7/3 wei/s.
    const ms = BigInt(Math.floor(t - 10));
    assert.equal(m.billedMs, ms);
    assert.ok(m.totalFee.eq(Rat.of(7n * ms, 3000n)));
  });
});
