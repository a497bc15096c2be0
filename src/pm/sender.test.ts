// Gateway side: sessions, nonces, batch signing, and every §5 parameter check (go-livepeer sender_test.go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address, Hex } from 'viem';
import { Rat } from '../money/index.js';
import {
  MAX_WIN_PROB,
  MemoryChainView,
  MemorySenderInfo,
  PmError,
  Sender,
  batchTickets,
  bytesToHex,
  keccak256,
  localTicketSigner,
  ticketHashBytes,
  ticketsForFee,
  verifyTicketSig,
} from './index.js';
import type { SenderConfig, TicketParams, TicketSigner } from './index.js';

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const FOO: Hex = bytesToHex(keccak256(Buffer.from('foo')));
const RECIPIENT: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

function params(over: Partial<TicketParams> = {}): TicketParams {
  return {
    recipient: RECIPIENT,
    faceValue: 1000n,
    winProb: MAX_WIN_PROB / 1000n, // EV ≈ 1
    recipientRandHash: FOO,
    seed: 77n,
    expirationBlock: 140n,
    price: { pricePerUnit: 1n, pixelsPerUnit: 1n },
    expirationParams: { creationRound: 5n, creationRoundBlockHash: FOO },
    ...over,
  };
}

function setup(over: Partial<SenderConfig> = {}, info: { deposit?: bigint; reserve?: bigint; withdrawRound?: bigint } = {}) {
  const signer = localTicketSigner(KEY);
  const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: FOO });
  const senders = new MemorySenderInfo().set(signer.address, {
    deposit: info.deposit ?? 10n ** 18n,
    withdrawRound: info.withdrawRound ?? 0n,
    reserve: { fundsRemaining: info.reserve ?? 10n ** 18n },
  });
  const sender = new Sender({ signer, chain, senders, maxEV: 100n, ...over });
  return { signer, chain, senders, sender };
}

async function rejects(p: Promise<unknown>, code: string, msg?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PmError, String(e));
    assert.equal(e.code, code);
    if (msg) assert.match(e.message, msg);
    assert.equal(e.fatal, false);
    return true;
  });
}

test('first ticket of a session has nonce 1; nonces increase; each sig is over its ticket hash', async () => {
  const { sender, signer } = setup();
  const id = sender.startSession(params());
  assert.equal(id, FOO);
  const b1 = await sender.createTicketBatch(id, 3);
  const b2 = await sender.createTicketBatch(id, 2);
  assert.deepEqual(b1.senderParams.map((p) => p.senderNonce), [1n, 2n, 3n]);
  assert.deepEqual(b2.senderParams.map((p) => p.senderNonce), [4n, 5n]);
  assert.equal(sender.nonce(id), 5n);
  for (const { ticket, sig } of batchTickets(b1)) {
    assert.equal(ticket.sender, signer.address);
    assert.equal(verifyTicketSig(signer.address, ticketHashBytes(ticket), sig), null);
  }
});

test('startSessionWithNonce continues after the given nonce; unknown sessions are refused', async () => {
  const { sender } = setup();
  const id = sender.startSessionWithNonce(params(), 10);
  const b = await sender.createTicketBatch(id, 1);
  assert.equal(b.senderParams[0]!.senderNonce, 11n);
  await rejects(sender.createTicketBatch('0x1234', 1), 'SESSION_NOT_FOUND');
  sender.cleanupSession(id);
  assert.equal(sender.hasSession(id), false);
});

test('nonces stay unique under 200 concurrent createTicketBatch calls with async sender info and signer', async () => {
  const base = setup();
  const tick = () => new Promise<void>((r) => setImmediate(r));
  const slowSigner: TicketSigner = {
    address: base.signer.address,
    sign: async (h) => {
      await tick();
      return base.signer.sign(h);
    },
  };
  const sender = new Sender({
    signer: slowSigner,
    chain: base.chain,
    senders: { getSenderInfo: async (a) => (await tick(), base.senders.getSenderInfo(a)) },
    maxEV: 100n,
  });
  const id = sender.startSession(params());
  const sizes = Array.from({ length: 200 }, (_, i) => 1 + (i % 3));
  const batches = await Promise.all(sizes.map((n) => sender.createTicketBatch(id, n)));
  const nonces = batches.flatMap((b) => b.senderParams.map((p) => p.senderNonce));
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.equal(nonces.length, total);
  assert.equal(new Set(nonces).size, total);
  assert.deepEqual([...nonces].sort((a, b) => (a < b ? -1 : 1)), Array.from({ length: total }, (_, i) => BigInt(i + 1)));
});

