// net.PriceInfo (int64 pricePerUnit / int64 pixelsPerUnit, plus capability and constraint for
// per-capability prices) ↔ money's PriceInfo (bigint, exact rational).
import { create } from '@bufbuild/protobuf';
import { validatePriceInfo, type PriceInfo } from '../money/index.js';
import { PriceInfoSchema, type PriceInfo as WirePriceInfo } from './gen/net/lp_rpc_pb.js';
import { InvalidFieldError, ValueRangeError } from './errors.js';

export const INT64_MAX = (1n << 63n) - 1n;

/**
 * Wire → money. Refuses pixelsPerUnit ≤ 0 and negative prices with InvalidFieldError (go-livepeer
 * answers "pixels per unit is 0" / invalid price). capability/constraint are dropped: keep the wire
 * message itself when it must be echoed back (Payment.expected_price).
 */
export function priceInfoFromWire(p: WirePriceInfo, field = 'price_info'): PriceInfo {
  const price = { pricePerUnit: p.pricePerUnit, pixelsPerUnit: p.pixelsPerUnit };
  try {
    return validatePriceInfo(price);
  } catch (err) {
    throw new InvalidFieldError(field, `${field} ${p.pricePerUnit}/${p.pixelsPerUnit} is not a usable price: ${(err as Error).message}`);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/**
 * money → wire. Both numbers must fit in int64; a price that only fits once reduced (e.g.
 * 2^70/2^10) is sent reduced, which is the same rational and so binds tickets the same way.
 * Otherwise ValueRangeError.
 */
export function priceInfoToWire(p: PriceInfo, opts: { capability?: number; constraint?: string } = {}): WirePriceInfo {
  validatePriceInfo(p);
  let { pricePerUnit, pixelsPerUnit } = p;
  if (pricePerUnit > INT64_MAX || pixelsPerUnit > INT64_MAX) {
    const g = gcd(pricePerUnit, pixelsPerUnit);
    pricePerUnit /= g;
    pixelsPerUnit /= g;
  }
  if (pricePerUnit > INT64_MAX) {
    throw new ValueRangeError('pricePerUnit', `pricePerUnit ${p.pricePerUnit} does not fit in int64 (max ${INT64_MAX}): lower the price or raise pixelsPerUnit`);
  }
  if (pixelsPerUnit > INT64_MAX) {
    throw new ValueRangeError('pixelsPerUnit', `pixelsPerUnit ${p.pixelsPerUnit} does not fit in int64 (max ${INT64_MAX}): use a coarser price`);
  }
  return create(PriceInfoSchema, {
    pricePerUnit,
    pixelsPerUnit,
    capability: opts.capability ?? 0,
    constraint: opts.constraint ?? '',
  });
}
