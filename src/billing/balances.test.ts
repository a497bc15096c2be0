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

  it('reserve empties the entry and returns what it held; unknown entries stay absent', () => {
    const b = new Balances();
    b.credit(A, 'x', r(3n, 2n));
    assert.ok(b.reserve(A, 'x').eq(r(3n, 2n)));
    assert.ok(b.balance(A, 'x')!.isZero());
    assert.ok(b.reserve(A, 'nope').isZero());
    assert.equal(b.balance(A, 'nope'), undefined);
  });

  // go-livepeer core/accounting_test.go examples: (existing, minCredit, ev) -> tickets
  for (const [existing, minCredit, ev, tickets] of [
    [r(1n), r(5n), r(1n), 4],
    [r(1n, 4n), r(2n), r(1n), 2],
    [r(-5n), r(2n), r(1n), 7],
    [r(0n), r(2n), r(1n), 2],
    [r(9n), r(2n), r(1n), 0],
  ] as const) {
    it(`stageUpdate(existing ${existing}, minCredit ${minCredit}, ev ${ev}) → ${tickets} tickets`, () => {
      const b = new Balances();
      if (!existing.isZero()) b.credit(A, 's', existing);
      const s = b.stageUpdate(A, 's', minCredit, ev);
      assert.equal(s.numTickets, tickets);
      assert.ok(s.newCredit.eq(ev.mul(Rat.from(BigInt(tickets)))));
      assert.ok(s.existingCredit.eq(existing));
      assert.ok(b.balance(A, 's') === undefined || b.balance(A, 's')!.isZero(), 'existing credit is reserved');
    });
  }

  it('completeUpdate restores, keeps spent, or credits existing + new − debit', () => {
    const b = new Balances();
    b.credit(A, 's', r(3n));
    const s1 = b.stageUpdate(A, 's', r(10n), r(4n));
    assert.equal(s1.numTickets, 2);
    b.completeUpdate(A, 's', s1, 'staged');
    assert.ok(b.balance(A, 's')!.eq(r(3n)));
    const s2 = b.stageUpdate(A, 's', r(10n), r(4n));
    b.completeUpdate(A, 's', s2, 'received', r(10n));
    assert.ok(b.balance(A, 's')!.eq(r(1n)), '3 + 8 - 10');
    const s3 = b.stageUpdate(A, 's', r(10n), r(4n));
    b.completeUpdate(A, 's', s3, 'spent');
    assert.ok(b.balance(A, 's')!.isZero());
  });

  it('a zero EV stages no tickets', () => {
    const b = new Balances();
    assert.equal(b.stageUpdate(A, 's', r(5n), r(0n)).numTickets, 0);
  });

  it('fixes prices, including on the first payment from an unknown sender', () => {
    const b = new Balances();
    b.setFixedPrice(A, 'm', r(3n, 7n));
    assert.ok(b.fixedPrice(A, 'm')!.eq(r(3n, 7n)));
  });

  it('sweeps entries idle past the TTL, with their fixed price', () => {
    let now = 1_000;
    const b = new Balances({ ttlMs: 100, now: () => now });
    b.credit(A, 'old', r(1n));
    b.setFixedPrice(A, 'old', r(1n));
    now += 50;
    b.credit(A, 'new', r(1n));
    now += 60;
    assert.equal(b.sweep(), 1);
    assert.equal(b.balance(A, 'old'), undefined);
    assert.equal(b.fixedPrice(A, 'old'), undefined);
    assert.ok(b.balance(A, 'new')!.eq(r(1n)));
  });
});
