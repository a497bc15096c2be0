// The store contract, once: every TicketLedger and CheckpointStore method, the state machine with
// its illegal moves, and — for the durable backends — reopening, migrations, tampered rows and two
// handles racing. sqlite.test.ts, postgres.test.ts and memory.test.ts run it against each backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { ticketHash, type Hex32 } from '../../src/pm/index.js';
import { StoreError, type Store, type StoreErrorCode } from '../../src/store/index.js';
import { txHash, winningTicket } from '../../src/store/testkit.js';
import { durableContract } from './contract-durable.js';

export interface StoreLocation {
  /** Opens a handle on this location (several may be open at once on a durable backend). */
  open(): Promise<Store>;
}

export interface DurableLocation extends StoreLocation {
  /** Opens with other schema migrations (to test the migration runner). */
  openWith(opts: { migrations: readonly import('../../src/store/index.js').Migration[] }): Promise<Store>;
  /** Runs SQL straight on the location, outside the store (to inspect or to tamper). */
  sql(text: string): Promise<Record<string, unknown>[]>;
}

export interface StoreHarness {
  backend: 'sqlite' | 'postgres' | 'memory';
  /** A new empty location. */
  fresh(): Promise<StoreLocation>;
}

export interface DurableHarness extends StoreHarness {
  backend: 'sqlite' | 'postgres';
  fresh(): Promise<DurableLocation>;
}

export const SENDER_A: Address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const SENDER_B: Address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

