import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../money/index.js';
import { Balances } from './balances.js';

const A = '0x00000000000000000000000000000000000000aA';
const r = (n: bigint, d = 1n) => Rat.of(n, d);

describe('Balances', () => {
  it('credits, debits (possibly below zero) and keys by lower-cased address and id', () => {
    const b = new Balances();
    b.credit(A, 'm1', r(5n));
    b.debit(A.toLowerCase(), 'm1', r(7n));
    assert.ok(b.balance(A, 'm1')!.eq(r(-2n)));
    assert.equal(b.balance(A, 'm2'), undefined);
  });

  it('sweeps entries idle past the TTL', () => {
    let now = 1_000;
    const b = new Balances({ ttlMs: 100, now: () => now });
    b.credit(A, 'old', r(1n));
    now += 50;
    b.credit(A, 'new', r(1n));
    now += 60;
    assert.equal(b.sweep(), 1);
    assert.equal(b.balance(A, 'old'), undefined);
    assert.ok(b.balance(A, 'new')!.eq(r(1n)));
  });
});
