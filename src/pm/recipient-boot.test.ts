// Resuming a Recipient across runs: the boot id in the seeds it issues, which boots it takes
// tickets for, the nonce memory's snapshot/restore and seal (replays across a restart refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address } from 'viem';
import { MAX_BOOT_ID, MemoryChainView, MemorySenderInfo, NonceTracker, PmError, Recipient, SEED_RANDOM_BITS, Sender, bytesToHex, keccak256, localTicketSigner, newSeed, seedBoot } from './index.js';
import type { PriceInfo } from '../money/index.js';
import type { RecipientConfig, TicketBatch } from './index.js';

const signer = localTicketSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const O_ADDR: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const SECRET = new Uint8Array(32).fill(7);
const PRICE: PriceInfo = { pricePerUnit: 1200n, pixelsPerUnit: 1n };
const FOO = bytesToHex(keccak256(Buffer.from('foo')));

const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: FOO });
const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } }).setMaxFloat(signer.address, 10n ** 18n);

/** A Recipient as a restarted node builds it: same secret, its own boot. */
function run(boot?: RecipientConfig['boot']): Recipient {
  return new Recipient({ address: O_ADDR, secret: SECRET, chain, senders, params: { ev: 1000n, redeemGas: 1000n, txCostMultiplier: 100n }, gasPrice: { gasPrice: () => 10n }, maxFloat: senders, boot });
}

async function batchFrom(r: Recipient, n: number): Promise<{ batch: TicketBatch; g: Sender; session: string }> {
  const g = new Sender({ signer, chain, senders, maxEV: 10n ** 12n });
  const session = g.startSession(await r.ticketParams(signer.address, PRICE));
  return { batch: await g.createTicketBatch(session, n), g, session };
}

test('newSeed(boot) carries the boot in its top 64 bits; the low 192 are random', () => {
  const boot = 0x1234_5678_9abc_def0n;
  const a = newSeed(boot);
  const b = newSeed(boot);
  assert.equal(seedBoot(a), boot);
  assert.equal(seedBoot(b), boot);
  assert.notEqual(a, b);
  assert.ok(a < 1n << 256n);
  assert.equal(seedBoot(newSeed(MAX_BOOT_ID)), MAX_BOOT_ID);
  assert.equal(seedBoot(newSeed(1n)), 1n);
  assert.equal(SEED_RANDOM_BITS, 192n);
  assert.throws(() => newSeed(0n), RangeError);
  assert.throws(() => newSeed(MAX_BOOT_ID + 1n), RangeError);
});

test('params carry the boot; tickets on another boot are refused (fatal, TICKET_PARAMS_UNKNOWN_BOOT), nothing credited', async () => {
  const first = run({ id: 11n });
  const { batch } = await batchFrom(first, 2);
  assert.equal(seedBoot(batch.params.seed), 11n);
  const after = run({ id: 12n });
  const res = await after.processPayment(batch);
  assert.equal(res.error?.code, 'TICKET_PARAMS_UNKNOWN_BOOT');
  assert.equal(res.error?.fatal, true);
  assert.equal(res.aborted, true);
  assert.ok(res.credited.isZero());
  assert.equal(after.nonceCount(batch.params.recipientRandHash), 0);
  // The same batch on a Recipient of its own boot is fine (the refusal is the boot, not the ticket).
  assert.equal((await run({ id: 11n }).processPayment(batch)).error, undefined);
  // Without boot config (go-livepeer's model) any seed goes.
  assert.equal((await run().processPayment(batch)).error, undefined);
  assert.throws(() => run({ id: 0n }), RangeError);
});

test('a resumed boot with its restored nonces: replays refused, new tickets on the same params credited', async () => {
  const before = run({ id: 21n });
  const { batch, g, session } = await batchFrom(before, 3);
  const paid = await before.processPayment(batch);
  assert.equal(paid.error, undefined);
  const state = before.seal();
  assert.equal(state.latestBlock, 100n);
  assert.equal(state.paramsExpireBy, 140n);
  assert.deepEqual(state.nonces.map((e) => [e.key, e.expirationBlock, [...e.nonces].sort()]), [[batch.params.recipientRandHash.toLowerCase(), 140n, [1n, 2n, 3n]]]);
  // After seal nothing is recorded or credited.
  const late = await before.processPayment(await g.createTicketBatch(session, 1));
  assert.equal(late.error?.code, 'RECIPIENT_CLOSED');
  assert.ok(late.credited.isZero());
  assert.equal(before.seal().nonces[0]!.nonces.length, 3);

  const resumed = run({ id: 22n, resumed: [21n] });
  resumed.restoreNonces(state.nonces);
  const replay = await resumed.processPayment(batch);
  assert.equal(replay.error?.code, 'NONCE_ALREADY_SEEN');
  assert.ok(replay.credited.isZero());
  // Without the restored memory the replay would have been credited: what the restore prevents.
  assert.ok((await run({ id: 22n, resumed: [21n] }).processPayment(batch)).credited.gt(0n));
  const next = await g.createTicketBatch(session, 2); // nonces 5, 6 (4 went to the refused late batch)
  const ok = await resumed.processPayment(next);
  assert.equal(ok.error, undefined);
  assert.ok(ok.credited.eq(paid.credited.div(3n).mul(2n)));
  // Carried on: the next snapshot holds all of them.
  assert.equal(resumed.seal().nonces[0]!.nonces.length, 5);
});

test('NonceTracker snapshot keeps only unexpired entries; restore merges and is bounded; seal refuses records', () => {
  const t = new NonceTracker(3);
  assert.equal(t.record('a', 1n, 50n, 's'), null);
  assert.equal(t.record('a', 2n, 50n, 's'), null);
  assert.equal(t.record('b', 9n, 60n, 's'), null);
  assert.deepEqual(t.snapshot(49n).map((e) => e.key).sort(), ['a', 'b']);
  assert.deepEqual(t.snapshot(50n), [{ key: 'b', expirationBlock: 60n, nonces: [9n] }]);
  // The snapshot is a copy.
  t.snapshot(0n)[0]!.nonces.push(99n);
  assert.equal(t.count('a'), 2);

  const u = new NonceTracker(3);
  u.restore(t.snapshot(0n));
  assert.equal(u.record('a', 2n, 50n, 's')?.code, 'NONCE_ALREADY_SEEN');
  assert.equal(u.record('a', 3n, 50n, 's'), null);
  assert.equal(u.record('a', 4n, 50n, 's')?.code, 'NONCE_TOO_MANY');
  assert.throws(() => new NonceTracker(3).restore([{ key: 'x', expirationBlock: 1n, nonces: [1n, 2n, 3n, 4n] }]), RangeError);
  // Restored entries expire like recorded ones.
  assert.equal(u.cleanupExpired(60n), 2);
  assert.equal(u.size, 0);

  u.seal();
  const e = u.record('c', 1n, 70n, 's');
  assert.ok(e instanceof PmError);
  assert.equal(e.code, 'RECIPIENT_CLOSED');
  assert.equal(e.fatal, true);
  assert.equal(u.count('c'), 0);
  assert.throws(() => u.restore([]), PmError);
});
