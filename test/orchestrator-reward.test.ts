// The orchestrator's protocol duties on a real devnet: with -reward (the default) and
// -initializeRound its stake grows by exactly its reward every round, with one reward() per round
// (also when the node restarts mid-round); with -reward=false there is none. With -aiServiceRegistry
// naming a separately deployed registry, `chain register` writes there and the nodes read from it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAbi, parseEventLogs, type Abi, type Address } from 'viem';
import {
  artifact,
  bondingManagerAbi,
  connectChain,
  deploy,
  minterAbi,
  serviceRegistryAbi,
  startDevnet,
  type DevAccount,
  type Devnet,
} from '../src/eth/index.js';
import { startOrchestrator, type Orchestrator, type OrchestratorConfigInput } from '../src/nodes/orchestrator/index.js';
import { spawnCli } from './cli-process.js';

const extraBm = parseAbi(['function currentRoundTotalActiveStake() view returns (uint256)', 'function treasuryRewardCutRate() view returns (uint256)']);
// No job runs here: the runner URL is never dialled beyond the start-up version probe (refused at once).
const models = JSON.stringify([{ pipeline: 'llm', model_id: 'reward-test', url: 'http://127.0.0.1:1', price_per_unit: 1 }]);

let dev: Devnet;
let dir: string;
let a: DevAccount;
let b: DevAccount;
const running: Orchestrator[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-reward-'));
  dev = await startDevnet({ orchestrators: 2, gateways: 0, roundLength: 60n });
  [a, b] = dev.accounts.filter((x) => x.role === 'orchestrator') as [DevAccount, DevAccount];
});

after(async () => {
  for (const o of running) await o.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function orchestrator(who: DevAccount, extra: Partial<OrchestratorConfigInput> = {}): Promise<Orchestrator> {
  const o = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir: join(dir, `${who.address}-${running.length}`),
    aiModels: models,
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: who.privateKey,
    pollMs: 50,
    ...extra,
  });
  running.push(o);
  return o;
}

async function stop(o: Orchestrator): Promise<void> {
  await o.close();
  running.splice(running.indexOf(o), 1);
}

const read = <T>(address: Address, abi: Abi | readonly unknown[], functionName: string, args: readonly unknown[] = [], blockNumber?: bigint) =>
  dev.publicClient.readContract({ address, abi, functionName, args, ...(blockNumber !== undefined ? { blockNumber } : {}) } as never) as Promise<T>;
const bm = <T>(functionName: string, args: readonly unknown[] = [], blockNumber?: bigint) =>
  read<T>(dev.contracts.BondingManager, [...bondingManagerAbi, ...extraBm], functionName, args, blockNumber);

