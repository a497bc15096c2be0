// go-livepeer's price share takes exp(-price/factor) of a float64 price. Prices are exact Rats,
// immutable, so each one's float is computed once and cached by identity (two bigint → double
// conversions cost more than the lookup). Only the probabilities use it; the max-price decision is
// always the exact bigint comparison.
import type { Rat } from '../../money/index.js';

const floats = new WeakMap<Rat, number>();

const bits = (x: bigint): number => (x < 0n ? -x : x).toString(16).length * 4;

/** num/den as the nearest-enough float (relative error < 2⁻⁵⁰ unless the result is out of a double's range). */
export function priceFloat(r: Rat): number {
  let f = floats.get(r);
  if (f === undefined) {
    const n = Number(r.num);
    const d = Number(r.den);
    if (Number.isFinite(n) && Number.isFinite(d)) f = n / d;
    else {
      // beyond 2^1024: drop the same number of low bits from both first
      const shift = BigInt(Math.max(bits(r.num), bits(r.den)) - 1000);
      f = Number(r.num >> shift) / Number(r.den >> shift);
    }
    floats.set(r, f);
  }
  return f;
}
