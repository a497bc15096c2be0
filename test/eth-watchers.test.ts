// The chain watchers (src/eth follower.ts and the watchers on it) against a real anvil devnet:
// they restart from the checkpoint kept in a CheckpointStore (events after it are delivered, the
// ones before are not again), survive an RPC outage (a TCP proxy in front of anvil is cut, events
// happen, the proxy comes back: the gap is caught up, nothing missed), follow a reorg (anvil
// evm_snapshot / evm_revert + a different branch: what the replaced blocks said is forgotten), and
// track the transcoder pool. Expected values are read from the contracts directly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, createTestClient, http, type Address, type PublicClient } from 'viem';
import { ChainWatcher, bondingManagerAbi, roundsManagerAbi, startDevnet, ticketBrokerAbi, type ChainWatcherOptions, type DevAccount, type Devnet, type SenderEvent } from '../src/eth/index.js';
import { MemoryCheckpoints } from '../src/eth/testkit.js';
import { SenderMonitor } from '../src/settlement/index.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';

let dev: Devnet;
let orch: DevAccount;
let orch2: DevAccount;
let user: DevAccount;
const watchers: ChainWatcher[] = [];
const proxies: DeadPeer[] = [];

before(async () => {
  dev = await startDevnet({ orchestrators: 2, gateways: 1 });
  [orch, orch2] = dev.accounts.filter((a) => a.role === 'orchestrator') as [DevAccount, DevAccount];
  user = dev.accounts.find((a) => a.role === 'user')!;
});

after(async () => {
  for (const w of watchers) w.stop();
  for (const p of proxies) await p.close();
  await dev?.stop();
});

/** A watcher on its own client; `events` collects what its senders watcher saw from the first poll on. */
async function watcher(opts: Partial<ChainWatcherOptions> & { rpcUrl?: string } = {}): Promise<{ w: ChainWatcher; events: SenderEvent[] }> {
  const publicClient = createPublicClient({ chain: dev.chain, transport: http(opts.rpcUrl ?? dev.rpcUrl, { retryCount: 0, timeout: 3000 }) }) as PublicClient;
  const w = await ChainWatcher.start({
    publicClient,
    roundsManager: dev.contracts.RoundsManager,
    bondingManager: dev.contracts.BondingManager,
    ticketBroker: dev.contracts.TicketBroker,
    claimant: orch.address,
    pollMs: 50,
    ...opts,
  });
  watchers.push(w);
  const events: SenderEvent[] = [];
  // Same tick as start() resolved: before the first poll.
  w.senders!.onEvent((e) => events.push(e));
  return { w, events };
}

const fund = (fn: 'fundDeposit' | 'fundReserve', value: bigint, who: DevAccount = user) =>
  dev.send(who, { address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: fn, args: [], value });

async function chainSenderInfo(sender: Address) {
  const [s, r] = await dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [sender] });
  return { deposit: s.deposit, withdrawRound: s.withdrawRound, reserve: { fundsRemaining: r.fundsRemaining, claimedInCurrentRound: r.claimedInCurrentRound } };
}