async function rewardEvents(fromBlock: bigint) {
  const logs = await dev.publicClient.getLogs({ address: dev.contracts.BondingManager, fromBlock, toBlock: 'latest' });
  return parseEventLogs({ abi: bondingManagerAbi, eventName: 'Reward', logs });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const roundOf = async () => read<bigint>(dev.contracts.RoundsManager, parseAbi(['function currentRound() view returns (uint256)']), 'currentRound');

describe('orchestrator -reward', () => {
  it('grows an active orchestrator’s stake by its reward each round, one reward() per round, none with -reward=false', async () => {
    const oa = await orchestrator(a, { initializeRound: true });
    const ob = await orchestrator(b, { reward: false });
    assert.equal(ob.onChain()?.reward, undefined);
    let restarted = oa;
    for (let i = 0; i < 3; i++) {
      const from = (await dev.publicClient.getBlockNumber()) + 1n;
      const stakeB = await bm<bigint>('transcoderTotalStake', [b.address]);
      await dev.mineToNextRound(); // nobody else initialises: the orchestrator does (-initializeRound)
      const round = await roundOf();
      await until(`reward in round ${round}`, () => (restarted.onChain()?.reward?.settledRound ?? 0n) >= round);
      const evs = await rewardEvents(from);
      assert.deepEqual(evs.map((e) => e.args.transcoder), [a.address], `exactly one Reward, from A, in round ${round}`);
      const ev = evs[0]!;
      // The expectation from the Minter's figures just before the call (contracts.md §4, no treasury cut here).
      const at = ev.blockNumber - 1n;
      assert.equal(await bm<bigint>('treasuryRewardCutRate', [], at), 0n);
      const mintable = await read<bigint>(dev.contracts.Minter, minterAbi, 'currentMintableTokens', [], at);
      const [stake, total] = await Promise.all([bm<bigint>('transcoderTotalStake', [a.address], at), bm<bigint>('currentRoundTotalActiveStake', [], at)]);
      const want = (mintable * ((stake * 1_000_000_000n) / total)) / 1_000_000_000n;
      assert.ok(want > 0n && stake < total);
      assert.equal(ev.args.amount, want);
      assert.equal((await bm<bigint>('transcoderTotalStake', [a.address], ev.blockNumber)) - stake, want, 'stake grows by the reward');
      const pendingBefore = await bm<bigint>('pendingStake', [a.address, 0n], at);
      // pendingStake goes through the 1e27 cumulative reward factor (LIP-36): it may round 1 wei down.
      const pendingDelta = (await bm<bigint>('pendingStake', [a.address, 0n], ev.blockNumber)) - pendingBefore;
      assert.ok(pendingDelta <= want && pendingDelta >= want - 1n, `pendingStake grows by the reward (${pendingDelta} vs ${want})`);
      assert.equal(await bm<bigint>('transcoderTotalStake', [b.address]), stakeB, 'B (-reward=false) gets nothing');
      if (i === 1) {
        // Restart mid-round: the new process finds the round rewarded on chain and sends nothing.
        await stop(restarted);
        const nonce = await dev.publicClient.getTransactionCount({ address: a.address });
        restarted = await orchestrator(a, { initializeRound: true });
        await until('the restarted node to check the round', () => restarted.onChain()?.reward?.last !== undefined);
        assert.deepEqual(restarted.onChain()?.reward?.last, { kind: 'already-rewarded', round });
        await dev.mine(3);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal((await rewardEvents(from)).length, 1, 'still one Reward this round after the restart');
        assert.equal(restarted.onChain()?.reward?.calls, 0);
        assert.equal(await dev.publicClient.getTransactionCount({ address: a.address }), nonce, 'the restarted node sent no transaction');
      }
    }
    assert.equal(restarted.onChain()?.reward?.calls, 1, 'the restarted node called in the round after');
  });
});

describe('orchestrator -aiServiceRegistry', () => {
  let separate: Address;
  let user: DevAccount;

  before(async () => {
    const sr = artifact('ServiceRegistry');
    const deployer = dev.accounts.find((x) => x.role === 'deployer')!;
    separate = await deploy(dev.publicClient, dev.walletClient(deployer), { name: 'ServiceRegistry', abi: sr.abi as Abi, bytecode: sr.bytecode, args: [dev.controller] });
    user = dev.accounts.filter((x) => x.role === 'user')[0]!;
  });

  const uriIn = (registry: Address, who: Address) => read<string>(registry, serviceRegistryAbi, 'getServiceURI', [who]);
  const chain = async (args: string[]) => {
    const p = spawnCli(['chain', ...args, '-ethUrl', dev.rpcUrl, '-ethController', dev.controller, '-ethPrivateKey', user.privateKey], { timeoutMs: 60_000 });
    const code = await p.exited;
    assert.equal(code, 0, p.stderr());
    return p.stdout();
  };

  it('chain register writes the service URI to the registry it is given, or to the devnet’s AI registry', async () => {
    await chain(['bond', '-amount', '10']);
    const out = await chain(['register', '-rewardCut', '10', '-feeShare', '0', '-serviceURI', 'https://separate.example:8935', `-aiServiceRegistry=${separate}`]);
    assert.match(out, new RegExp(`service URI https://separate.example:8935 in ${separate}`));
    assert.equal(await uriIn(separate, user.address), 'https://separate.example:8935');
    assert.equal(await uriIn(dev.contracts.ServiceRegistry, user.address), '');
    assert.equal(await uriIn(dev.contracts.AIServiceRegistry, user.address), '');
    // Bare, as go-livepeer's boolean: the network's AI registry (the devnet's AIServiceRegistry).
    await chain(['register', '-rewardCut', '10', '-feeShare', '0', '-aiServiceRegistry', '-serviceURI', 'https://ai.example:8935']);
    assert.equal(await uriIn(dev.contracts.AIServiceRegistry, user.address), 'https://ai.example:8935');
    assert.equal(await uriIn(dev.contracts.ServiceRegistry, user.address), '');
    assert.equal(await uriIn(separate, user.address), 'https://separate.example:8935');
  });

  it('the orchestrator and connectChain (the gateway’s chain setup) read from the chosen registry', async () => {
    const o1 = await orchestrator(user, { aiServiceRegistry: separate, reward: false });
    assert.deepEqual(o1.onChain()?.serviceRegistry, { address: separate, source: 'flag' });
    assert.equal(o1.onChain()?.registeredServiceURI, 'https://separate.example:8935');
    await stop(o1);
    const o2 = await orchestrator(user, { reward: false });
    assert.deepEqual(o2.onChain()?.serviceRegistry, { address: dev.contracts.AIServiceRegistry, source: 'controller:AIServiceRegistry' });
    assert.equal(o2.onChain()?.registeredServiceURI, 'https://ai.example:8935');
    await stop(o2);
    const o3 = await orchestrator(user, { aiServiceRegistry: false, reward: false });
    assert.equal(o3.onChain()?.serviceRegistry.address, dev.contracts.ServiceRegistry);
    assert.equal(o3.onChain()?.registeredServiceURI, '');
    await stop(o3);
    // The devnet registered its own orchestrators in the AI registry too.
    assert.equal(await uriIn(dev.contracts.AIServiceRegistry, a.address), await uriIn(dev.contracts.ServiceRegistry, a.address));
    const c = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, aiServiceRegistry: separate });
    try {
      assert.equal(c.contracts.AIServiceRegistry, separate);
    } finally {
      c.close();
    }
  });
});
