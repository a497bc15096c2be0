// The orchestrator's redemption path on a real devnet: winning tickets go to the Store the node is
// given before the payment is acknowledged, and a restarted node over the same store redeems what
// the first left (none lost, none twice: usedTickets and BondingManager fees); plus the round
// initialiser at a round's last block and a real revert decided by its decoded code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { EthError, bondingManagerAbi, connectChain, roundsManagerAbi, sendTx, startDevnet, ticketBrokerAbi, ticketBrokerRevertCode, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { localTicketSigner, recipientRandHash, ticketHashBytes, type Ticket } from '../src/pm/index.js';
import { InMemoryStore, RoundInitializer, redeemArgs, redemptionDecision } from '../src/settlement/index.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { openStore } from '../src/store/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';

describe('orchestrator redemption over a store', () => {
  let devnet: Devnet;
  let chain: ChainAdapters;
  let runner: ReferenceRunner;
  let dir: string;
  let orch: DevAccount;
  let gw: DevAccount;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orch-redeem-'));
    devnet = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
    orch = devnet.accounts.find((a) => a.role === 'orchestrator')!;
    gw = devnet.accounts.find((a) => a.role === 'gateway')!;
    chain = await connectChain({ rpcUrl: devnet.rpcUrl, controller: devnet.controller, pollMs: 100 });
    runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  });
  after(async () => {
    await runner?.close();
    chain?.close();
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const blockNumber = () => devnet.publicClient.getBlockNumber({ cacheTime: 0 });
  const start = (store: InMemoryStore | undefined, dataDir = dir) =>
    startOrchestrator({
      serviceAddr: '127.0.0.1:0',
      network: 'devnet',
      ethUrl: devnet.rpcUrl,
      ethController: devnet.controller,
      pollMs: 100,
      dataDir,
      aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: runner.modelId, url: runner.url, price_per_unit: 1 }]),
      ethPrivateKey: orch.privateKey,
      // Face value capped at 2e15 with EV 1e15: every ticket wins with probability 1/2.
      ticketEV: 10n ** 15n,
      maxFaceValue: 2n * 10n ** 15n,
      ...(store ? { store } : {}),
    });

  it('commits winners to the given store; a restarted node redeems what the first left, exactly once', async () => {
    const store = new InMemoryStore();
    const first = await start(store);
    const g = new TestGateway(gw.privateKey, chain.view, chain.senders, first.url, 'text-to-image', runner.modelId);
    await g.refresh();
    const body = JSON.stringify({ prompt: 'a lighthouse', model_id: runner.modelId, width: 64, height: 64 });
    for (let i = 0; i < 10 && first.stats().tickets.winning < 2; i++) {
      const r = await h2post(first.url, '/text-to-image', body, { 'content-type': 'application/json', ...(await g.headers(4)) });
      assert.equal(r.status, 200, r.text);
    }
    const winners = first.stats().tickets.winning;
    assert.ok(winners >= 2, `only ${winners} winning tickets in 40 at win probability 1/2`);
    // Acknowledged ⇒ stored: every winner is in the store, none redeemed yet (params not expired).
    assert.equal((await store.tickets.totals()).pending.count, winners);
    assert.equal((await first.pendingRedemptions()).length, winners);
    await first.close();
    assert.equal(store.isClosed, false, 'a store the caller gave is the caller’s to close');

    const round = await devnet.currentRound();
    const fees = () => devnet.publicClient.readContract({ address: devnet.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orch.address, round] });
    const before = await fees();
    const second = await start(store);
    try {
      await devnet.mine(41);
      await second.flushRedemptions();
      const pending = await store.tickets.list('redeemed');
      assert.equal(pending.length, winners);
      assert.equal(second.stats().redeemed.count, winners);
      const face = pending.reduce((a, t) => a + t.ticket.ticket.faceValue, 0n);
      assert.equal((await fees()) - before, face);
      for (const t of pending) {
        assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [t.ticketHash] }), true);
        assert.deepEqual((await store.tickets.history(t.ticketHash)).map((e) => e.kind), ['received', 'submitted', 'redeemed']);
      }
      assert.ok(new Set(pending.map((t) => t.txHash)).size < winners, 'batched: fewer transactions than tickets');
      assert.equal((await second.pendingRedemptions()).length, 0);
      assert.equal(second.sizes().pendingRedemptions, 0);
    } finally {
      await second.close();
    }
  });

  it('given no store, the node keeps its winners in <dataDir>/livepeer-ts.sqlite, committed before each payment is answered', async () => {
    const own = join(dir, 'own-store');
    const node = await start(undefined, own);
    let winners = 0;
    try {
      const g = new TestGateway(gw.privateKey, chain.view, chain.senders, node.url, 'text-to-image', runner.modelId);
      await g.refresh();
      const body = JSON.stringify({ prompt: 'a harbour', model_id: runner.modelId, width: 64, height: 64 });
      for (let i = 0; i < 10 && node.stats().tickets.winning < 2; i++) {
        const r = await h2post(node.url, '/text-to-image', body, { 'content-type': 'application/json', ...(await g.headers(4)) });
        assert.equal(r.status, 200, r.text);
        // Read through a second handle on the file while the node runs: answered ⇒ on disk.
        const peek = await openStore({ backend: 'sqlite', dataDir: own });
        try {
          assert.equal((await peek.tickets.totals()).pending.count, node.stats().tickets.winning);
        } finally {
          await peek.close();
        }
      }
      winners = node.stats().tickets.winning;
      assert.ok(winners >= 2, `only ${winners} winning tickets in 40 at win probability 1/2`);
    } finally {
      await node.close();
    }
    const after = await openStore({ backend: 'sqlite', dataDir: own });
    try {
      assert.equal((await after.tickets.totals()).pending.count, winners);
    } finally {
      await after.close();
    }
  });

  it('at the last block of a round, initialises the round the next transaction runs in', async () => {
    const rm = (functionName: 'currentRoundStartBlock' | 'roundLength' | 'lastInitializedRound') =>
      devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName });
    const [start, length] = [await rm('currentRoundStartBlock'), await rm('roundLength')];
    const round = await devnet.currentRound();
    await devnet.mine(start + length - 1n - (await blockNumber())); // latest = last block of this round
    const rounds = new RoundInitializer({ publicClient: devnet.publicClient, wallet: devnet.walletClient(orch), roundsManager: devnet.contracts.RoundsManager });
    assert.equal(await rounds.ensure(), true);
    assert.equal(await rm('lastInitializedRound'), round + 1n, 'the round that starts at the pending block is initialised');
  });

  it('a real revert, decoded: a ticket signed by another key is TICKET_SIGNATURE_INVALID, dropped', async () => {
    const round = await devnet.currentRound();
    const hash = await devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] });
    const ticket: Ticket = {
      recipient: orch.address,
      sender: gw.address,
      faceValue: 10n ** 12n,
      winProb: 2n ** 256n - 1n,
      senderNonce: 1n,
      recipientRandHash: recipientRandHash(7n),
      creationRound: round,
      creationRoundBlockHash: hash as `0x${string}`,
      paramsExpirationBlock: 0n,
      price: { pricePerUnit: 0n, pixelsPerUnit: 1n },
    };
    const forged = { ticket, sig: await localTicketSigner(orch.privateKey).sign(ticketHashBytes(ticket)), recipientRand: 7n, sessionId: ticket.recipientRandHash };
    const err = await sendTx(devnet.publicClient, devnet.walletClient(orch), { address: devnet.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'redeemWinningTicket', args: redeemArgs(forged) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof EthError && err.code === 'TX_REVERTED', String(err));
    assert.equal(err.reason, 'invalid signature over ticket hash');
    assert.equal(ticketBrokerRevertCode(err.reason), 'TICKET_SIGNATURE_INVALID');
    assert.equal(redemptionDecision(err), 'drop');
  });
});
