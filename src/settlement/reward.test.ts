// RewardCaller on a real anvil devnet with the protocol contracts: it mints exactly the Minter's
// share for an active transcoder, once per round (also across a restart), skips inactive accounts
// and uninitialised rounds, retries a transient revert with backoff (bounded), and stops on close.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { createPublicClient, http, parseAbi, parseEventLogs, type Address, type PublicClient } from 'viem';
import { bondingManagerAbi, controllerAbi, minterAbi, startDevnet, type DevAccount, type Devnet } from '../eth/index.js';
import { RewardCaller, type RewardOutcome } from './reward.js';
import { RoundInitializer } from './rounds.js';

// Read independently of the code under test (not in the node's bindings).
const extraBm = parseAbi(['function currentRoundTotalActiveStake() view returns (uint256)', 'function treasuryRewardCutRate() view returns (uint256)']);
const pauseAbi = parseAbi(['function pause()', 'function unpause()']);

let dev: Devnet;
let orch: DevAccount;
let deployer: DevAccount;
let user: DevAccount;

before(async () => {
  dev = await startDevnet({ orchestrators: 2, gateways: 0, roundLength: 100n });
  orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
  deployer = dev.accounts.find((a) => a.role === 'deployer')!;
  user = dev.accounts.find((a) => a.role === 'user')!;
});

after(async () => {
  await dev?.stop();
});

const caller = (who: DevAccount, extra: Partial<ConstructorParameters<typeof RewardCaller>[0]> = {}) =>
  new RewardCaller({
    publicClient: dev.publicClient,
    wallet: dev.walletClient(who),
    bondingManager: dev.contracts.BondingManager,
    roundsManager: dev.contracts.RoundsManager,
    ...extra,
  });

const bm = <T>(functionName: string, args: readonly unknown[] = []) =>
  dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: [...bondingManagerAbi, ...extraBm], functionName, args } as never) as Promise<T>;

/** The Minter's mint for `who` this round: mintable × (stake·1e9 / totalActive) / 1e9 (contracts.md §4). */
async function expectedReward(who: Address): Promise<bigint> {
  assert.equal(await bm<bigint>('treasuryRewardCutRate'), 0n, 'the devnet takes no treasury cut');
  const mintable = await dev.publicClient.readContract({ address: dev.contracts.Minter, abi: minterAbi, functionName: 'currentMintableTokens' });
  const [stake, total] = await Promise.all([bm<bigint>('transcoderTotalStake', [who]), bm<bigint>('currentRoundTotalActiveStake')]);
  assert.ok(mintable > 0n && stake > 0n && stake < total, 'a real share of a real mint');
  return (mintable * ((stake * 1_000_000_000n) / total)) / 1_000_000_000n;
}

/** Reward events for `who` mined in blocks [from, latest]. */
async function rewardEvents(who: Address, fromBlock: bigint) {
  const logs = await dev.publicClient.getLogs({ address: dev.contracts.BondingManager, fromBlock, toBlock: 'latest' });
  return parseEventLogs({ abi: bondingManagerAbi, eventName: 'Reward', logs }).filter((l) => l.args.transcoder === who);
}

