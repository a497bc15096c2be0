// The redemption queue on a real anvil devnet with the protocol contracts, over the store the
// factory gives (the same suite runs on every Store implementation): batching, pipelining with
// managed nonces, gas-aware deferral, sender funds, drops by decoded revert code, params expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFunctionData, parseEther, parseGwei } from 'viem';
import { roundsManagerAbi, ticketBrokerAbi } from '../../src/eth/index.js';
import { localTicketSigner, ticketHashBytes, type WinningTicket } from '../../src/pm/index.js';
import { NonceManager, redeemArgs } from '../../src/settlement/index.js';
import type { StoreFactory } from '../../src/settlement/redemption/testkit.js';
import type { Store } from '../../src/store/index.js';
import { fees, hashOf, hex, queue, rounds, rpc, suiteEnv, used, winningTicket, type Env } from './helpers.js';

export function redemptionQueueSuite(backend: string, factory: StoreFactory): void {
  describe(`redemption queue on the devnet (${backend} store)`, () => {
    let env: Env;
    const fresh = suiteEnv(factory, (e) => (env = e));

    const state = async (s: Store, w: WinningTicket) => (await s.tickets.get(hashOf(w)))?.state;

    it('batches: 5 tickets in 2 transactions (batchRedeemWinningTickets), every one used, fees up by their sum', async () => {
      const store = await fresh();
      const ws: WinningTicket[] = [];
      for (let i = 0; i < 5; i++) ws.push(await winningTicket(env, { faceValue: parseEther('0.01') + BigInt(i) }));
      const { q, of } = queue(env, store, { maxBatch: 3 });
      for (const w of ws) await q.onWinningTicket(w);
      const before = await fees(env);
      await q.flush();
      const want = ws.reduce((a, w) => a + w.ticket.faceValue, 0n);
      assert.equal((await fees(env)) - before, want);
      for (const w of ws) {
        assert.equal(await used(env, w), true);
        assert.equal(await state(store, w), 'redeemed');
      }
      const txs = [...new Set(of('redeemed').map((o) => o.txHash!))];
      assert.equal(txs.length, 2, 'ceil(5 / 3) transactions');
      const calls = await Promise.all(txs.map(async (h) => decodeFunctionData({ abi: ticketBrokerAbi, data: (await env.dev.publicClient.getTransaction({ hash: h })).input }).functionName));
      assert.deepEqual(calls.sort(), ['batchRedeemWinningTickets', 'batchRedeemWinningTickets']);
      assert.equal(await store.tickets.openFaceValue(env.gateways[0]!.address), 0n);
      assert.equal(q.pendingFor(env.gateways[0]!.address), 0n);
      const h = (await store.tickets.history(hashOf(ws[0]!))).map((e) => e.kind);
      assert.deepEqual(h, ['received', 'submitted', 'redeemed']);
    });

    it('pipelines: three transactions in flight at once with consecutive nonces, no receipt awaited', async () => {
      const store = await fresh();
      const ws: WinningTicket[] = [];
      for (let i = 0; i < 6; i++) ws.push(await winningTicket(env));
      const { q, of } = queue(env, store, { maxBatch: 2 });
      for (const w of ws) await q.onWinningTicket(w);
      const before = await fees(env);
      await rpc(env, 'evm_setAutomine', [false]);
      try {
        await q.kick();
        const sent = [...new Set(of('submitted').map((o) => o.txHash!))];
        assert.equal(sent.length, 3);
        const txs = await Promise.all(sent.map((hash) => env.dev.publicClient.getTransaction({ hash })));
        for (const tx of txs) assert.equal(tx.blockNumber, null, 'still in the mempool');
        const nonces = txs.map((t) => t.nonce).sort((a, b) => a - b);
        assert.deepEqual(nonces, [nonces[0]!, nonces[0]! + 1, nonces[0]! + 2]);
        for (const w of ws) assert.equal(await state(store, w), 'submitted');
        await q.kick(); // same block: nothing more is sent, nothing is reconciled away
        assert.equal(new Set(of('submitted').map((o) => o.txHash)).size, 3);
        await rpc(env, 'evm_mine');
      } finally {
        await rpc(env, 'evm_setAutomine', [true]);
      }
      await q.kick();
      for (const w of ws) assert.equal(await state(store, w), 'redeemed');
      assert.equal((await fees(env)) - before, ws.reduce((a, w) => a + w.ticket.faceValue, 0n));
    });

    it('more due than a pass can send: only what its free slots carry is simulated; the rest goes in the next block’s pass', async () => {
      const store = await fresh();
      const ws: WinningTicket[] = [];
      for (let i = 0; i < 7; i++) ws.push(await winningTicket(env));
      // Counts the queue's single-ticket simulations (batches are estimated as batchRedeemWinningTickets).
      const pc = env.dev.publicClient;
      let singles = 0;
      const counting = {
        ...pc,
        estimateContractGas: ((args: Parameters<typeof pc.estimateContractGas>[0]) => {
          if (args.functionName === 'redeemWinningTicket') singles++;
          return pc.estimateContractGas(args);
        }) as typeof pc.estimateContractGas,
      } as typeof pc;
      const { q, of } = queue(env, store, { publicClient: counting, maxBatch: 2, maxInFlight: 2 });
      for (const w of ws) await q.onWinningTicket(w);
      await rpc(env, 'evm_setAutomine', [false]);
      try {
        await q.kick();
        assert.equal(new Set(of('submitted').map((o) => o.txHash)).size, 2, 'two slots, two transactions');
        assert.equal(of('submitted').length, 4);
        assert.equal(singles, 4, '2 slots × 2 per batch simulated, not all 7');
        const waiting = [];
        for (const w of ws) if ((await state(store, w)) === 'pending') waiting.push(w);
        assert.equal(waiting.length, 3);
        for (const w of waiting) assert.deepEqual((await store.tickets.history(hashOf(w))).map((e) => e.kind), ['received'], 'left untouched');
        await rpc(env, 'evm_mine');
        await q.kick();
        assert.equal(of('submitted').length, 7, 'the next block: the other three, in the two freed slots');
        await rpc(env, 'evm_mine');
      } finally {
        await rpc(env, 'evm_setAutomine', [true]);
      }
      await q.flush();
      for (const w of ws) assert.equal(await state(store, w), 'redeemed');
    });

    it('in a round’s last blocks a ticket that can wait for the next round is held; one in its last round goes now', async () => {
      const store = await fresh();
      const { dev } = env;
      const read = (functionName: 'currentRoundStartBlock' | 'roundLength') => dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName });
      const round = await dev.currentRound();
      const canWait = await winningTicket(env);
      const lastRound = await winningTicket(env, { creationRound: round - 1n });
      const { q, of } = queue(env, store, { roundEndGuard: 4n });
      await q.onWinningTicket(canWait);
      await q.onWinningTicket(lastRound);
      // The pending block 2 blocks before the next round starts.
      const end = (await read('currentRoundStartBlock')) + (await read('roundLength'));
      await dev.mine(end - (await dev.publicClient.getBlockNumber({ cacheTime: 0 })) - 3n);
      try {
        await q.kick();
        assert.equal(await state(store, lastRound), 'submitted', 'its round is ending: sent now');
        assert.equal(await state(store, canWait), 'pending');
        assert.deepEqual((await store.tickets.history(hashOf(canWait))).map((e) => e.kind), ['received'], 'held without a write');
        assert.equal(await dev.currentRound(), round, 'still the same round');
      } finally {
        // The next round, initialised (the other tests need one either way): it goes.
        await dev.advanceRounds(1);
      }
      await q.flush();
      assert.equal(await state(store, canWait), 'redeemed');
      assert.equal(new Set(of('redeemed').map((o) => o.txHash)).size, 2);
    });

    it('waits for the params to expire: recipientRand stays secret until paramsExpirationBlock ≤ the latest block', async () => {
      const store = await fresh();
      const w = await winningTicket(env, { paramsExpireIn: 5n });
      const { q, of } = queue(env, store);
      await q.onWinningTicket(w);
      await q.flush();
      assert.equal(of('submitted').length, 0);
      assert.equal(await state(store, w), 'pending');
      assert.deepEqual((await store.tickets.history(hashOf(w))).map((e) => e.kind), ['received'], 'waiting writes nothing');
      await env.dev.mine(5);
      await q.flush();
      assert.equal(await state(store, w), 'redeemed');
    });

    it('a chain view whose L1 block lags the head: the pass its block event asks for is not skipped as "this block was done"', async () => {
      const store = await fresh();
      const w = await winningTicket(env, { paramsExpireIn: 5n });
      // The view's latest L1 block, as the node's follower reports it: behind the RPC head here.
      let viewL1 = await env.dev.publicClient.getBlockNumber({ cacheTime: 0 });
      const { q, of } = queue(env, store, { latestL1Block: () => viewL1 });
      await q.onWinningTicket(w);
      await env.dev.mine(5);
      // A pass (e.g. kicked by a queued ticket) reads the new head while the view is still behind:
      // for it the params have not expired yet.
      await q.kick();
      assert.equal(await state(store, w), 'pending');
      // The view catches up with no further block; its block event kicks the queue again.
      viewL1 = await env.dev.publicClient.getBlockNumber({ cacheTime: 0 });
      await q.kick();
      assert.notEqual(await state(store, w), 'pending', 'sent on the view\'s block event');
      assert.equal(of('submitted').length, 1);
      await q.flush();
      assert.equal(await state(store, w), 'redeemed');
    });

    it('gas made expensive: a low-value ticket waits (recorded once), a valuable one goes; the cheap one goes when gas falls', async () => {
      const store = await fresh();
      const cheap = await winningTicket(env, { faceValue: parseEther('0.001') });
      const dear = await winningTicket(env, { faceValue: parseEther('0.5') });
      const { q } = queue(env, store);
      await q.onWinningTicket(cheap);
      await q.onWinningTicket(dear);
      // ≈ 1000 gwei × ~150k gas ≈ 0.15 ETH per redemption: above 0.001 ETH, below 0.5 ETH.
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1000'))]);
      await q.flush();
      assert.equal(await state(store, dear), 'redeemed');
      const c = await store.tickets.get(hashOf(cheap));
      assert.equal(c?.state, 'pending');
      assert.equal(c?.reasonCode, 'GAS_COST_ABOVE_VALUE');
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1000'))]);
      await env.dev.mine(1);
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1000'))]);
      await q.flush();
      const deferrals = (await store.tickets.history(hashOf(cheap))).filter((e) => e.kind === 'deferred');
      assert.equal(deferrals.length, 1, 'one line while the reason stays the same');
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1'))]);
      await env.dev.mine(1);
      await q.flush();
      assert.equal(await state(store, cheap), 'redeemed');
    });

    it('-maxGasPrice: nothing is sent above it (GAS_PRICE_ABOVE_MAX), and it is once the price is below', async () => {
      const store = await fresh();
      const w = await winningTicket(env, { faceValue: parseEther('0.5') });
      const { q } = queue(env, store, { maxGasPrice: parseGwei('50') });
      await q.onWinningTicket(w);
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('100'))]);
      await q.flush();
      assert.equal((await store.tickets.get(hashOf(w)))?.reasonCode, 'GAS_PRICE_ABOVE_MAX');
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1'))]);
      await env.dev.mine(1);
      await q.flush();
      assert.equal(await state(store, w), 'redeemed');
    });

    it('a ticket kept waiting by gas expires with the reason it waited for; in its last round the multiplier no longer applies', async () => {
      const store = await fresh();
      const first = await winningTicket(env, { faceValue: parseEther('0.002') });
      const second = await winningTicket(env, { faceValue: parseEther('0.002') });
      // ~0.0003 ETH of gas at 2 gwei: worth it once (last round), not ×100 (before it).
      const { q } = queue(env, store, { costMultiplier: 100n });
      await q.onWinningTicket(first);
      await q.onWinningTicket(second);
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1'))]);
      await q.flush();
      assert.equal((await store.tickets.get(hashOf(first)))?.reasonCode, 'GAS_COST_ABOVE_VALUE');
      // The next round is the last of the two-round validity period: redeemed at gas × 1.
      await env.dev.advanceRounds(1);
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1'))]);
      const before = await fees(env);
      await q.onWinningTicket(await winningTicket(env, { faceValue: 1n })); // worth nothing even then
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('100000'))]);
      await q.flush();
      assert.equal((await store.tickets.get(hashOf(first)))?.state, 'pending', 'at 100000 gwei not even once');
      await rpc(env, 'anvil_setNextBlockBaseFeePerGas', [hex(parseGwei('1'))]);
      await env.dev.mine(1);
      await q.flush();
      assert.equal(await state(store, first), 'redeemed');
      assert.equal(await state(store, second), 'redeemed');
      assert.equal((await fees(env)) - before, parseEther('0.004'));
      // Kept waiting into the round after its last: expired, with the reason it waited for.
      const late = await winningTicket(env, { faceValue: 1n });
      await q.onWinningTicket(late);
      await q.flush();
      assert.equal((await store.tickets.get(hashOf(late)))?.reasonCode, 'GAS_COST_ABOVE_VALUE');
      await env.dev.advanceRounds(2);
      await q.flush();
      const t = await store.tickets.get(hashOf(late));
      assert.equal(t?.state, 'expired');
      assert.equal(t?.reasonCode, 'TICKET_EXPIRED');
      assert.match(t?.reason ?? '', /last deferred: GAS_COST_ABOVE_VALUE/);
      assert.equal(await used(env, late), false);
    });

    it('defers a sender that cannot pay yet (no funds, part of the face value), and redeems once it tops up', async () => {
      const store = await fresh();
      const [poor, partial] = env.users;
      const a = await winningTicket(env, { sender: poor, faceValue: parseEther('0.1') });
      const b = await winningTicket(env, { sender: partial, faceValue: parseEther('0.1') });
      await env.dev.send(partial!, { address: env.dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'fundDeposit', args: [], value: parseEther('0.04') });
      const { q } = queue(env, store);
      await q.onWinningTicket(a);
      await q.onWinningTicket(b);
      await q.flush();
      const sa = await store.tickets.get(hashOf(a));
      const sb = await store.tickets.get(hashOf(b));
      assert.deepEqual([sa?.state, sa?.reasonCode], ['pending', 'SENDER_FUNDS_ZERO'], 'the revert, decoded: deferred, not dropped');
      assert.deepEqual([sb?.state, sb?.reasonCode], ['pending', 'SENDER_CANNOT_COVER']);
      assert.equal(await used(env, b), false, 'not redeemed for part of its value');
      const before = await fees(env);
      for (const who of [poor!, partial!]) {
        await env.dev.send(who, { address: env.dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'fundDeposit', args: [], value: parseEther('0.2') });
      }
      await q.flush();
      assert.equal(await state(store, a), 'redeemed');
      assert.equal(await state(store, b), 'redeemed');
      assert.equal((await fees(env)) - before, parseEther('0.2'));
    });

    it('drops only on permanent reverts, by decoded code; the good tickets of the same pass are redeemed', async () => {
      const store = await fresh();
      const good = await winningTicket(env);
      const other = await winningTicket(env);
      const forged: WinningTicket = { ...(await winningTicket(env)), sig: await localTicketSigner(env.orch.privateKey).sign(ticketHashBytes(good.ticket)) };
      const wrongRand: WinningTicket = { ...(await winningTicket(env)), recipientRand: 42n };
      const { q, of } = queue(env, store);
      for (const w of [good, forged, wrongRand, other]) await q.onWinningTicket(w);
      await q.flush();
      assert.equal(await state(store, good), 'redeemed');
      assert.equal(await state(store, other), 'redeemed');
      const f = await store.tickets.get(hashOf(forged));
      const r = await store.tickets.get(hashOf(wrongRand));
      assert.deepEqual([f?.state, f?.reasonCode, f?.reason], ['dropped', 'TICKET_SIGNATURE_INVALID', 'invalid signature over ticket hash']);
      assert.deepEqual([r?.state, r?.reasonCode], ['dropped', 'RECIPIENT_RAND_MISMATCH']);
      assert.equal(of('dropped').length, 2);
      // The same ticket again (another queue, another store): "ticket is used" drops it.
      const again = queue(env, await fresh());
      await again.q.onWinningTicket(good);
      await again.q.flush();
      assert.deepEqual(again.of('dropped').map((o) => o.code), ['TICKET_USED']);
    });

    it('a ticket redeemed by someone else while our batch was on its way: the batch skips it, and it is not counted as ours', async () => {
      const store = await fresh();
      const ours = await winningTicket(env);
      const taken = await winningTicket(env);
      const third = env.users[3]!;
      const { q } = queue(env, store, {
        hooks: {
          // After our record, before our broadcast: anyone may submit a winning ticket.
          signed: async () => {
            await env.dev.send(third, { address: env.dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'redeemWinningTicket', args: redeemArgs(taken) });
          },
        },
      });
      await q.onWinningTicket(ours);
      await q.onWinningTicket(taken);
      await q.flush();
      assert.equal(await state(store, ours), 'redeemed');
      const t = await store.tickets.get(hashOf(taken));
      assert.deepEqual([t?.state, t?.reasonCode], ['dropped', 'REDEEMED_ELSEWHERE']);
    });

    it('an uninitialised round: initialised through the hook and redeemed; without it, deferred until someone does', async () => {
      const store = await fresh();
      const a = await winningTicket(env);
      await env.dev.mineToNextRound();
      const { q } = queue(env, store);
      await q.onWinningTicket(a);
      await q.flush();
      assert.deepEqual([(await store.tickets.get(hashOf(a)))?.state, (await store.tickets.get(hashOf(a)))?.reasonCode], ['pending', 'ROUND_NOT_INITIALIZED']);
      const nonces = new NonceManager({ publicClient: env.dev.publicClient, address: env.orch.address });
      const r = rounds(env, nonces);
      const withHook = queue(env, store, { nonces, ensureRoundInitialized: () => r.ensure() });
      await withHook.q.flush();
      assert.equal(await state(store, a), 'redeemed');
      const b = await winningTicket(env);
      await env.dev.mineToNextRound();
      await withHook.q.onWinningTicket(b);
      await withHook.q.flush();
      assert.equal(await state(store, b), 'redeemed');
      assert.equal(withHook.q.status().requeued, 0, 'the initialiser took its nonce from the same lane: no collision');
    });

    it('the sink commits before it returns, once per ticket; a closed queue refuses', async () => {
      const store = await fresh();
      const w = await winningTicket(env, { paramsExpireIn: 100n });
      const { q } = queue(env, store);
      await q.onWinningTicket(w);
      assert.equal((await store.tickets.get(hashOf(w)))?.state, 'pending');
      await q.onWinningTicket(w);
      assert.equal((await store.tickets.totals()).pending.count, 1);
      assert.equal(q.pendingFor(w.ticket.sender), w.ticket.faceValue);
      await q.close();
      await assert.rejects(q.onWinningTicket(await winningTicket(env)), (e: Error & { code?: string }) => e.code === 'QUEUE_CLOSED');
    });
  });
}
