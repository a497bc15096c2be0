// The part of the store contract only a durable backend can keep: everything is there after a
// reopen, migrations run once (and roll back whole), a newer schema is refused, rows edited by
// hand are refused, and two handles on one store never both submit a ticket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex32 } from '../../src/pm/index.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration, type Store } from '../../src/store/index.js';
import { txHash, winningTicket } from '../../src/store/testkit.js';
import { rejectsWith, type DurableHarness, type DurableLocation } from './contract.js';

const h32 = (c: string): Hex32 => `0x${c.repeat(64)}`;

async function snapshot(s: Store, hashes: readonly Hex32[]) {
  return {
    tickets: await Promise.all(hashes.map((h) => s.tickets.get(h))),
    history: await Promise.all(hashes.map((h) => s.tickets.history(h))),
    totals: await s.tickets.totals(),
    lists: await Promise.all((['pending', 'submitted', 'redeemed', 'dropped', 'expired'] as const).map((st) => s.tickets.list(st))),
    cps: [await s.checkpoints.getCheckpoint('blocks'), await s.checkpoints.getCheckpoint('rounds')],
  };
}

async function withHandles<T>(loc: DurableLocation, n: number, fn: (...s: Store[]) => Promise<T>): Promise<T> {
  const handles: Store[] = [];
  try {
    for (let i = 0; i < n; i++) handles.push(await loc.open());
    return await fn(...handles);
  } finally {
    for (const s of handles) await s.close();
  }
}

