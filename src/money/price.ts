// Prices as go-livepeer's PriceInfo: pricePerUnit wei for every pixelsPerUnit units (pixels, or
// the AI pipeline's unit). The exact price is the reduced rational pricePerUnit/pixelsPerUnit —
// go-livepeer reduces it (big.NewRat) before it goes into O's recipientRand HMAC, so a gateway must
// echo the same reduced value.
import { PriceError } from './errors.js';
import { Rat } from './rat.js';

export interface PriceInfo {
  /** wei; ≥ 0. */
  pricePerUnit: bigint;
  /** > 0. */
  pixelsPerUnit: bigint;
}

/** Throws PriceError unless pricePerUnit ≥ 0 and pixelsPerUnit > 0. Returns its argument. */
export function validatePriceInfo(p: PriceInfo): PriceInfo {
  if (typeof p.pricePerUnit !== 'bigint' || typeof p.pixelsPerUnit !== 'bigint') {
    throw new PriceError('PRICE_INVALID', 'price fields must be bigint (use parsePriceInfo for strings or JSON numbers)');
  }
  if (p.pixelsPerUnit === 0n) {
    throw new PriceError('PRICE_ZERO_DENOMINATOR', 'pixelsPerUnit is 0: a price needs a positive number of pixels/units per pricePerUnit');
  }
  if (p.pixelsPerUnit < 0n) {
    throw new PriceError('PRICE_NEGATIVE', `pixelsPerUnit ${p.pixelsPerUnit} is negative: it must be > 0`);
  }
  if (p.pricePerUnit < 0n) {
    throw new PriceError('PRICE_NEGATIVE', `pricePerUnit ${p.pricePerUnit} is negative: a price must be ≥ 0 wei`);
  }
  return p;
}

function toBigInt(field: string, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw new PriceError('PRICE_INVALID', `${field} ${v} is not a safe integer: pass it as a decimal string or bigint`);
    }
    return BigInt(v);
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  throw new PriceError('PRICE_INVALID', `${field} ${JSON.stringify(v)} is not an integer: expected digits, e.g. "1200"`);
}

/**
 * Builds a validated PriceInfo from loosely typed input (JSON, flags). pixelsPerUnit defaults to 1.
 * Numbers are accepted only when they are safe integers; anything fractional is refused rather than
 * rounded — express fractional prices with pixelsPerUnit (e.g. 0.5 wei/pixel = 1/2).
 */
export function parsePriceInfo(input: { pricePerUnit: unknown; pixelsPerUnit?: unknown }): PriceInfo {
  return validatePriceInfo({
    pricePerUnit: toBigInt('pricePerUnit', input.pricePerUnit),
    pixelsPerUnit: input.pixelsPerUnit === undefined ? 1n : toBigInt('pixelsPerUnit', input.pixelsPerUnit),
  });
}

/** The exact price per pixel/unit as a reduced rational. */
export function priceRat(p: PriceInfo): Rat {
  validatePriceInfo(p);
  return Rat.of(p.pricePerUnit, p.pixelsPerUnit);
}

/** PriceInfo from a non-negative rational (num/den in lowest terms). */
export function priceFromRat(r: Rat): PriceInfo {
  if (r.isNegative()) throw new PriceError('PRICE_NEGATIVE', `price ${r} is negative: a price must be ≥ 0 wei`);
  return { pricePerUnit: r.num, pixelsPerUnit: r.den };
}

/** The same price after reduction (1200/2 equals 600/1). */
export function priceEquals(a: PriceInfo, b: PriceInfo): boolean {
  return priceRat(a).eq(priceRat(b));
}

/** Exact fee in wei for `units` pixels/units: units × pricePerUnit / pixelsPerUnit. */
export function fee(units: bigint, price: PriceInfo): Rat {
  validatePriceInfo(price);
  if (units < 0n) throw new PriceError('PRICE_INVALID', `units ${units} is negative: count pixels/units as ≥ 0`);
  return Rat.of(units * price.pricePerUnit, price.pixelsPerUnit);
}
