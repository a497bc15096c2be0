import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../money/index.js';
import { JsonNumber, parseDecimal, parseJsonKeepingNumbers } from './index.js';

describe('exact decimals', () => {
  it('parses decimals to reduced ratios', () => {
    assert.ok(parseDecimal('0.5')!.eq(Rat.of(1n, 2n)));
    assert.ok(parseDecimal('1e-9')!.eq(Rat.of(1n, 1_000_000_000n)));
    assert.ok(parseDecimal('1.25E+3')!.eq(Rat.of(1250n, 1n)));
    assert.ok(parseDecimal('-0.1')!.eq(Rat.of(-1n, 10n)));
    assert.equal(parseDecimal('1e999'), undefined);
    assert.equal(parseDecimal('abc'), undefined);
    assert.equal(parseDecimal('.'), undefined);
  });
  it('keeps JSON number text, leaving strings alone', () => {
    const v = parseJsonKeepingNumbers('{"a":[1, -2.50e3, "3.0"], "b\\"1": 0.1000000000000000055}') as Record<string, unknown>;
    const a = v.a as unknown[];
    assert.ok(a[0] instanceof JsonNumber && a[0].text === '1');
    assert.equal((a[1] as JsonNumber).text, '-2.50e3');
    assert.equal(a[2], '3.0');
    assert.equal((v['b"1'] as JsonNumber).text, '0.1000000000000000055');
    assert.throws(() => parseJsonKeepingNumbers('[01]'));
  });
});
