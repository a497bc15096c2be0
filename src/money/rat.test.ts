import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rat, DivisionByZeroError, MoneyError } from './index.js';

test('Rat.of reduces and keeps den > 0', () => {
  const r = Rat.of(2400n, 2n);
  assert.equal(r.num, 1200n);
  assert.equal(r.den, 1n);
  const n = Rat.of(3n, -6n);
  assert.equal(n.num, -1n);
  assert.equal(n.den, 2n);
  assert.equal(Rat.of(0n, -5n).den, 1n);
  assert.equal(Rat.of(0n, -5n).toString(), '0');
  assert.ok(Object.isFrozen(r));
});

test('Rat arithmetic is exact', () => {
  const a = Rat.of(1n, 3n);
  const b = Rat.of(1n, 6n);
  assert.equal(a.add(b).toString(), '1/2');
  assert.equal(a.sub(b).toString(), '1/6');
  assert.equal(a.mul(b).toString(), '1/18');
  assert.equal(a.div(b).toString(), '2');
  assert.equal(a.add(1n).toString(), '4/3');
  assert.equal(Rat.from(7n).toString(), '7');
  assert.equal(Rat.of(-7n, 2n).neg().toString(), '7/2');
  assert.equal(Rat.of(-7n, 2n).abs().toString(), '7/2');
});

test('Rat comparisons', () => {
  const a = Rat.of(1n, 3n);
  const b = Rat.of(2n, 6n);
  assert.equal(a.cmp(b), 0);
  assert.ok(a.eq(b));
  assert.ok(a.lt(Rat.of(1n, 2n)));
  assert.ok(a.lte(b));
  assert.ok(Rat.of(1n, 2n).gt(a));
  assert.ok(a.gte(b));
  assert.equal(Rat.of(-1n, 2n).cmp(0n), -1);
});

test('Rat floor and ceil round towards -inf / +inf', () => {
  assert.equal(Rat.of(7n, 2n).floor(), 3n);
  assert.equal(Rat.of(7n, 2n).ceil(), 4n);
  assert.equal(Rat.of(-7n, 2n).floor(), -4n);
  assert.equal(Rat.of(-7n, 2n).ceil(), -3n);
  assert.equal(Rat.of(6n, 2n).floor(), 3n);
  assert.equal(Rat.of(6n, 2n).ceil(), 3n);
  assert.equal(Rat.ZERO.ceil(), 0n);
});

test('Rat division by zero is a typed error', () => {
  assert.throws(() => Rat.of(1n, 0n), (e: unknown) => e instanceof DivisionByZeroError && e.code === 'DIVISION_BY_ZERO');
  assert.throws(() => Rat.ONE.div(Rat.ZERO), DivisionByZeroError);
  assert.throws(() => Rat.ONE.div(0n), DivisionByZeroError);
});

test('Rat toString / parse round trip, isZero', () => {
  for (const s of ['0', '5', '-5', '1/2', '-3/7', '1200']) assert.equal(Rat.parse(s).toString(), s);
  assert.equal(Rat.parse('4/8').toString(), '1/2');
  assert.throws(() => Rat.parse('1.5'), MoneyError);
  assert.throws(() => Rat.parse('1/0'), DivisionByZeroError);
  assert.ok(Rat.ZERO.isZero());
  assert.ok(!Rat.ONE.isZero());
  assert.equal(JSON.stringify({ p: Rat.of(1n, 2n) }), '{"p":"1/2"}');
});

test('Rat rejects number arguments', () => {
  assert.throws(() => Rat.of(1 as unknown as bigint, 2n), TypeError);
});