/** Rejects with a StoreError carrying `code` (decided by code, never by message). */
export async function rejectsWith(p: Promise<unknown> | (() => Promise<unknown>), code: StoreErrorCode): Promise<void> {
  await assert.rejects(typeof p === 'function' ? p() : p, (err: unknown) => {
    assert.ok(err instanceof StoreError, `expected a StoreError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return true;
  });
}

/** Opens a store on a fresh location, runs fn, always closes it. */
export async function withStore<T>(h: StoreHarness, fn: (s: Store, loc: StoreLocation) => Promise<T>): Promise<T> {
  const loc = await h.fresh();
  const s = await loc.open();
  try {
    return await fn(s, loc);
  } finally {
    await s.close();
  }
}

async function seed(s: Store, n: number, now = 1_000): Promise<Hex32[]> {
  const out: Hex32[] = [];
  for (let i = 0; i < n; i++) out.push((await s.tickets.addWinning(winningTicket(i), now + i)).ticketHash);
  return out;
}

const h32 = (c: string): Hex32 => `0x${c.repeat(64)}`;

export function storeContract(h: StoreHarness): void {
  describe(`store contract (${h.backend})`, () => {
    it('addWinning keeps the whole winning ticket, bigints and bytes exactly', () =>
      withStore(h, async (s) => {
        const w = winningTicket(7, { faceValue: (1n << 256n) - 1n });
        w.ticket.senderNonce = 0xffffffffn;
        const r = await s.tickets.addWinning(w, 1_700_000_000_123);
        assert.deepEqual(r, { inserted: true, ticketHash: ticketHash(w.ticket) });
        const got = await s.tickets.get(r.ticketHash);
        assert.ok(got);
        assert.deepStrictEqual(got.ticket, w);
        assert.equal(Object.getPrototypeOf(got.ticket.sig), Uint8Array.prototype);
        assert.deepEqual({ ...got, ticket: undefined }, { ticketHash: r.ticketHash, ticket: undefined, state: 'pending', receivedAt: 1_700_000_000_123, attempts: 0, updatedAt: 1_700_000_000_123 });
        assert.deepEqual(await s.tickets.history(r.ticketHash), [{ ticketHash: r.ticketHash, at: 1_700_000_000_123, kind: 'received' }]);
        assert.equal(await s.tickets.get(h32('0')), undefined);
        // Any spelling of a hash finds the row.
        assert.equal((await s.tickets.get(r.ticketHash.toUpperCase().replace('0X', '0x') as Hex32))?.ticketHash, r.ticketHash);
      }));

    it('addWinning is idempotent by ticket hash, also when the same ticket arrives concurrently', () =>
      withStore(h, async (s) => {
        const [a] = await seed(s, 1);
        await s.tickets.markSubmitted([a!], { txHash: txHash(1), nonce: 1 });
        assert.deepEqual(await s.tickets.addWinning(winningTicket(0), 9_999), { inserted: false, ticketHash: a });
        const again = await s.tickets.get(a!);
        assert.equal(again?.state, 'submitted');
        assert.equal(again?.receivedAt, 1_000);
        const results = await Promise.all([1, 2, 3, 4, 5].map(() => s.tickets.addWinning(winningTicket(42))));
        assert.equal(results.filter((r) => r.inserted).length, 1);
        assert.equal((await s.tickets.history(results[0]!.ticketHash)).filter((e) => e.kind === 'received').length, 1);
        assert.equal((await s.tickets.totals()).pending.count, 1);
      }));

    it('list returns one state, oldest first (then by hash), at most limit', () =>
      withStore(h, async (s) => {
        const hashes = await seed(s, 5);
        // Same receivedAt: ordered by hash.
        const t1 = await s.tickets.addWinning(winningTicket(100), 50);
        const t2 = await s.tickets.addWinning(winningTicket(101), 50);
        const sameTime = [t1.ticketHash, t2.ticketHash].sort();
        await s.tickets.markSubmitted([hashes[2]!], { txHash: txHash(2), nonce: 2 });
        const pending = await s.tickets.list('pending');
        assert.deepEqual(pending.map((t) => t.ticketHash), [...sameTime, hashes[0], hashes[1], hashes[3], hashes[4]]);
        assert.deepEqual((await s.tickets.list('pending', 2)).map((t) => t.ticketHash), sameTime);
        assert.deepEqual(await s.tickets.list('pending', 0), []);
        assert.deepEqual((await s.tickets.list('submitted')).map((t) => t.ticketHash), [hashes[2]]);
        assert.deepEqual(await s.tickets.list('redeemed'), []);
        await rejectsWith(s.tickets.list('lost' as never), 'STORE_INVALID_INPUT');
        await rejectsWith(s.tickets.list('pending', -1), 'STORE_INVALID_INPUT');
      }));

    it('openFaceValue sums a sender\'s pending and submitted face value exactly, whatever the address case', () =>
      withStore(h, async (s) => {
        const big = 10n ** 30n; // beyond 64 bits and beyond a double's exact range
        const a: Hex32[] = [];
        for (let i = 0; i < 5; i++) a.push((await s.tickets.addWinning(winningTicket(i, { sender: SENDER_A, faceValue: big + BigInt(i) }))).ticketHash);
        await s.tickets.addWinning(winningTicket(9, { sender: SENDER_B, faceValue: 7n }));
        await s.tickets.markSubmitted([a[1]!], { txHash: txHash(1), nonce: 1 });
        await s.tickets.markRedeemed(a[2]!, { txHash: txHash(2) });
        await s.tickets.markFinal(a[3]!, 'dropped', { code: 'X' });
        // open: a[0] (pending) + a[1] (submitted) + a[4] (pending)
        const want = big * 3n + 0n + 1n + 4n;
        assert.equal(await s.tickets.openFaceValue(SENDER_A), want);
        assert.equal(await s.tickets.openFaceValue(SENDER_A.toLowerCase() as Address), want);
        assert.equal(await s.tickets.openFaceValue(SENDER_B), 7n);
        assert.equal(await s.tickets.openFaceValue('0x0000000000000000000000000000000000000001'), 0n);
        await rejectsWith(s.tickets.openFaceValue('0x12' as Address), 'STORE_INVALID_INPUT');
      }));

    it('totals counts every state and sums face values exactly', () =>
      withStore(h, async (s) => {
        const zero = { count: 0, faceValue: 0n };
        assert.deepEqual(await s.tickets.totals(), { pending: zero, submitted: zero, redeemed: zero, dropped: zero, expired: zero });
        const fv = (1n << 255n) + 3n;
        const x: Hex32[] = [];
        for (let i = 0; i < 6; i++) x.push((await s.tickets.addWinning(winningTicket(i, { faceValue: fv }))).ticketHash);
        await s.tickets.markSubmitted([x[0]!, x[1]!], { txHash: txHash(1), nonce: 1 });
        await s.tickets.markRedeemed(x[1]!, { txHash: txHash(1) });
        await s.tickets.markFinal(x[2]!, 'dropped', { code: 'A' });
        await s.tickets.markFinal(x[3]!, 'expired', { code: 'B' });
        assert.deepEqual(await s.tickets.totals(), {
          pending: { count: 2, faceValue: fv * 2n },
          submitted: { count: 1, faceValue: fv },
          redeemed: { count: 1, faceValue: fv },
          dropped: { count: 1, faceValue: fv },
          expired: { count: 1, faceValue: fv },
        });
      }));

    it('markSubmitted moves only pending tickets and returns the rest as skipped', () =>
      withStore(h, async (s) => {
        const [a, b, c] = await seed(s, 3);
        await s.tickets.markFinal(c!, 'expired', { code: 'TICKET_EXPIRED' });
        const unknown = h32('e');
        const r = await s.tickets.markSubmitted([a!, b!, a!, c!, unknown], { txHash: txHash(5), nonce: 17, gasPrice: 12_345_678_901_234_567_890n, block: 99n });
        assert.deepEqual(new Set(r.skipped), new Set([c, unknown]));
        const got = await s.tickets.get(a!);
        assert.equal(got?.state, 'submitted');
        assert.equal(got?.txHash, txHash(5));
        assert.equal(got?.txNonce, 17);
        assert.equal(got?.attempts, 1);
        const ev = (await s.tickets.history(a!)).at(-1);
        assert.deepEqual({ ...ev, at: 0 }, { ticketHash: a, at: 0, kind: 'submitted', block: 99n, txHash: txHash(5), txNonce: 17, gasPrice: 12_345_678_901_234_567_890n });
        // Already submitted: skipped, left on its first transaction.
        assert.deepEqual((await s.tickets.markSubmitted([a!], { txHash: txHash(6), nonce: 18 })).skipped, [a]);
        assert.equal((await s.tickets.get(a!))?.txHash, txHash(5));
        assert.equal((await s.tickets.history(a!)).length, 2);
        assert.deepEqual(await s.tickets.markSubmitted([], { txHash: txHash(7), nonce: 19 }), { skipped: [] });
        await rejectsWith(s.tickets.markSubmitted([a!], { txHash: '0x12' as Hex, nonce: 1 }), 'STORE_INVALID_INPUT');
        await rejectsWith(s.tickets.markSubmitted([a!], { txHash: txHash(8), nonce: -1 }), 'STORE_INVALID_INPUT');
      }));

    it('markRedeemed: from submitted or pending; the same receipt twice is a no-op; other moves are illegal', () =>
      withStore(h, async (s) => {
        const [a, b, c, d] = await seed(s, 4);
        await s.tickets.markSubmitted([a!], { txHash: txHash(1), nonce: 4 });
        await s.tickets.markRedeemed(a!, { txHash: txHash(1), block: 120n });
        const ra = await s.tickets.get(a!);
        assert.equal(ra?.state, 'redeemed');
        assert.equal(ra?.txHash, txHash(1));
        assert.equal(ra?.txNonce, 4);
        assert.deepEqual({ ...(await s.tickets.history(a!)).at(-1), at: 0 }, { ticketHash: a, at: 0, kind: 'redeemed', block: 120n, txHash: txHash(1) });
        await s.tickets.markRedeemed(a!, { txHash: txHash(1) });
        assert.equal((await s.tickets.history(a!)).length, 3);
        await rejectsWith(s.tickets.markRedeemed(a!, { txHash: txHash(2) }), 'STORE_ILLEGAL_TRANSITION');
        await s.tickets.markRedeemed(b!, { txHash: txHash(3) }); // pending → redeemed (found on chain)
        assert.equal((await s.tickets.get(b!))?.state, 'redeemed');
        await s.tickets.markFinal(c!, 'dropped', { code: 'TICKET_USED' });
        await rejectsWith(s.tickets.markRedeemed(c!, { txHash: txHash(4) }), 'STORE_ILLEGAL_TRANSITION');
        await s.tickets.markFinal(d!, 'expired', { code: 'EXPIRED' });
        await rejectsWith(s.tickets.markRedeemed(d!, { txHash: txHash(4) }), 'STORE_ILLEGAL_TRANSITION');
        assert.equal((await s.tickets.get(c!))?.state, 'dropped');
        await rejectsWith(s.tickets.markRedeemed(h32('d'), { txHash: txHash(4) }), 'STORE_TICKET_NOT_FOUND');
      }));

    it('markDeferred: pending stays pending with its reason; submitted is requeued; finished tickets cannot be', () =>
      withStore(h, async (s) => {
        const [a, b, c] = await seed(s, 3);
        await s.tickets.markDeferred(a!, { code: 'GAS_TOO_HIGH', detail: 'gas 500 gwei > 100', notBeforeBlock: 2n ** 40n, block: 10n });
        let ra = await s.tickets.get(a!);
        assert.deepEqual([ra?.state, ra?.attempts, ra?.notBeforeBlock, ra?.reasonCode, ra?.reason], ['pending', 1, 2n ** 40n, 'GAS_TOO_HIGH', 'gas 500 gwei > 100']);
        assert.deepEqual({ ...(await s.tickets.history(a!)).at(-1), at: 0 }, { ticketHash: a, at: 0, kind: 'deferred', block: 10n, code: 'GAS_TOO_HIGH', detail: 'gas 500 gwei > 100' });
        await s.tickets.markSubmitted([a!], { txHash: txHash(1), nonce: 1 });
        ra = await s.tickets.get(a!);
        assert.deepEqual([ra?.attempts, ra?.notBeforeBlock, ra?.reasonCode], [2, undefined, undefined]);
        await s.tickets.markDeferred(a!, { code: 'TX_REPLACED' });
        ra = await s.tickets.get(a!);
        assert.deepEqual([ra?.state, ra?.attempts, ra?.txHash, ra?.txNonce, ra?.notBeforeBlock], ['pending', 2, undefined, undefined, undefined]);
        assert.deepEqual({ ...(await s.tickets.history(a!)).at(-1), at: 0 }, { ticketHash: a, at: 0, kind: 'requeued', code: 'TX_REPLACED', txHash: txHash(1), txNonce: 1 });
        // Back in pending, it can be submitted again.
        assert.deepEqual(await s.tickets.markSubmitted([a!], { txHash: txHash(2), nonce: 2 }), { skipped: [] });
        await s.tickets.markRedeemed(b!, { txHash: txHash(3) });
        await rejectsWith(s.tickets.markDeferred(b!, { code: 'X' }), 'STORE_ILLEGAL_TRANSITION');
        await s.tickets.markFinal(c!, 'expired', { code: 'X' });
        await rejectsWith(s.tickets.markDeferred(c!, { code: 'X' }), 'STORE_ILLEGAL_TRANSITION');
        await rejectsWith(s.tickets.markDeferred(h32('c'), { code: 'X' }), 'STORE_TICKET_NOT_FOUND');
        await rejectsWith(s.tickets.markDeferred(a!, { code: '' }), 'STORE_INVALID_INPUT');
      }));

    it('markFinal: pending or submitted → dropped / expired for good; repeating it is a no-op', () =>
      withStore(h, async (s) => {
        const [a, b, c] = await seed(s, 3);
        await s.tickets.markSubmitted([a!], { txHash: txHash(1), nonce: 1 });
        await s.tickets.markFinal(a!, 'dropped', { code: 'TICKET_USED', detail: 'reverted: ticket is used', block: 50n, txHash: txHash(1) });
        const ra = await s.tickets.get(a!);
        assert.deepEqual([ra?.state, ra?.reasonCode, ra?.reason, ra?.txHash], ['dropped', 'TICKET_USED', 'reverted: ticket is used', txHash(1)]);
        assert.deepEqual({ ...(await s.tickets.history(a!)).at(-1), at: 0 }, { ticketHash: a, at: 0, kind: 'dropped', block: 50n, code: 'TICKET_USED', detail: 'reverted: ticket is used', txHash: txHash(1) });
        await s.tickets.markFinal(a!, 'dropped', { code: 'TICKET_USED' });
        assert.equal((await s.tickets.history(a!)).length, 3);
        await rejectsWith(s.tickets.markFinal(a!, 'expired', { code: 'X' }), 'STORE_ILLEGAL_TRANSITION');
        await s.tickets.markFinal(b!, 'expired', { code: 'EXPIRED' });
        assert.equal((await s.tickets.get(b!))?.state, 'expired');
        assert.deepEqual((await s.tickets.markSubmitted([b!], { txHash: txHash(2), nonce: 2 })).skipped, [b]);
        await s.tickets.markRedeemed(c!, { txHash: txHash(3) });
        await rejectsWith(s.tickets.markFinal(c!, 'dropped', { code: 'X' }), 'STORE_ILLEGAL_TRANSITION');
        await rejectsWith(s.tickets.markFinal(c!, 'redeemed' as never, { code: 'X' }), 'STORE_INVALID_INPUT');
        await rejectsWith(s.tickets.markFinal(h32('b'), 'expired', { code: 'X' }), 'STORE_TICKET_NOT_FOUND');
      }));

    it('calls made together settle one by one: a refused one changes nothing, the others commit', () =>
      withStore(h, async (s) => {
        const [a, b, c] = await seed(s, 3);
        await s.tickets.markRedeemed(c!, { txHash: txHash(9) });
        const r = await Promise.allSettled([
          s.tickets.markRedeemed(a!, { txHash: txHash(1) }),
          s.tickets.markFinal(c!, 'dropped', { code: 'NOPE' }),
          s.tickets.markDeferred(h32('9'), { code: 'NOPE' }),
          s.tickets.markRedeemed(b!, { txHash: txHash(2) }),
          s.tickets.addWinning(winningTicket(50)),
        ]);
        assert.deepEqual(r.map((x) => x.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
        assert.equal(((r[1] as PromiseRejectedResult).reason as StoreError).code, 'STORE_ILLEGAL_TRANSITION');
        assert.equal(((r[2] as PromiseRejectedResult).reason as StoreError).code, 'STORE_TICKET_NOT_FOUND');
        assert.deepEqual((await Promise.all([a!, b!, c!].map((x) => s.tickets.get(x)))).map((t) => t?.state), ['redeemed', 'redeemed', 'redeemed']);
        assert.deepEqual((await s.tickets.history(c!)).map((e) => e.kind), ['received', 'redeemed']);
        assert.equal((await s.tickets.totals()).pending.count, 1);
      }));

    it('record appends to a ticket\'s history without changing it; history keeps every field in order', () =>
      withStore(h, async (s) => {
        const [a] = await seed(s, 1);
        const e1 = { ticketHash: a!, at: 5_000, kind: 'reverted' as const, block: 2n ** 62n, code: 'REVERT_UNKNOWN', detail: 'execution reverted', txHash: txHash(9), txNonce: 2 ** 40, gasPrice: 10n ** 40n };
        await s.tickets.record(e1);
        await s.tickets.record({ ticketHash: a!, at: 5_001, kind: 'deferred' });
        assert.deepEqual(await s.tickets.history(a!), [{ ticketHash: a, at: 1_000, kind: 'received' }, e1, { ticketHash: a, at: 5_001, kind: 'deferred' }]);
        assert.equal((await s.tickets.get(a!))?.state, 'pending');
        assert.deepEqual(await s.tickets.history(h32('a')), []);
        await rejectsWith(s.tickets.record({ ticketHash: h32('a'), at: 1, kind: 'deferred' }), 'STORE_TICKET_NOT_FOUND');
        await rejectsWith(s.tickets.record({ ticketHash: a!, at: 1, kind: 'exploded' as never }), 'STORE_INVALID_INPUT');
        await rejectsWith(s.tickets.record({ ticketHash: a!, at: 1, kind: 'deferred', block: -1n }), 'STORE_INVALID_INPUT');
      }));

    it('checkpoints: absent, set, overwritten, per name', () =>
      withStore(h, async (s) => {
        assert.equal(await s.checkpoints.getCheckpoint('blocks'), undefined);
        await s.checkpoints.setCheckpoint('blocks', { block: 100n, hash: h32('1') });
        await s.checkpoints.setCheckpoint('rounds', { block: 2n ** 62n, hash: h32('2') });
        await s.checkpoints.setCheckpoint('blocks', { block: 101n, hash: h32('A') });
        assert.deepEqual(await s.checkpoints.getCheckpoint('blocks'), { block: 101n, hash: h32('a') });
        assert.deepEqual(await s.checkpoints.getCheckpoint('rounds'), { block: 2n ** 62n, hash: h32('2') });
        await rejectsWith(s.checkpoints.setCheckpoint('blocks', { block: -1n, hash: h32('1') }), 'STORE_INVALID_INPUT');
        await rejectsWith(s.checkpoints.setCheckpoint('blocks', { block: 1n, hash: '0x1234' as Hex32 }), 'STORE_INVALID_INPUT');
        await rejectsWith(s.checkpoints.setCheckpoint('', { block: 1n, hash: h32('1') }), 'STORE_INVALID_INPUT');
      }));

    it('malformed tickets and hashes are refused with STORE_INVALID_INPUT, and nothing is stored', () =>
      withStore(h, async (s) => {
        const bad = winningTicket(1);
        bad.ticket.faceValue = -1n;
        await rejectsWith(s.tickets.addWinning(bad), 'STORE_INVALID_INPUT');
        const bad2 = winningTicket(2);
        (bad2 as { sig: unknown }).sig = '0x00';
        await rejectsWith(s.tickets.addWinning(bad2), 'STORE_INVALID_INPUT');
        const bad3 = winningTicket(3);
        bad3.ticket.sender = '0x1234' as Address;
        await rejectsWith(s.tickets.addWinning(bad3), 'STORE_INVALID_INPUT');
        await rejectsWith(s.tickets.get('0xzz' as Hex32), 'STORE_INVALID_INPUT');
        // A bad argument among concurrent writes fails that call only.
        const [x, y] = await Promise.allSettled([s.tickets.addWinning(winningTicket(4), 1.5), s.tickets.addWinning(winningTicket(5))]);
        assert.deepEqual([x.status, y.status], ['rejected', 'fulfilled']);
        assert.equal(((x as PromiseRejectedResult).reason as StoreError).code, 'STORE_INVALID_INPUT');
        assert.equal((await s.tickets.totals()).pending.count, 1);
      }));

    it('a closed store refuses every call with STORE_CLOSED; close twice is fine', async () => {
      const loc = await h.fresh();
      const s = await loc.open();
      await s.close();
      await s.close();
      await rejectsWith(s.tickets.addWinning(winningTicket(1)), 'STORE_CLOSED');
      await rejectsWith(s.tickets.list('pending'), 'STORE_CLOSED');
      await rejectsWith(s.tickets.markSubmitted([h32('1')], { txHash: txHash(1), nonce: 1 }), 'STORE_CLOSED');
      await rejectsWith(s.checkpoints.getCheckpoint('x'), 'STORE_CLOSED');
    });

    it('describe names the backend and its durability promise', () =>
      withStore(h, async (s) => {
        const d = s.describe();
        assert.equal(d.backend, h.backend);
        assert.ok(d.location.length > 0);
        if (h.backend === 'sqlite') assert.match(d.durability, /synchronous=FULL.*power loss/);
        if (h.backend === 'postgres') assert.match(d.durability, /synchronous_commit=on/);
        if (h.backend === 'postgres') assert.doesNotMatch(d.location, /:[0-9a-f]{24}@/, 'the password is not shown');
      }));

    if (h.backend !== 'memory') durableContract(h as DurableHarness);
  });
}
