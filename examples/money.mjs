// livepeer-ts/money: exact rationals, fee = units × price, and amounts that never round silently.
// Run: node examples/money.mjs
import assert from 'node:assert/strict';
import {
  MoneyError, Rat, fee, formatRatWei, formatWei, parseEther, parseGwei, parsePriceInfo, priceEquals, priceRat,
} from 'livepeer-ts/money';

// Rat: reduced, immutable, exact. 1/3 + 1/6 is 1/2, not 0.49999…
const half = Rat.of(1n, 3n).add(Rat.of(1n, 6n));
assert.ok(half.eq(Rat.of(1n, 2n)));
assert.equal(String(Rat.of(10n, 4n)), '5/2');
assert.ok(Rat.parse('-6/4').eq(Rat.of(-3n, 2n)));
assert.equal(Rat.of(7n, 2n).floor(), 3n);
assert.equal(Rat.of(7n, 2n).ceil(), 4n);
console.log(`1/3 + 1/6 = ${half}`);

// A price is pricePerUnit wei per pixelsPerUnit units; fee = units × price, exact.
const price = parsePriceInfo({ pricePerUnit: '4768371', pixelsPerUnit: '1000' }); // 4768.371 wei/pixel
const units = 1024n * 1024n; // one 1024×1024 image
const f = fee(units, price);
assert.ok(f.eq(Rat.of(units * 4768371n, 1000n)));
assert.ok(priceEquals(price, { pricePerUnit: 9536742n, pixelsPerUnit: 2000n })); // same after reduction
assert.ok(priceRat(price).mul(units).eq(f));
console.log(`fee for ${units} px at ${priceRat(price)} wei/px = ${f} wei (${formatRatWei(f, 3)} wei)`);

// Formatting keeps every digit; "≈" marks a display that is not the exact amount.
assert.equal(formatWei(parseEther('1.5')), '1.5');
assert.equal(formatWei(1n, 'eth'), '0.000000000000000001');
assert.equal(formatWei(parseGwei('8'), 'wei'), '8000000000');
assert.equal(formatRatWei(Rat.of(5n, 2n), 1), '2.5');
assert.equal(formatRatWei(Rat.of(1n, 3n), 2), '≈0.33');

// Parsing refuses what it cannot hold exactly, with a stable code to branch on.
assert.equal(parseEther('0.000000000000000001'), 1n);
assert.throws(() => parseEther('0.0000000000000000001'), (e) => e instanceof MoneyError && e.code === 'AMOUNT_TOO_PRECISE');
assert.throws(() => parseEther('1e18'), (e) => e instanceof MoneyError && e.code === 'AMOUNT_MALFORMED');
assert.throws(() => parsePriceInfo({ pricePerUnit: 0.5 }), (e) => e instanceof MoneyError && e.code === 'PRICE_INVALID');
assert.throws(() => Rat.of(1n, 0n), (e) => e instanceof MoneyError && e.code === 'DIVISION_BY_ZERO');
console.log(`parseEther('1.5') = ${parseEther('1.5')} wei; 1e-19 ETH refused: AMOUNT_TOO_PRECISE`);
