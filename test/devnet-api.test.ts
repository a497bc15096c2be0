// startDevnet / startAnvil as a library: the handle other tests build on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { zeroAddress } from 'viem';
import {
  bondingManagerAbi,
  EthError,
  roundsManagerAbi,
  serviceRegistryAbi,
  startAnvil,
  startDevnet,
  ticketBrokerAbi,
  type Devnet,
} from '../src/eth/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let dev: Devnet;
before(async () => {
  dev = await startDevnet({ orchestrators: 3, gateways: 2, roundLength: 25n });
});
after(async () => {
  await dev?.stop();
});

describe('startDevnet', () => {
  it('assigns roles: deployer, orchestrators, gateways, then users', () => {
    assert.deepEqual(
      dev.accounts.slice(0, 6).map((a) => a.role),
      ['deployer', 'orchestrator', 'orchestrator', 'orchestrator', 'gateway', 'gateway'],
    );
    assert.ok(dev.accounts.length >= 10);
    assert.equal(dev.accounts[0]!.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
  });

  it('orchestrators are registered, active now, ordered by stake, with service URIs', async () => {
    const read = <T>(functionName: string, args: unknown[] = []) =>
      dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
    const orchs = dev.accounts.filter((a) => a.role === 'orchestrator');
    let cur = await read<string>('getFirstTranscoderInPool');
    for (const [i, o] of orchs.entries()) {
      assert.equal(cur, o.address, `pool position ${i}`);
      assert.equal(await read('isActiveTranscoder', [o.address]), true);
      const t = await read<readonly bigint[]>('getTranscoder', [o.address]);
      assert.equal(t[1], 100_000n); // rewardCut
      assert.equal(t[2], 0n); // feeShare
      const uri = await dev.publicClient.readContract({ address: dev.contracts.ServiceRegistry, abi: serviceRegistryAbi, functionName: 'getServiceURI', args: [o.address] });
      assert.equal(uri, `https://127.0.0.1:${8935 + i}`);
      cur = await read<string>('getNextTranscoderInPool', [o.address]);
    }
    assert.equal(cur, zeroAddress);
  });

  it('gateways have 1 ETH deposit and 1 ETH reserve', async () => {
    for (const g of dev.accounts.filter((a) => a.role === 'gateway')) {
      const [sender, reserve] = await dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [g.address] });
      assert.equal(sender.deposit, 10n ** 18n);
      assert.equal(reserve.fundsRemaining, 10n ** 18n);
    }
  });

  it('advanceRounds initialises each round in turn; mine moves blocks only', async () => {
    const r0 = await dev.currentRound();
    const b0 = await dev.publicClient.getBlockNumber({ cacheTime: 0 });
    await dev.mine(3);
    assert.equal(await dev.publicClient.getBlockNumber({ cacheTime: 0 }), b0 + 3n);
    assert.equal(await dev.advanceRounds(2), r0 + 2n);
    const rm = (functionName: 'lastInitializedRound' | 'currentRoundInitialized') =>
      dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName });
    assert.equal(await rm('lastInitializedRound'), r0 + 2n);
    assert.equal(await rm('currentRoundInitialized'), true);
    assert.notEqual(await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [r0 + 1n] }), `0x${'00'.repeat(32)}`);
  });

  it('send reports reverts with the decoded reason; walletClient signs as a dev account', async () => {
    const u = dev.accounts.find((a) => a.role === 'user')!;
    await assert.rejects(
      dev.send(u, { address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'initializeRound' }),
      (err: unknown) => err instanceof EthError && err.code === 'TX_REVERTED' && err.reason === 'round already initialized',
    );
    assert.equal(dev.walletClient(u.address).account.address, u.address);
    assert.throws(() => dev.walletClient('0x000000000000000000000000000000000000dEaD'), /not a devnet account/);
  });
});

describe('startAnvil', () => {
  it('binds port 0 and reports the port anvil got, refuses a taken port, and stop() ends the process (idempotently)', async () => {
    const a = await startAnvil();
    try {
      assert.ok(a.port > 0);
      assert.equal(a.rpcUrl, `http://127.0.0.1:${a.port}`);
      const res = await fetch(a.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      assert.equal(((await res.json()) as { result: string }).result, '0x7a69');
      // The port is anvil's: a second anvil on it is refused.
      await assert.rejects(startAnvil({ port: a.port, startTimeoutMs: 10_000 }), (err: unknown) => err instanceof EthError && err.code === 'ANVIL_START_FAILED');
    } finally {
      await a.stop();
      await a.stop();
    }
    assert.equal(alive(a.pid), false);
  });

  it("keeps its off-memory states in a directory of ours, removed when it exits (anvil's own under ~/.foundry is never cleaned)", async () => {
    const foundryTmp = join(homedir(), '.foundry', 'anvil', 'tmp');
    const before = existsSync(foundryTmp) ? readdirSync(foundryTmp).length : 0;
    const a = await startAnvil();
    try {
      // 512 blocks: more states than anvil holds in memory, so it moves some to disk
      await fetch(a.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: ['0x200'] }) });
      assert.ok(existsSync(a.cacheDir) && readdirSync(a.cacheDir, { recursive: true }).length > 0, `states kept in ${a.cacheDir}`);
    } finally {
      await a.stop();
    }
    assert.equal(existsSync(a.cacheDir), false, 'removed on exit');
    assert.ok((existsSync(foundryTmp) ? readdirSync(foundryTmp).length : 0) <= before, 'nothing new under ~/.foundry/anvil/tmp');
  });

  it('uses an explicitly given port: one that another server holds is refused', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      await assert.rejects(startAnvil({ port, startTimeoutMs: 10_000 }), (err: unknown) => err instanceof EthError && err.code === 'ANVIL_START_FAILED');
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });
});