const head = async () => dev.publicClient.getBlock({ blockTag: 'latest' });
const named = (events: SenderEvent[]) => events.flatMap((e) => (e.kind === 'event' ? [`${e.name}@${e.block}`] : []));

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('chain watchers (devnet)', () => {
  it('restarts from the checkpoint: events after it are delivered, events before it are not again', async () => {
    const cps = new MemoryCheckpoints();
    const a = await watcher({ checkpoints: cps });
    const dep = await fund('fundDeposit', 1_000n);
    await a.w.sync();
    assert.deepEqual(named(a.events), [`DepositFunded@${dep.blockNumber}`]);
    const cpA = (await cps.getCheckpoint('eth.chain'))!;
    const h = await head();
    assert.equal(cpA.block, h.number);
    assert.equal(cpA.hash, h.hash);
    a.w.stop();

    // While it is down: an event, then more blocks.
    const res = await fund('fundReserve', 2_000n);
    await dev.mine(3);
    const b = await watcher({ checkpoints: cps });
    await b.w.sync();
    assert.deepEqual(named(b.events), [`ReserveFunded@${res.blockNumber}`]);
    const cpB = (await cps.getCheckpoint('eth.chain'))!;
    assert.equal(cpB.block, (await head()).number);

    // Without a checkpoint a watcher starts at the head: no history.
    const c = await watcher({ checkpoints: new MemoryCheckpoints() });
    await c.w.sync();
    assert.deepEqual(named(c.events), []);
  });

  it('survives an RPC outage: backs off, then catches up from the checkpoint without missing the events in the gap', async () => {
    const proxy = await deadPeer();
    proxies.push(proxy);
    proxy.forwardTo(dev.anvil.port);
    const cps = new MemoryCheckpoints();
    const errors: Error[] = [];
    const { w, events } = await watcher({ rpcUrl: `http://${proxy.addr}`, checkpoints: cps, maxBlockRange: 4, maxBackoffMs: 400, onError: (e) => errors.push(e) });
    const cached = await w.senders!.getSenderInfo(user.address);
    const seenBefore = w.lastSeenL1Block();

    proxy.cut();
    await dev.mine(5);
    const dep = await fund('fundDeposit', 777n);
    await dev.mine(9);
    const res = await fund('fundReserve', 555n);
    await dev.mine(6);
    await until('two failed polls', () => w.status().failures >= 2);
    assert.ok(errors.length >= 2);
    assert.ok(w.status().lastError);
    // The last good view is kept while the endpoint is away.
    assert.equal(w.lastSeenL1Block(), seenBefore);
    await assert.rejects(w.sync());

    const writesBefore = cps.writes.length;
    proxy.forwardTo(dev.anvil.port);
    const target = (await head()).number;
    await until('the catch-up', () => w.status().failures === 0 && w.status().processed === target);
    assert.deepEqual(named(events), [`DepositFunded@${dep.blockNumber}`, `ReserveFunded@${res.blockNumber}`]);
    // 20+ blocks in ranges of 4: the checkpoint moved range by range.
    assert.ok(cps.writes.length - writesBefore >= 5, `${cps.writes.length - writesBefore} checkpoint writes`);
    assert.equal(w.lastSeenL1Block(), target);
    const now = await w.senders!.getSenderInfo(user.address);
    assert.deepEqual(now, await chainSenderInfo(user.address));
    assert.equal(now.deposit, cached.deposit + 777n);
    assert.equal(now.reserve.fundsRemaining, cached.reserve.fundsRemaining + 555n);
  });

  it('follows a reorg: the replaced blocks\' deposit and new round are forgotten, the new branch is read', async () => {
    const test = createTestClient({ chain: dev.chain, mode: 'anvil', transport: http(dev.rpcUrl) });
    const cps = new MemoryCheckpoints();
    const { w, events } = await watcher({ checkpoints: cps, reorgDepth: 4 });
    const base = await chainSenderInfo(user.address);
    const round0 = w.lastInitializedRound();
    const snap = await test.snapshot();

    await fund('fundDeposit', 12_345n);
    const round1 = await dev.advanceRounds(1);
    await w.sync();
    assert.equal(w.lastInitializedRound(), round1);
    assert.equal((await w.senders!.getSenderInfo(user.address)).deposit, base.deposit + 12_345n);
    const doomed = w.status().processed;

    await test.revert({ id: snap });
    // Another branch, longer than the replaced one.
    await fund('fundReserve', 999n);
    const forkHead = (await head()).number;
    await dev.mine(Number(doomed - forkHead) + 3);
    await w.sync();

    assert.ok(w.status().reorgs >= 1);
    assert.ok(events.some((e) => e.kind === 'reorg'));
    assert.equal(w.lastInitializedRound(), round0);
    assert.deepEqual(await w.senders!.getSenderInfo(user.address), await chainSenderInfo(user.address));
    assert.equal((await w.senders!.getSenderInfo(user.address)).deposit, base.deposit);
    const cp = (await cps.getCheckpoint('eth.chain'))!;
    assert.equal(cp.hash, (await dev.publicClient.getBlock({ blockNumber: cp.block })).hash);
    assert.equal(cp.block, (await head()).number);
  });

  it('follows rounds (NewRound and its block hash) and the transcoder pool', async () => {
    const { w } = await watcher();
    const readBm = <T>(functionName: 'getTranscoderPoolSize') => dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName }) as Promise<T>;
    assert.equal(w.poolSize(), await readBm<bigint>('getTranscoderPoolSize'));
    assert.equal(w.poolSize(), 2n);
    assert.equal(w.claimantActive(), true);
    // The sender monitor's reserve share (reserve / 2 here) is TicketBroker's claimableReserve.
    const monitor = new SenderMonitor({ senders: w.senders!, pool: w });
    const claimable = () => dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'claimableReserve', args: [user.address, orch.address] });
    assert.equal((await monitor.funds(user.address)).reserveAlloc, await claimable());
    assert.ok((await claimable()) > 0n);
    let announced = 0n;
    w.onRound((r) => (announced = r));
    const hashFor = (round: bigint) => dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] });
    for (let i = 0; i < 2; i++) {
      const r = await dev.advanceRounds(1);
      await w.sync();
      assert.equal(announced, r);
      assert.equal(w.lastInitializedRound(), r);
      assert.equal(w.lastInitializedL1BlockHash(), await hashFor(r));
      // go-livepeer's preLastInitializedL1BlockHash: round r − 1's (zero when it was skipped).
      assert.equal(w.preLastInitializedL1BlockHash(), await hashFor(r - 1n));
    }
    assert.notEqual(w.preLastInitializedL1BlockHash(), `0x${'0'.repeat(64)}`);

    // The second orchestrator unbonds everything: it leaves the pool.
    const [bonded] = await dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'getDelegator', args: [orch2.address] });
    await dev.send(orch2, { address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'unbond', args: [bonded] });
    await w.sync();
    assert.equal(w.poolSize(), await readBm<bigint>('getTranscoderPoolSize'));
    assert.equal(w.poolSize(), 1n);
    assert.equal((await monitor.funds(user.address)).reserveAlloc, await claimable());
  });
});