test('Rat add/sub/mul fast paths give the reduced value a plain cross-multiplication gives', () => {
  // Reference, independent of Rat: cross-multiply, then reduce by Euclid's gcd.
  const gcd = (a: bigint, b: bigint): bigint => {
    a = a < 0n ? -a : a;
    b = b < 0n ? -b : b;
    while (b) [a, b] = [b, a % b];
    return a;
  };
  const reduce = (n: bigint, d: bigint): string => {
    if (n === 0n) return '0';
    const g = gcd(n, d);
    const [rn, rd] = d < 0n ? [-n / g, -d / g] : [n / g, d / g];
    return rd === 1n ? `${rn}` : `${rn}/${rd}`;
  };
  const MAX = 2n ** 256n - 1n;
  // Integers, zero, small fractions, and ticket-EV-like values (faceValue · winProb / (2^256 − 1)).
  const pairs: [bigint, bigint][] = [
    [0n, 1n], [1n, 1n], [-7n, 1n], [12n, 1n], [1n, 3n], [-5n, 6n], [2n, 3n],
    [8_000_000_000n * (MAX / 1000n), MAX], [123_456_789n * (MAX / 7n + 3n), MAX], [-(10n ** 30n), MAX], [3n * (MAX / 17n), MAX],
  ];
  let seed = 42n;
  const rand = (): bigint => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
  for (let i = 0; i < 40; i++) pairs.push([(rand() % 2n === 0n ? 1n : -1n) * rand() * rand(), i % 2 ? MAX : (rand() % 1000n) + 1n]);
  for (const [an, ad] of pairs) {
    for (const [bn, bd] of pairs) {
      const a = Rat.of(an, ad);
      const b = Rat.of(bn, bd);
      const [xn, xd, yn, yd] = [a.num, a.den, b.num, b.den];
      assert.equal(a.add(b).toString(), reduce(xn * yd + yn * xd, xd * yd), `${a} + ${b}`);
      assert.equal(a.sub(b).toString(), reduce(xn * yd - yn * xd, xd * yd), `${a} - ${b}`);
      assert.equal(a.mul(b).toString(), reduce(xn * yn, xd * yd), `${a} · ${b}`);
      for (const r of [a.add(b), a.sub(b), a.mul(b)]) {
        assert.ok(r.den > 0n && gcd(r.num, r.den) === 1n && (r.num !== 0n || r.den === 1n), `${r} is reduced`);
        assert.ok(Object.isFrozen(r));
      }
    }
  }
});

test('Rat reduces fractions over divisors of 2^256 − 1 (ticket EVs) exactly', () => {
  // The primes behind the fast gcd multiply to 2^256 − 1: (2^32 − 1)(2^32 + 1)(2^64 + 1)(2^128 + 1).
  assert.equal(3n * 5n * 17n * 257n * 65537n * 641n * 6700417n * 274177n * 67280421310721n * 59649589127497217n * 5704689200685129054721n, 2n ** 256n - 1n);
  const M = 2n ** 256n - 1n;
  const ev = Rat.of(8_000_000_000n * 1234567n, M);
  // Reference: Euclid on the raw numerator and denominator.
  const euclid = (a: bigint, b: bigint): bigint => (b === 0n ? a : euclid(b, a % b));
  for (const [n, d] of [[8_000_000_000n * 1234567n, M], [M / 3n, M], [6n * 641n, M / 5n], [-(M / 17n) * 2n, M], [10n ** 40n, M / 65537n]] as const) {
    const g = euclid(n < 0n ? -n : n, d);
    const r = Rat.of(n, d);
    assert.equal(r.toString(), `${n / g}${d / g === 1n ? '' : `/${d / g}`}`);
  }
  assert.equal(ev.add(ev).toString(), Rat.of(2n * 8_000_000_000n * 1234567n, M).toString());
});

test('Rat reduces fractions over divisors of (2^256 − 1)² (products of two EV denominators) exactly', () => {
  const M = 2n ** 256n - 1n;
  const euclid = (a: bigint, b: bigint): bigint => (b === 0n ? a : euclid(b, a % b));
  const cases: [bigint, bigint][] = [
    [M * 9n, M * M], [1n, M * M], [-(M / 3n) * 3n * 257n, M * (M / 17n)], [25n * 641n * 641n, M * M / 3n], [10n ** 70n, M * M],
    [3n * 3n * 5n, 9n], [M, M * M], [(M / 65537n) * 65537n * 65537n * 7n, (M / 5n) * (M / 5n)],
  ];
  for (const [n, d] of cases) {
    const g = euclid(n < 0n ? -n : n, d);
    assert.equal(Rat.of(n, d).toString(), `${n / g}${d / g === 1n ? '' : `/${d / g}`}`, `${n}/${d}`);
  }
  // A balance plus an EV over a different divisor of 2^256 − 1: the sum's unreduced denominator is their product.
  const a = Rat.of(7n * 10n ** 20n, M / 3n);
  const b = Rat.of(11n * 10n ** 18n, M / 5n);
  const n = a.num * b.den + b.num * a.den;
  const g = euclid(n, a.den * b.den);
  assert.equal(a.add(b).toString(), `${n / g}/${(a.den * b.den) / g}`);
});

test('Rat divCeil is the ceiling of the exact quotient', () => {
  const M = 2n ** 256n - 1n;
  const ev = Rat.of(8_000_000_000n * 1234567n, M);
  for (const x of [Rat.of(1n), Rat.of(27_648_000n), Rat.of(-5n, 3n), ev, ev.mul(3n), ev.mul(3n).add(1n), Rat.ZERO, Rat.of(7n, 2n)]) {
    for (const y of [ev, Rat.of(1n, 3n), Rat.of(-2n, 7n), Rat.of(5n)]) assert.equal(x.divCeil(y), x.div(y).ceil(), `${x} / ${y}`);
  }
  assert.throws(() => Rat.ONE.divCeil(Rat.ZERO), DivisionByZeroError);
});
