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