const setPaused = (on: boolean) => dev.send(deployer, { address: dev.controller, abi: pauseAbi, functionName: on ? 'pause' : 'unpause', args: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe('RewardCaller', () => {
  it('mints the Minter’s share once per round; a second tick and a restarted caller send nothing', async () => {
    const round = await dev.advanceRounds(1);
    const from = await dev.publicClient.getBlockNumber();
    const want = await expectedReward(orch.address);
    const before = await bm<bigint>('transcoderTotalStake', [orch.address]);
    const c = caller(orch);
    const o = await c.tick();
    assert.equal(o.kind, 'rewarded');
    assert.equal((o as Extract<RewardOutcome, { kind: 'rewarded' }>).amount, want);
    assert.equal((o as Extract<RewardOutcome, { kind: 'rewarded' }>).round, round);
    assert.equal((await bm<bigint>('transcoderTotalStake', [orch.address])) - before, want);
    assert.equal((await c.tick()).kind, 'skipped');
    const restarted = caller(orch);
    assert.deepEqual(await restarted.tick(), { kind: 'already-rewarded', round });
    const evs = await rewardEvents(orch.address, from);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.args.amount, want);
    assert.deepEqual(c.status(), { settledRound: round, calls: 1, minted: want, last: o });
  });

  it('does nothing for an account that is not an active transcoder', async () => {
    const from = await dev.publicClient.getBlockNumber();
    const round = await dev.currentRound();
    assert.deepEqual(await caller(user).tick(), { kind: 'inactive', round });
    assert.equal((await rewardEvents(user.address, from)).length, 0);
  });

  it('waits for an uninitialised round, then calls once it is initialised', async () => {
    const c = caller(orch);
    await c.tick(); // settles the current (rewarded) round
    const next = await dev.mineToNextRound();
    const o = await c.tick();
    assert.deepEqual(o, { kind: 'round-not-initialized', round: next });
    c.onRound(next - 1n); // nothing new: no call
    await dev.send(deployer, { address: dev.contracts.RoundsManager, abi: parseAbi(['function initializeRound()']), functionName: 'initializeRound', args: [] });
    const want = await expectedReward(orch.address);
    const r = await c.tick();
    assert.equal(r.kind, 'rewarded');
    assert.equal((r as Extract<RewardOutcome, { kind: 'rewarded' }>).amount, want);
  });

  it('initialises the round first when given a round initialiser', async () => {
    const next = await dev.mineToNextRound();
    const rounds = new RoundInitializer({ publicClient: dev.publicClient, wallet: dev.walletClient(orch), roundsManager: dev.contracts.RoundsManager });
    const c = caller(orch, { ensureRoundInitialized: () => rounds.ensure() });
    const o = await c.tick();
    assert.equal(o.kind, 'rewarded');
    assert.equal((o as Extract<RewardOutcome, { kind: 'rewarded' }>).round, next);
  });

  it('retries a transient revert (system paused) with backoff, then succeeds', async () => {
    const round = await dev.advanceRounds(1);
    const from = await dev.publicClient.getBlockNumber();
    await setPaused(true);
    const outcomes: RewardOutcome[] = [];
    let done!: () => void;
    const rewarded = new Promise<void>((r) => (done = r));
    const c = caller(orch, {
      retryDelayMs: () => 150,
      onOutcome: (o) => {
        outcomes.push(o);
        if (o.kind === 'rewarded') done();
      },
    });
    try {
      const first = await c.tick();
      assert.equal(first.kind, 'failed');
      assert.deepEqual({ ...(first as Extract<RewardOutcome, { kind: 'failed' }>) }, { kind: 'failed', round, attempt: 1, code: 'TX_REVERTED', reason: 'system is paused', willRetry: true });
      // The retry comes on its own, 150 ms later; how long its transaction takes is the machine's
      // business, so wait for it (bounded) rather than for a fixed time.
      for (let end = Date.now() + 15_000; outcomes.filter((o) => o.kind === 'failed').length < 2 && Date.now() < end; ) await sleep(25);
      assert.ok(outcomes.filter((o) => o.kind === 'failed').length >= 2, 'retried on its own');
      await setPaused(false);
      await rewarded;
    } finally {
      c.close();
      if (await dev.publicClient.readContract({ address: dev.controller, abi: controllerAbi, functionName: 'paused' })) await setPaused(false);
    }
    assert.equal((await rewardEvents(orch.address, from)).length, 1);
  });

  it('new blocks do not cut a backoff short; a new round does', async () => {
    const round = await dev.advanceRounds(1);
    await setPaused(true);
    try {
      const c = caller(orch, { retryDelayMs: () => 60_000 });
      assert.equal(((await c.tick()) as { attempt: number }).attempt, 1);
      for (let i = 0; i < 5; i++) {
        await dev.mine(1);
        c.onRound(round);
      }
      await sleep(100);
      assert.equal((c.status().last as { attempt: number }).attempt, 1, 'still waiting out the backoff');
      await setPaused(false);
      const next = await dev.advanceRounds(1);
      c.onRound(next);
      await until(() => c.status().settledRound === next);
      assert.equal(c.status().last?.kind, 'rewarded');
      c.close();
    } finally {
      if (await dev.publicClient.readContract({ address: dev.controller, abi: controllerAbi, functionName: 'paused' })) await setPaused(false);
    }
  });

  it('keeps retrying (capped) while the chain is unreachable, and close() ends it', async () => {
    // A listening server that destroys every connection: an RPC that is down.
    const dead = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(dead.address() as { port: number }).port}`;
      const down = createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient;
      const c = caller(orch, { publicClient: down, maxAttempts: 2, retryDelayMs: () => 30 });
      const first = (await c.tick()) as Extract<RewardOutcome, { kind: 'failed' }>;
      assert.deepEqual([first.kind, first.round, first.code, first.willRetry], ['failed', 0n, 'RPC_ERROR', true]);
      await until(() => ((c.status().last as { attempt?: number }).attempt ?? 0) >= 4);
      assert.equal((c.status().last as { willRetry: boolean }).willRetry, true, 'no round known: nothing to give up');
      c.close();
      const n = (c.status().last as { attempt: number }).attempt;
      await sleep(150);
      assert.ok((c.status().last as { attempt: number }).attempt <= n + 1, 'stopped after close');
    } finally {
      await new Promise<void>((r) => dead.close(() => r()));
    }
  });

  it('gives a round up after maxAttempts, and close() stops a pending retry', async () => {
    const round = await dev.advanceRounds(1);
    const from = await dev.publicClient.getBlockNumber();
    await setPaused(true);
    try {
      const bounded = caller(orch, { maxAttempts: 2, retryDelayMs: () => 50 });
      assert.equal(((await bounded.tick()) as { willRetry: boolean }).willRetry, true);
      // The second (last) attempt comes on its own 50 ms later; wait for it, bounded.
      for (let end = Date.now() + 15_000; (bounded.status().last as { attempt?: number }).attempt !== 2 && Date.now() < end; ) await sleep(25);
      assert.deepEqual({ ...bounded.status().last }, { kind: 'failed', round, attempt: 2, code: 'TX_REVERTED', reason: 'system is paused', willRetry: false });
      assert.equal(bounded.status().settledRound, round);
      const closing = caller(orch, { retryDelayMs: () => 100 });
      assert.equal(((await closing.tick()) as { willRetry: boolean }).willRetry, true);
      closing.close();
      await setPaused(false);
      await sleep(300);
      assert.equal(closing.status().calls, 0);
      assert.equal((await rewardEvents(orch.address, from)).length, 0, 'no call after close');
    } finally {
      if (await dev.publicClient.readContract({ address: dev.controller, abi: controllerAbi, functionName: 'paused' })) await setPaused(false);
    }
  });
});