test('nonce overflow past 2^32−1 is refused; signing failures are wrapped', async () => {
  const { sender, chain, senders } = setup();
  const id = sender.startSessionWithNonce(params(), 2n ** 32n - 2n);
  await rejects(sender.createTicketBatch(id, 2), 'NONCE_OVERFLOW');
  const b = await sender.createTicketBatch(id, 1);
  assert.equal(b.senderParams[0]!.senderNonce, 2n ** 32n - 1n);
  const bad = new Sender({ signer: { address: sender.address, sign: () => { throw new Error('hsm offline'); } }, chain, senders, maxEV: 100n });
  await rejects(bad.createTicketBatch(bad.startSession(params()), 1), 'SIGN_FAILED', /error signing ticket for session: .*hsm offline/);
});

test('missing creation round data is filled from the chain view (go-livepeer fallback)', async () => {
  const { sender, chain } = setup();
  chain.round = 9n;
  const id = sender.startSession(params({ expirationParams: { creationRound: 0n, creationRoundBlockHash: FOO } }));
  const b = await sender.createTicketBatch(id, 1);
  assert.deepEqual(b.expirationParams, { creationRound: 9n, creationRoundBlockHash: FOO });
});

test('validateTicketParams: nil, expiration 0 (even with winProb max), expired', async () => {
  const { sender } = setup();
  await rejects(sender.validateTicketParams(null, 1), 'TICKET_PARAMS_NIL', /ticketParams is nil/);
  await rejects(sender.validateTicketParams(params({ expirationBlock: 0n }), 1), 'TICKET_PARAMS_EXPIRATION_ZERO', /ticketParams expiration block is 0/);
  await rejects(sender.validateTicketParams(params({ expirationBlock: 0n, winProb: MAX_WIN_PROB }), 1), 'TICKET_PARAMS_EXPIRATION_ZERO');
  for (const b of [1n, 99n, 100n, 101n]) {
    await rejects(sender.validateTicketParams(params({ expirationBlock: b }), 1), 'TICKET_PARAMS_EXPIRED', /TicketParams expired/);
  }
  await sender.validateTicketParams(params({ expirationBlock: 102n }), 1);
  await sender.validateTicketParams(params({ expirationBlock: 105n }), 1);
});

test('validateTicketParams: EV ≤ 0 is accepted without further checks', async () => {
  const { sender } = setup({}, { deposit: 0n, reserve: 0n, withdrawRound: 1n });
  await sender.validateTicketParams(params({ winProb: 0n }), 1);
  await sender.validateTicketParams(params({ faceValue: 0n }), 1);
});

test('validateTicketParams: face value too low (always-winning params), EV above max', async () => {
  const { sender } = setup({ maxEV: 1n });
  await rejects(sender.validateTicketParams(params({ winProb: MAX_WIN_PROB }), 1), 'FACE_VALUE_TOO_LOW', /ticket faceValue too low faceValue=1000/);
  await rejects(
    sender.validateTicketParams(params({ faceValue: 202n, winProb: MAX_WIN_PROB / 2n }), 1),
    'EV_TOO_HIGH',
    /ticket EV 101\.00000 > max ticket EV 1\.00000/,
  );
  const fractional = setup({ maxEV: Rat.of(1n, 2n) }).sender;
  await rejects(fractional.validateTicketParams(params(), 1), 'EV_TOO_HIGH', /max ticket EV 0\.50000/);
});

test('validateTicketParams: sender validation (unlock soon, no reserve, no deposit)', async () => {
  for (const w of [4n, 6n, 2n]) {
    await rejects(setup({}, { withdrawRound: w }).sender.validateTicketParams(params(), 1), 'SENDER_UNLOCK_SOON', /unable to validate sender: deposit and reserve is set to unlock soon/);
  }
  for (const w of [0n, 7n, 100n]) await setup({}, { withdrawRound: w }).sender.validateTicketParams(params(), 1);
  await rejects(setup({}, { reserve: 0n }).sender.validateTicketParams(params(), 1), 'NO_SENDER_RESERVE', /no sender reserve/);
  await rejects(setup({}, { deposit: 0n }).sender.validateTicketParams(params(), 1), 'NO_SENDER_DEPOSIT', /no sender deposit/);
});

