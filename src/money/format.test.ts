import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmountParseError, Rat, formatRatWei, formatWei, parseEther, parseGwei, parseUnits, parseWei } from './index.js';

test('formatWei is exact with trailing zeros trimmed', () => {
  assert.equal(formatWei(1n, 'eth'), '0.000000000000000001');
  assert.equal(formatWei(10n ** 18n, 'eth'), '1');
  assert.equal(formatWei(1_500_000_000_000_000_000n, 'eth'), '1.5');
  assert.equal(formatWei(8_000_000_000n, 'gwei'), '8');
  assert.equal(formatWei(8_000_000_001n, 'gwei'), '8.000000001');
  assert.equal(formatWei(123n, 'wei'), '123');
  assert.equal(formatWei(0n, 'eth'), '0');
  assert.equal(formatWei(-1_200_000_000_000_000n, 'eth'), '-0.0012');
  assert.equal(formatWei(2n ** 256n - 1n, 'eth'), '115792089237316195423570985008687907853269984665640564039457.584007913129639935');
});

test('parse → format round trips', () => {
  const samples = ['0', '1', '0.000000000000000001', '1.5', '123456789.123456789123456789', '0.0012'];
  for (const s of samples) assert.equal(formatWei(parseEther(s), 'eth'), s);
  for (const s of ['8', '0.000000001', '3000']) assert.equal(formatWei(parseGwei(s), 'gwei'), s);
  for (const w of [0n, 1n, 999n, 10n ** 30n + 7n]) {
    assert.equal(parseEther(formatWei(w, 'eth')), w);
    assert.equal(parseGwei(formatWei(w, 'gwei')), w);
    assert.equal(parseWei(formatWei(w, 'wei')), w);
  }
});

test('parsing refuses to round', () => {
  const tooPrecise = (e: unknown) => e instanceof AmountParseError && e.code === 'AMOUNT_TOO_PRECISE';
  assert.throws(() => parseEther('0.0000000000000000001'), tooPrecise);
  assert.throws(() => parseGwei('1.0000000001'), tooPrecise);
  assert.throws(() => parseWei('1.5'), tooPrecise);
  // Zeros beyond the unit's precision lose nothing, so they are accepted.
  assert.equal(parseWei('7.000'), 7n);
  assert.equal(parseEther('1.0000000000000000000'), 10n ** 18n);
});

test('parsing refuses malformed and negative input', () => {
  const malformed = (e: unknown) => e instanceof AmountParseError && e.code === 'AMOUNT_MALFORMED';
  for (const s of ['', '.', '1.', '.5', '1e18', '1,000', '1_000', '0x10', 'abc', '1.2.3', '+1', '1 000', 'NaN']) {
    assert.throws(() => parseEther(s), malformed, s);
  }
  assert.throws(() => parseEther('-1'), (e: unknown) => e instanceof AmountParseError && e.code === 'AMOUNT_NEGATIVE');
  assert.equal(parseEther('-1.5', { allowNegative: true }), -1_500_000_000_000_000_000n);
  assert.equal(parseUnits(' 2 ', 'wei'), 2n);
});

test('formatRatWei marks inexact displays with ≈', () => {
  assert.equal(formatRatWei(Rat.of(1n, 2n), 4), '0.5');
  assert.equal(formatRatWei(Rat.of(1n, 3n), 4), '≈0.3333');
  assert.equal(formatRatWei(Rat.of(2n, 3n), 4), '≈0.6667');
  assert.equal(formatRatWei(Rat.of(2n, 3n), 0), '≈1');
  assert.equal(formatRatWei(Rat.from(8_000_000_000n), 0), '8000000000');
  assert.equal(formatRatWei(Rat.from(8_000_000_000n), 3, 'gwei'), '8');
  assert.equal(formatRatWei(Rat.of(1n, 3n), 2, 'gwei'), '≈0');
  assert.equal(formatRatWei(Rat.of(-1n, 3n), 2), '≈-0.33');
  assert.equal(formatRatWei(Rat.of(-5n, 2n), 0), '≈-3');
  assert.equal(formatRatWei(Rat.of(1_200_000_000_000_000n, 1n), 18, 'eth'), '0.0012');
});
