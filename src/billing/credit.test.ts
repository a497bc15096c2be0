import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rat } from '../money/index.js';
import { CreditFile, readCreditFile } from './credit-file.js';
import { CreditLedger, type CreditKey } from './credit.js';

const K: CreditKey = { recipient: '0x00000000000000000000000000000000000000aA', orchestrator: 'https://o:8935', manifest: '35_m' };
const EV = Rat.from(1000n);
const r = (n: bigint, d = 1n) => Rat.of(n, d);
const max = (a: Rat, b: Rat) => (a.gt(b) ? a : b);

describe('CreditLedger', () => {
  it('concurrent jobs share the credit: each reservation tops up to max(fee, EV) and never by a whole EV more', () => {
    const l = new CreditLedger();
    // Fees below, around and above one EV, all reserved before any answer (64 jobs in flight).
    const fees = Array.from({ length: 64 }, (_, i) => r(BigInt(((i * 7919) % 2300) + 1)));
    let available = Rat.ZERO; // Σ new credit − Σ fees, computed here independently of the ledger
    let sent = Rat.ZERO;
    for (const fee of fees) {
      const res = l.reserve(K, fee, EV);
      assert.ok(res.newCredit.eq(EV.mul(BigInt(res.numTickets))));
      const before = available;
      available = available.add(res.newCredit);
      sent = sent.add(res.newCredit);
      const need = max(fee, EV);
      assert.ok(available.gte(need), `covers max(fee, EV): ${available} ≥ ${need}`);
      if (res.numTickets > 0) assert.ok(available.sub(EV).lt(need), 'no ticket more than needed');
      else assert.ok(before.gte(need));
      available = available.sub(fee);
    }
    const fees64 = fees.reduce((a, b) => a.add(b), Rat.ZERO);
    // What is left after all 64 jobs is below max(fee, EV) + one EV of the last job.
    assert.ok(sent.sub(fees64).lt(EV.mul(3n)), `EV sent ${sent} vs fees ${fees64}`);
  });

  it('settles: received debits the fee, credited keeps the tickets, refused gives everything back', () => {
    const l = new CreditLedger();
    const a = l.reserve(K, r(300n), EV);
    assert.equal(a.numTickets, 1);
    l.settle(a, 'received');
    assert.ok(l.credit(K)!.eq(r(700n)));
    const b = l.reserve(K, r(300n), EV); // 700 < max(300, 1000): one more ticket
    assert.equal(b.numTickets, 1);
    l.settle(b, 'credited');
    assert.ok(l.credit(K)!.eq(r(1700n)));
    const c = l.reserve(K, r(300n), EV);
    assert.equal(c.numTickets, 0);
    l.settle(c, 'refused');
    l.settle(c, 'received'); // a second settle is ignored
    assert.ok(l.credit(K)!.eq(r(1700n)));
    const d = l.reserve(K, r(1700n), EV);
    assert.equal(d.numTickets, 0, 'the refused reservation was given back');
    l.settle(d, 'received');
    assert.ok(l.credit(K)!.isZero());
  });

  it('a job counting on credit still in flight waits until that request is sent; confirmedOnly leaves it out', async () => {
    const l = new CreditLedger();
    l.settle(l.reserve(K, r(100n), EV), 'received'); // 900 acknowledged
    const a = l.reserve(K, r(100n), EV); // 900 < max(100, 1000): buys one
    assert.equal(a.numTickets, 1);
    assert.equal(a.reliesOnPending, false);
    const b = l.reserve(K, r(100n), EV); // 700 acknowledged − reserved: counts on a's ticket
    assert.equal(b.numTickets, 0);
    assert.equal(b.reliesOnPending, true);
    let ready = false;
    const p = l.ready(b).then(() => (ready = true));
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(ready, false, 'b waits for a to be sent');
    l.sent(a);
    await p;
    assert.equal(ready, true);
    const c = l.reserve(K, r(100n), EV, { confirmedOnly: true });
    assert.equal(c.numTickets, 1, 'in-flight credit is not counted');
    assert.equal(c.reliesOnPending, false);
    await l.ready(c);
  });

  it('"Insufficient balance" on acknowledged credit forgets it; on credit in flight keeps it', () => {
    const l = new CreditLedger();
    const a = l.reserve(K, r(100n), EV);
    l.settle(a, 'received');
    assert.ok(l.credit(K)!.eq(r(900n)));
    const own = l.reserve(K, r(100n), EV); // 900 < max(100, 1000): buys one
    assert.equal(own.numTickets, 1);
    const relies = l.reserve(K, r(100n), EV); // 900 − 200 acknowledged: counts on own's ticket
    assert.equal(relies.numTickets, 0);
    assert.equal(relies.reliesOnPending, true);
    l.settle(relies, 'insufficient-balance');
    assert.ok(l.credit(K)!.eq(r(900n)), 'the ticket in flight had not arrived yet: nothing is forgotten');
    l.settle(own, 'received');
    assert.ok(l.credit(K)!.eq(r(1800n)));
    const x = l.reserve(K, r(100n), EV);
    assert.equal(x.reliesOnPending, false);
    l.settle(x, 'insufficient-balance');
    assert.ok(l.credit(K)!.isZero(), 'the orchestrator does not hold it (restarted or swept)');
    assert.equal(l.reserve(K, r(100n), EV).numTickets, 1);
  });

  it('keeps acknowledged credit across a restart (snapshot → restore) and drops what the orchestrator has swept', () => {
    let now = 1_000_000;
    const l = new CreditLedger({ now: () => now, ttlMs: 10_000 });
    const a = l.reserve(K, r(2500n), EV);
    assert.equal(a.numTickets, 3);
    l.settle(a, 'received'); // 500 left
    const other = { ...K, manifest: '35_old' };
    const b = l.reserve(other, r(250n), EV);
    l.settle(b, 'received');
    const snap = l.snapshot();
    now += 5_000;
    const l2 = new CreditLedger({ now: () => now, ttlMs: 10_000 });
    l2.restore(snap);
    assert.ok(l2.credit(K)!.eq(r(500n)));
    const c = l2.reserve(K, r(1200n), EV);
    assert.equal(c.numTickets, 1, 'the restored 500 count: 700 missing, one ticket (two without it)');
    l2.settle(c, 'received');
    now += 6_000;
    const l3 = new CreditLedger({ now: () => now, ttlMs: 10_000 });
    l3.restore(l2.snapshot());
    assert.ok(l3.credit(K)!.eq(r(300n)));
    assert.equal(l3.credit(other), undefined, 'idle past the TTL: the orchestrator swept it');
    now += 20_000;
    assert.equal(l3.sweep(), 1);
    assert.equal(l3.size, 0);
  });
});

