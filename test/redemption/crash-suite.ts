// Restarts and failures of the redemption queue on a real devnet, over the store the factory gives:
// a "crash" (the queue stops dead at a hook and a new queue takes over the same store) between the
// record and the broadcast, and after the broadcast; a nonce taken by another writer; a mined
// revert; a paused protocol; an unreachable RPC. After each, every ticket is redeemed exactly once
// (usedTickets, the orchestrator's fees, the key's mined nonce), and none is dropped for a transient
// cause. (Killing real processes is the integrator's crash test; these stop the queue at the exact
// points where a kill matters.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createServer } from 'node:net';
import { createPublicClient, http, parseAbi, parseEther, type PublicClient } from 'viem';
import { controllerAbi } from '../../src/eth/index.js';
import type { WinningTicket } from '../../src/pm/index.js';
import type { StoreFactory } from '../../src/settlement/redemption/testkit.js';
import type { Store } from '../../src/store/index.js';
import { fees, hashOf, minedNonce, queue, rpc, suiteEnv, used, winningTicket, type Env } from './helpers.js';

const hang = () => new Promise<void>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function redemptionCrashSuite(backend: string, factory: StoreFactory): void {
  describe(`redemption queue restarts and failures (${backend} store)`, () => {
    let env: Env;
    const fresh = suiteEnv(factory, (e) => (env = e));

    const get = (s: Store, w: WinningTicket) => s.tickets.get(hashOf(w));
    const kinds = async (s: Store, w: WinningTicket) => (await s.tickets.history(hashOf(w))).map((e) => `${e.kind}${e.code ? `:${e.code}` : ''}`);

    it('crash between the record and the broadcast: the restart requeues, the ticket is redeemed once', async () => {
      const store = await fresh();
      const w = await winningTicket(env);
      const crashed = queue(env, store, { hooks: { signed: hang } });
      await crashed.q.onWinningTicket(w);
      void crashed.q.flush();
      await until(async () => (await get(store, w))?.state === 'submitted', 'the record');
      const lost = (await get(store, w))!.txHash!;
      const [feesBefore, nonceBefore] = [await fees(env), await minedNonce(env)];

      await assert.rejects(env.dev.publicClient.getTransaction({ hash: lost }), 'the recorded tx never reached the chain');

      const restarted = queue(env, store);
      await restarted.q.start();
      const t = await get(store, w);
      assert.deepEqual([t?.state, t?.reasonCode], ['pending', 'TX_NOT_BROADCAST']);
      await restarted.q.flush();
      assert.equal((await get(store, w))?.state, 'redeemed');
      assert.equal(await used(env, w), true);
      assert.equal((await fees(env)) - feesBefore, w.ticket.faceValue);
      assert.equal((await minedNonce(env)) - nonceBefore, 1, 'one transaction');
      const mined = await env.dev.publicClient.getTransaction({ hash: (await get(store, w))!.txHash! });
      assert.equal(mined.nonce, nonceBefore, 'the recorded nonce, reused: the old tx could never be mined as well');
      assert.deepEqual(await kinds(store, w), ['received', 'submitted', 'requeued:TX_NOT_BROADCAST', 'submitted', 'redeemed']);
    });

    it('crash after the broadcast: the restart finds the receipt and sends nothing again', async () => {
      const store = await fresh();
      const ws = [await winningTicket(env), await winningTicket(env)];
      const crashed = queue(env, store, { hooks: { broadcast: hang } });
      for (const w of ws) await crashed.q.onWinningTicket(w);
      const feesBefore = await fees(env);
      void crashed.q.flush();
      await until(async () => {
        const h = (await get(store, ws[0]!))?.txHash;
        return h !== undefined && (await env.dev.publicClient.getTransactionReceipt({ hash: h }).then(() => true, () => false));
      }, 'the mined batch');
      const nonceBefore = await minedNonce(env);
      const restarted = queue(env, store);
      await restarted.q.start();
      for (const w of ws) assert.equal((await get(store, w))?.state, 'redeemed');
      await restarted.q.flush();
      assert.equal(await minedNonce(env), nonceBefore, 'nothing sent again');
      assert.equal((await fees(env)) - feesBefore, ws[0]!.ticket.faceValue + ws[1]!.ticket.faceValue);
      assert.deepEqual(await kinds(store, ws[1]!), ['received', 'submitted', 'redeemed']);
    });

    it('crash with the transaction still in the mempool: the restart leaves it in flight, then settles it when mined', async () => {
      const store = await fresh();
      const w = await winningTicket(env);
      const crashed = queue(env, store, { hooks: { broadcast: hang } });
      await crashed.q.onWinningTicket(w);
      const feesBefore = await fees(env);
      await rpc(env, 'evm_setAutomine', [false]);
      try {
        void crashed.q.kick();
        await until(async () => {
          const h = (await get(store, w))?.txHash;
          return h !== undefined && (await env.dev.publicClient.getTransaction({ hash: h }).then(() => true, () => false));
        }, 'the broadcast');
        const restarted = queue(env, store);
        await restarted.q.start();
        assert.equal((await get(store, w))?.state, 'submitted', 'known to the node: in flight');
        await restarted.q.kick();
        assert.equal((await get(store, w))?.state, 'submitted');
        assert.equal(restarted.of('submitted').length, 0, 'not sent a second time');
        await rpc(env, 'evm_mine');
        await restarted.q.flush();
      } finally {
        await rpc(env, 'evm_setAutomine', [true]);
      }
      assert.equal((await get(store, w))?.state, 'redeemed');
      assert.equal((await fees(env)) - feesBefore, w.ticket.faceValue);
    });

    it('a nonce taken by another writer of the key: the broadcast is refused, the nonce resynced, the ticket redeemed', async () => {
      const store = await fresh();
      const { q, nonces } = queue(env, store);
      await q.onWinningTicket(await winningTicket(env));
      await q.flush(); // the manager now counts nonces itself
      const w = await winningTicket(env);
      await q.onWinningTicket(w);
      // Outside the lane: a plain transfer from the same key takes the nonce the manager will hand out.
      const wallet = env.dev.walletClient(env.orch);
      await wallet.sendTransaction({ to: env.users[0]!.address, value: 1n });
      const resyncs = nonces.status().resyncs;
      await q.flush();
      assert.equal((await get(store, w))?.state, 'redeemed');
      assert.ok((await kinds(store, w)).includes('requeued:TX_NOT_BROADCAST'));
      assert.ok(nonces.status().resyncs > resyncs);
    });

    it('a mined revert is retried — a batch once more as a batch, then alone with backoff — not dropped (go-livepeer drops it, #4012/#4013)', async () => {
      const store = await fresh();
      const ws = [await winningTicket(env), await winningTicket(env)];
      // Half the gas it needs: mined, and reverted (out of gas), with no reason to read.
      const starved = queue(env, store, { gasMarginPercent: -50 });
      for (const w of ws) await starved.q.onWinningTicket(w);
      await starved.q.flush();
      // A batch reverts whole only on what its tickets share: they go again together, next block.
      for (const w of ws) {
        const t = await get(store, w);
        assert.deepEqual([t?.state, t?.reasonCode], ['pending', 'BATCH_REVERTED']);
        assert.ok(t?.notBeforeBlock !== undefined);
        assert.equal(await used(env, w), false);
      }
      await env.dev.mine(1);
      await starved.q.flush();
      const sent = starved.of('submitted').map((o) => o.txHash);
      assert.deepEqual([sent.length, new Set(sent).size], [4, 2], 'sent twice, both tickets in one batch each time');
      // Reverted twice: now each goes alone, after a backoff.
      for (const w of ws) {
        const t = await get(store, w);
        assert.deepEqual([t?.state, t?.reasonCode], ['pending', 'TX_REVERTED']);
        assert.ok(t?.notBeforeBlock !== undefined);
      }
      const feesBefore = await fees(env);
      const healthy = queue(env, store);
      await env.dev.mine(4);
      await healthy.q.flush();
      for (const w of ws) assert.equal((await get(store, w))?.state, 'redeemed');
      const txs = new Set(healthy.of('redeemed').map((o) => o.txHash));
      assert.equal(txs.size, 2, 'after a second revert each goes alone');
      assert.equal((await fees(env)) - feesBefore, ws[0]!.ticket.faceValue + ws[1]!.ticket.faceValue);
      assert.deepEqual(await kinds(store, ws[0]!), [
        'received', 'submitted', 'reverted:BATCH_REVERTED', 'requeued:BATCH_REVERTED', 'submitted', 'reverted:TX_REVERTED', 'requeued:TX_REVERTED', 'submitted', 'redeemed',
      ]);
    });

    it('a paused protocol defers (SYSTEM_PAUSED); unpaused, the ticket is redeemed', async () => {
      const store = await fresh();
      const deployer = env.dev.accounts.find((a) => a.role === 'deployer')!;
      const setPaused = (on: boolean) => env.dev.send(deployer, { address: env.dev.controller, abi: parseAbi(['function pause()', 'function unpause()']), functionName: on ? 'pause' : 'unpause', args: [] });
      const w = await winningTicket(env);
      const { q } = queue(env, store);
      await q.onWinningTicket(w);
      await setPaused(true);
      try {
        await q.flush();
        const t = await get(store, w);
        assert.deepEqual([t?.state, t?.reasonCode], ['pending', 'SYSTEM_PAUSED']);
      } finally {
        if (await env.dev.publicClient.readContract({ address: env.dev.controller, abi: controllerAbi, functionName: 'paused' })) await setPaused(false);
      }
      await q.flush();
      assert.equal((await get(store, w))?.state, 'redeemed');
    });

    it('an unreachable RPC changes nothing in the store; once it is back the tickets are redeemed', async () => {
      const dead = createServer((sock) => sock.destroy());
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
      const store = await fresh();
      const w = await winningTicket(env, { faceValue: parseEther('0.02') });
      try {
        const url = `http://127.0.0.1:${(dead.address() as { port: number }).port}`;
        const down = createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient;
        const offline = queue(env, store, { publicClient: down });
        await offline.q.onWinningTicket(w);
        await offline.q.flush();
        await offline.q.kick();
        assert.deepEqual(await kinds(store, w), ['received']);
        await offline.q.close();
      } finally {
        await new Promise<void>((r) => dead.close(() => r()));
      }
      const feesBefore = await fees(env);
      const back = queue(env, store);
      await back.q.flush();
      assert.equal((await get(store, w))?.state, 'redeemed');
      assert.equal((await fees(env)) - feesBefore, w.ticket.faceValue);
    });
  });
}