test('validateTicketParams: total EV for the batch above maxTotalEV', async () => {
  const { sender } = setup({ maxEV: 1000n, maxTotalEV: 200n });
  const p = params({ faceValue: 202n, winProb: MAX_WIN_PROB / 2n });
  await sender.validateTicketParams(p, 1);
  await rejects(sender.validateTicketParams(p, 2), 'TOTAL_EV_TOO_HIGH', /total ticket EV 202\.00000 for 2 tickets > max total ticket EV 200\.00000/);
});

test('validateTicketParams: face value above deposit / depositMultiplier', async () => {
  const p = params({ faceValue: 2224n, winProb: MAX_WIN_PROB / 2224n });
  await rejects(setup({ depositMultiplier: 2n }, { deposit: 1n }).sender.validateTicketParams(p, 1), 'FACE_VALUE_TOO_HIGH', /ticket faceValue 2224 > max faceValue 0/);
  await rejects(setup({}, { deposit: 1n }).sender.validateTicketParams(p, 1), 'FACE_VALUE_TOO_HIGH', /max faceValue 1/);
  await setup({}, { deposit: 2224n }).sender.validateTicketParams(p, 1);
  const p100 = params({ faceValue: 100n, winProb: MAX_WIN_PROB / 100n });
  await rejects(setup({ depositMultiplier: 5n }, { deposit: 300n }).sender.validateTicketParams(p100, 1), 'FACE_VALUE_TOO_HIGH', /max faceValue 60/);
  const p200 = params({ faceValue: 200n, winProb: MAX_WIN_PROB / 200n });
  await setup({ depositMultiplier: 2n }, { deposit: 400n }).sender.validateTicketParams(p200, 1);
  await setup({ depositMultiplier: 2n }, { deposit: 402n }).sender.validateTicketParams(p200, 1);
  await rejects(setup({ depositMultiplier: 2n }, { deposit: 399n }).sender.validateTicketParams(p200, 1), 'FACE_VALUE_TOO_HIGH');
  await rejects(setup({ depositMultiplier: 2n }, { deposit: 0n }).sender.validateTicketParams(p200, 1), 'NO_SENDER_DEPOSIT');
});

test('createTicketBatch validates before using nonces', async () => {
  const { sender, chain } = setup();
  const id = sender.startSession(params());
  chain.l1Block = 200n;
  await rejects(sender.createTicketBatch(id, 1), 'TICKET_PARAMS_EXPIRED');
  assert.equal(sender.nonce(id), 0n);
});

test('ticketsForFee matches go-livepeer StageUpdate examples', () => {
  assert.equal(ticketsForFee(5n, 1n, 1n), 4);
  assert.equal(ticketsForFee(2n, Rat.of(1n, 4n), 1n), 2);
  assert.equal(ticketsForFee(2n, -5n, 1n), 7);
  assert.equal(ticketsForFee(2n, 0n, 1n), 2);
  assert.equal(ticketsForFee(2n, 2n, 1n), 0);
  assert.equal(ticketsForFee(Rat.of(10n, 3n), 0n, Rat.of(1n, 3n)), 10);
  assert.throws(() => ticketsForFee(1n, 0n, 0n), RangeError);
});

test('session EV is exact', () => {
  const { sender } = setup();
  const id = sender.startSession(params({ faceValue: 1000n, winProb: MAX_WIN_PROB }));
  assert.equal(sender.ev(id).toString(), '1000');
});

const hashOf = (i: number): Hex => bytesToHex(keccak256(Buffer.from(`rand-${i}`)));

test('endSession drops the session: its nonces can no longer be used', async () => {
  const { sender } = setup();
  const id = sender.startSession(params());
  assert.equal(sender.sessionCount, 1);
  sender.endSession(id);
  assert.equal(sender.sessionCount, 0);
  assert.equal(sender.hasSession(id), false);
  await rejects(sender.createTicketBatch(id, 1), 'SESSION_NOT_FOUND');
});

test('sessions whose params expired are dropped when a new session starts: one per refresh stays bounded', () => {
  const { sender, chain } = setup();
  // A refresh per block, each with params valid for 20 blocks: only those still valid are kept.
  for (let i = 0; i < 1000; i++) {
    chain.l1Block = 100n + BigInt(i);
    sender.startSession(params({ recipientRandHash: hashOf(i), expirationBlock: chain.l1Block + 20n }));
  }
  assert.ok(sender.sessionCount <= 20, `${sender.sessionCount} sessions held`);
  assert.ok(sender.hasSession(hashOf(999)));
  assert.equal(sender.hasSession(hashOf(0)), false);
  const held = sender.sessionCount;
  chain.l1Block += 100n;
  assert.equal(sender.sweepExpired(), held);
  assert.equal(sender.sessionCount, 0);
});