describe('CreditFile', () => {
  const sender = '0x00000000000000000000000000000000000000bB';
  it('writes atomically and reads back only its own sender and well-formed entries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credit-'));
    try {
      const l = new CreditLedger();
      const f = new CreditFile(dir, sender);
      f.attach(l);
      const a = l.reserve(K, r(1n, 3n), EV);
      l.settle(a, 'received');
      f.flush();
      assert.deepEqual(readdirSync(dir), [f.path.slice(dir.length + 1)], 'no temporary file left');
      const back = readCreditFile(f.path, sender);
      assert.equal(back.length, 1);
      assert.ok(Rat.parse(back[0]!.credit).eq(EV.sub(r(1n, 3n))));
      assert.deepEqual(readCreditFile(f.path, '0x00000000000000000000000000000000000000cc'), []);
      const l2 = new CreditLedger();
      new CreditFile(dir, sender).attach(l2);
      assert.ok(l2.credit(K)!.eq(EV.sub(r(1n, 3n))));
      writeFileSync(f.path, '{"version":1,"sender":"' + sender + '","entries":[{"key":{},"credit":"1e9","lastUpdate":1}]}');
      assert.deepEqual(readCreditFile(f.path, sender), []);
      writeFileSync(f.path, 'not json');
      assert.deepEqual(readCreditFile(f.path, sender), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
