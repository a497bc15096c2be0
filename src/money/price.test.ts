import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PriceError, fee, parsePriceInfo, priceEquals, priceFromRat, priceRat, validatePriceInfo, Rat } from './index.js';

test('priceRat reduces', () => {
  assert.equal(priceRat({ pricePerUnit: 2400n, pixelsPerUnit: 2n }).toString(), '1200');
  assert.equal(priceRat({ pricePerUnit: 3n, pixelsPerUnit: 9n }).toString(), '1/3');
  assert.ok(priceEquals({ pricePerUnit: 2400n, pixelsPerUnit: 2n }, { pricePerUnit: 1200n, pixelsPerUnit: 1n }));
  assert.deepEqual(priceFromRat(Rat.of(6n, 4n)), { pricePerUnit: 3n, pixelsPerUnit: 2n });
});

test('fee = units × pricePerUnit / pixelsPerUnit, exact', () => {
  assert.equal(fee(1000n, { pricePerUnit: 1n, pixelsPerUnit: 3n }).toString(), '1000/3');
  assert.equal(fee(3n, { pricePerUnit: 1200n, pixelsPerUnit: 1n }).toString(), '3600');
  assert.equal(fee(0n, { pricePerUnit: 5n, pixelsPerUnit: 1n }).toString(), '0');
});

test('price validation errors are typed', () => {
  const code = (c: string) => (e: unknown) => e instanceof PriceError && e.code === c;
  assert.throws(() => validatePriceInfo({ pricePerUnit: 1n, pixelsPerUnit: 0n }), code('PRICE_ZERO_DENOMINATOR'));
  assert.throws(() => validatePriceInfo({ pricePerUnit: -1n, pixelsPerUnit: 1n }), code('PRICE_NEGATIVE'));
  assert.throws(() => validatePriceInfo({ pricePerUnit: 1n, pixelsPerUnit: -1n }), code('PRICE_NEGATIVE'));
  assert.throws(() => priceRat({ pricePerUnit: 1n, pixelsPerUnit: 0n }), code('PRICE_ZERO_DENOMINATOR'));
  assert.throws(() => fee(1n, { pricePerUnit: 1n, pixelsPerUnit: 0n }), code('PRICE_ZERO_DENOMINATOR'));
  assert.throws(() => fee(-1n, { pricePerUnit: 1n, pixelsPerUnit: 1n }), code('PRICE_INVALID'));
  assert.throws(() => priceFromRat(Rat.of(-1n, 2n)), code('PRICE_NEGATIVE'));
});

test('parsePriceInfo accepts bigint, digit strings, safe integers; refuses fractions', () => {
  assert.deepEqual(parsePriceInfo({ pricePerUnit: '1200', pixelsPerUnit: 3 }), { pricePerUnit: 1200n, pixelsPerUnit: 3n });
  assert.deepEqual(parsePriceInfo({ pricePerUnit: 7n }), { pricePerUnit: 7n, pixelsPerUnit: 1n });
  assert.throws(() => parsePriceInfo({ pricePerUnit: 0.5 }), (e: unknown) => e instanceof PriceError && e.code === 'PRICE_INVALID');
  assert.throws(() => parsePriceInfo({ pricePerUnit: '1.5' }), PriceError);
  assert.throws(() => parsePriceInfo({ pricePerUnit: 1, pixelsPerUnit: '0' }), PriceError);
  assert.throws(() => parsePriceInfo({ pricePerUnit: 2 ** 60 }), PriceError);
});