export function durableContract(h: DurableHarness): void {
  describe('durable', () => {
    it('a reopened store has every ticket, state, history line and checkpoint it had', async () => {
      const loc = await h.fresh();
      const hashes: Hex32[] = [];
      const before = await withHandles(loc, 1, async (s) => {
        for (let i = 0; i < 6; i++) hashes.push((await s.tickets.addWinning(winningTicket(i), 10_000 + i)).ticketHash);
        await s.tickets.markSubmitted([hashes[1]!, hashes[2]!], { txHash: txHash(1), nonce: 3, gasPrice: 7n, block: 5n });
        await s.tickets.markRedeemed(hashes[2]!, { txHash: txHash(1), block: 6n });
        await s.tickets.markDeferred(hashes[3]!, { code: 'SENDER_FUNDS', notBeforeBlock: 1_000n });
        await s.tickets.markFinal(hashes[4]!, 'dropped', { code: 'TICKET_USED', detail: 'used' });
        await s.tickets.markFinal(hashes[5]!, 'expired', { code: 'EXPIRED' });
        await s.tickets.record({ ticketHash: hashes[0]!, at: 3, kind: 'reverted', code: 'R' });
        await s.checkpoints.setCheckpoint('blocks', { block: 77n, hash: h32('7') });
        await s.checkpoints.setCheckpoint('rounds', { block: 78n, hash: h32('8') });
        return snapshot(s, hashes);
      });
      const after = await withHandles(loc, 1, (s) => snapshot(s, hashes));
      assert.deepStrictEqual(after, before);
      assert.deepEqual(after.tickets.map((t) => t?.state), ['pending', 'submitted', 'redeemed', 'pending', 'dropped', 'expired']);
    });

    it('migrations: each version is applied once, in order; reopening applies nothing again', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 1, async () => undefined);
      const first = await loc.sql('SELECT version, name, applied_at FROM store_migrations ORDER BY version');
      assert.deepEqual(first.map((r) => Number(r.version)), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
      await withHandles(loc, 2, async () => undefined);
      assert.deepEqual(await loc.sql('SELECT version, name, applied_at FROM store_migrations ORDER BY version'), first);
      // A later migration, opened twice: applied (with its data) exactly once.
      const v2: Migration = { version: SCHEMA_VERSION + 1, name: 'extra', sqlite: 'CREATE TABLE extra (x INTEGER); INSERT INTO extra (x) VALUES (1);', postgres: 'CREATE TABLE extra (x INTEGER); INSERT INTO extra (x) VALUES (1);' };
      for (let i = 0; i < 2; i++) await (await loc.openWith({ migrations: [...MIGRATIONS, v2] })).close();
      assert.deepEqual((await loc.sql('SELECT COUNT(*) AS n FROM extra')).map((r) => Number(r.n)), [1]);
      assert.deepEqual((await loc.sql('SELECT version FROM store_migrations ORDER BY version')).map((r) => Number(r.version)), [...first.map((r) => Number(r.version)), v2.version]);
    });

    it('a failing migration is rolled back whole and the store is refused with STORE_MIGRATION_FAILED', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 1, async (s) => void (await s.tickets.addWinning(winningTicket(1))));
      const bad: Migration = { version: SCHEMA_VERSION + 1, name: 'half', sqlite: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);', postgres: 'CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);' };
      await rejectsWith(loc.openWith({ migrations: [...MIGRATIONS, bad] }), 'STORE_MIGRATION_FAILED');
      await assert.rejects(loc.sql('SELECT x FROM half'), 'the half-applied table is gone');
      assert.deepEqual((await loc.sql('SELECT MAX(version) AS v FROM store_migrations')).map((r) => Number(r.v)), [SCHEMA_VERSION]);
      await withHandles(loc, 1, async (s) => assert.equal((await s.tickets.totals()).pending.count, 1));
    });

    it('a store written by newer code (higher schema version) is refused with STORE_SCHEMA_TOO_NEW', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 1, async () => undefined);
      await loc.sql(`INSERT INTO store_migrations (version, name, applied_at) VALUES (${SCHEMA_VERSION + 5}, 'from the future', 0)`);
      await rejectsWith(loc.open(), 'STORE_SCHEMA_TOO_NEW');
      // Code that knows that version opens it.
      const future = Array.from({ length: 5 }, (_, i): Migration => ({ version: SCHEMA_VERSION + 1 + i, name: `f${i}`, sqlite: 'SELECT 1', postgres: 'SELECT 1' }));
      await (await loc.openWith({ migrations: [...MIGRATIONS, ...future] })).close();
    });

    it('rows edited by hand are refused with STORE_CORRUPT_ROW, whichever column was touched', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 1, async (s) => {
        const hs: Hex32[] = [];
        for (let i = 0; i < 5; i++) hs.push((await s.tickets.addWinning(winningTicket(i, { faceValue: 1000n + BigInt(i) }))).ticketHash);
        // 0: face value raised in the ticket and its column alike (checksum and hash then disagree).
        await loc.sql(`UPDATE tickets SET ticket = replace(ticket, '"faceValue":"1000"', '"faceValue":"9000"'), face_value = 9000 WHERE ticket_hash = '${hs[0]}'`);
        // 1: not JSON at all.
        await loc.sql(`UPDATE tickets SET ticket = 'not json' WHERE ticket_hash = '${hs[1]}'`);
        // 2: the signature swapped (the ticket hash does not cover it; the checksum does).
        await loc.sql(`UPDATE tickets SET ticket = replace(ticket, '"sig":"0x', '"sig":"0xff') WHERE ticket_hash = '${hs[2]}'`);
        // 3: only the face value column.
        await loc.sql(`UPDATE tickets SET face_value = 5 WHERE ticket_hash = '${hs[3]}'`);
        for (const k of [0, 1, 2, 3]) await rejectsWith(s.tickets.get(hs[k]!), 'STORE_CORRUPT_ROW');
        await rejectsWith(s.tickets.list('pending'), 'STORE_CORRUPT_ROW');
        assert.equal((await s.tickets.get(hs[4]!))?.state, 'pending', 'untouched rows still read');
        // A transition reads the row it changes: a tampered tx hash stops it too.
        await s.tickets.markSubmitted([hs[4]!], { txHash: txHash(1), nonce: 1 });
        await loc.sql(`UPDATE tickets SET tx_hash = 'nonsense' WHERE ticket_hash = '${hs[4]}'`);
        await rejectsWith(s.tickets.markRedeemed(hs[4]!, { txHash: txHash(1) }), 'STORE_CORRUPT_ROW');
        await s.checkpoints.setCheckpoint('blocks', { block: 1n, hash: h32('1') });
        await loc.sql(`UPDATE checkpoints SET hash = 'oops' WHERE name = 'blocks'`);
        await rejectsWith(s.checkpoints.getCheckpoint('blocks'), 'STORE_CORRUPT_ROW');
      });
    });

    // PostgreSQL's markSubmitted is one UPDATE that does not decode the rows it moves: nothing to
    // refuse part way there.
    it('a batch that meets a corrupt row part way is undone whole: the rows before it stay pending', { skip: h.backend === 'postgres' }, async () => {
      const loc = await h.fresh();
      await withHandles(loc, 1, async (s) => {
        const hs: Hex32[] = [];
        for (let i = 0; i < 3; i++) hs.push((await s.tickets.addWinning(winningTicket(i))).ticketHash);
        await loc.sql(`UPDATE tickets SET tx_hash = 'nonsense' WHERE ticket_hash = '${hs[1]}'`);
        const order = [hs[0]!, hs[1]!, hs[2]!].sort();
        const [r] = await Promise.allSettled([s.tickets.markSubmitted(order, { txHash: txHash(1), nonce: 1 }), s.tickets.addWinning(winningTicket(9))]);
        assert.equal(r.status, 'rejected');
        assert.equal(((r as PromiseRejectedResult).reason as { code?: string }).code, 'STORE_CORRUPT_ROW');
        for (const x of [hs[0]!, hs[2]!]) assert.equal((await s.tickets.get(x))?.state, 'pending');
        assert.equal((await s.tickets.history(hs[0]!)).length, 1);
        assert.ok(await s.tickets.get((await s.tickets.addWinning(winningTicket(9))).ticketHash), 'the write committed with it stands');
      });
    });

    it('two handles adding the same tickets at once: each is stored once', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 2, async (a, b) => {
        const tickets = Array.from({ length: 20 }, (_, i) => winningTicket(i));
        const [ra, rb] = await Promise.all([Promise.all(tickets.map((t) => a.tickets.addWinning(t))), Promise.all(tickets.map((t) => b.tickets.addWinning(t)))]);
        for (let i = 0; i < tickets.length; i++) assert.equal(Number(ra[i]!.inserted) + Number(rb[i]!.inserted), 1, `ticket ${i} inserted once`);
        assert.equal((await a.tickets.totals()).pending.count, 20);
      });
    });

    it('two handles racing markSubmitted on the same tickets: exactly one submits each', async () => {
      const loc = await h.fresh();
      await withHandles(loc, 2, async (a, b) => {
        const hs: Hex32[] = [];
        for (let i = 0; i < 40; i++) hs.push((await a.tickets.addWinning(winningTicket(i))).ticketHash);
        // One at a time, interleaved, each handle with its own transactions …
        const one = hs.slice(0, 20);
        const [ra, rb] = await Promise.all([
          Promise.all(one.map((t, i) => a.tickets.markSubmitted([t], { txHash: txHash(1000 + i), nonce: i }))),
          Promise.all(one.map((t, i) => b.tickets.markSubmitted([t], { txHash: txHash(2000 + i), nonce: i }))),
        ]);
        // … and as overlapping batches in opposite orders (no deadlock, no double move).
        const batch = hs.slice(20);
        const [ba, bb] = await Promise.all([
          a.tickets.markSubmitted(batch, { txHash: txHash(3000), nonce: 100 }),
          b.tickets.markSubmitted([...batch].reverse(), { txHash: txHash(4000), nonce: 100 }),
        ]);
        for (let i = 0; i < one.length; i++) {
          const aWon = ra[i]!.skipped.length === 0;
          const bWon = rb[i]!.skipped.length === 0;
          assert.equal(Number(aWon) + Number(bWon), 1, `ticket ${i}: exactly one handle submitted it`);
          assert.equal((await b.tickets.get(one[i]!))?.txHash, aWon ? txHash(1000 + i) : txHash(2000 + i));
        }
        const skippedA = new Set(ba.skipped);
        const skippedB = new Set(bb.skipped);
        for (const t of batch) {
          assert.equal(Number(!skippedA.has(t)) + Number(!skippedB.has(t)), 1, `batched ${t}: exactly one handle submitted it`);
          assert.equal((await a.tickets.get(t))?.txHash, skippedA.has(t) ? txHash(4000) : txHash(3000));
        }
        for (const t of hs) assert.equal((await a.tickets.history(t)).filter((e) => e.kind === 'submitted').length, 1);
        assert.equal((await a.tickets.totals()).submitted.count, 40);
      });
    });
  });
}
