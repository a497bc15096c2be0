// Invariants 1–3 (contracts.md §10.10): the Controller registry is owner-only, the system starts
// paused and every whenSystemNotPaused function reverts while paused, hooks accept only their callers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFunctionData, zeroAddress, type Address, type Hex } from 'viem';
import { artifact, contractId, deploy, startDevnet, type Devnet } from '../../src/eth/index.js';
import { callOf, expectRevert, read, user } from './core-helpers.js';

let dev: Devnet;
before(async () => {
  dev = await startDevnet({ orchestrators: 2, gateways: 1 });
});
after(async () => {
  await dev?.stop();
});

describe('Controller registry (invariant 1)', () => {
  it('returns what the owner registered under each name, and 0 for unknown names', async () => {
    for (const name of ['BondingManager', 'RoundsManager', 'Minter', 'LivepeerToken', 'ServiceRegistry', 'TicketBroker'] as const) {
      assert.equal(await read(dev, 'Controller', 'getContract', [contractId(name)]), dev.contracts[name]);
    }
    assert.equal(await read(dev, 'Controller', 'getContract', [contractId('JobsManager')]), dev.contracts.TicketBroker);
    assert.equal(await read(dev, 'Controller', 'getContract', [contractId('Verifier')]), zeroAddress);
    assert.equal(await read(dev, 'Controller', 'getContract', [contractId('NoSuchContract')]), zeroAddress);
  });

  it('setContractInfo overwrites (also with 0) and getContractInfo returns the commit hash', async () => {
    const id = contractId('TestEntry');
    const commit = `0x${'ab'.repeat(20)}` as Hex;
    const receipt = await dev.send(dev.accounts[0]!, callOf(dev, 'Controller', 'setContractInfo', [id, user(dev), commit]));
    assert.equal(receipt.logs.length, 1);
    assert.deepEqual(await read(dev, 'Controller', 'getContractInfo', [id]), [user(dev), commit]);
    await dev.send(dev.accounts[0]!, callOf(dev, 'Controller', 'setContractInfo', [id, zeroAddress, commit]));
    assert.equal(await read(dev, 'Controller', 'getContract', [id]), zeroAddress);
  });

  it('only the owner may write the registry, update controllers, pause or transfer ownership', async () => {
    const stranger = dev.accounts.find((a) => a.role === 'user')!;
    const reason = 'caller must be owner';
    await expectRevert(dev.send(stranger, callOf(dev, 'Controller', 'setContractInfo', [contractId('X'), stranger.address, `0x${'00'.repeat(20)}`])), reason);
    await expectRevert(dev.send(stranger, callOf(dev, 'Controller', 'updateController', [contractId('Minter'), stranger.address])), reason);
    await expectRevert(dev.send(stranger, callOf(dev, 'Controller', 'pause')), reason);
    await expectRevert(dev.send(stranger, callOf(dev, 'Controller', 'transferOwnership', [stranger.address])), reason);
    await expectRevert(dev.send(dev.accounts[0]!, callOf(dev, 'Controller', 'transferOwnership', [zeroAddress])), 'new owner is the zero address');
    await expectRevert(dev.send(dev.accounts[0]!, callOf(dev, 'Controller', 'unpause')), 'system is not paused');
  });

  it('a fresh Controller starts paused, owned by its deployer', async () => {
    const a = artifact('Controller');
    const addr = await deploy(dev.publicClient, dev.walletClient(dev.accounts[0]!), { name: 'Controller', abi: a.abi, bytecode: a.bytecode });
    const paused = await dev.publicClient.readContract({ address: addr, abi: a.abi, functionName: 'paused' });
    const owner = await dev.publicClient.readContract({ address: addr, abi: a.abi, functionName: 'owner' });
    assert.equal(paused, true);
    assert.equal(owner, dev.accounts[0]!.address);
  });

  it('setController is Controller-only; updateController re-points a Manager and emits SetController', async () => {
    const owner = dev.accounts[0]!;
    // A throwaway ServiceRegistry, registered under a test id, moved to another controller address.
    const sr = artifact('ServiceRegistry');
    const addr = await deploy(dev.publicClient, dev.walletClient(owner), { name: 'ServiceRegistry', abi: sr.abi, bytecode: sr.bytecode, args: [dev.controller] });
    await expectRevert(dev.send(owner, { address: addr, abi: sr.abi, functionName: 'setController', args: [user(dev)] }), 'caller must be Controller');
    const id = contractId('MovableRegistry');
    await dev.send(owner, callOf(dev, 'Controller', 'setContractInfo', [id, addr, `0x${'00'.repeat(20)}`]));
    const receipt = await dev.send(owner, callOf(dev, 'Controller', 'updateController', [id, user(dev, 1)]));
    assert.equal(receipt.logs.length, 1);
    assert.equal(await dev.publicClient.readContract({ address: addr, abi: sr.abi, functionName: 'controller' }), user(dev, 1));
  });
});

describe('hook guards (invariant 3)', () => {
  const minterHooks: [string, unknown[], string][] = [
    ['createReward', [1n, 1n], 'caller must be BondingManager'],
    ['trustedTransferTokens', [zeroAddress, 0n], 'caller must be BondingManager'],
    ['trustedBurnTokens', [0n], 'caller must be BondingManager'],
    ['trustedWithdrawETH', [zeroAddress, 0n], 'caller must be BondingManager or JobsManager'],
    ['setCurrentRewardTokens', [], 'caller must be RoundsManager'],
  ];

  it('Minter hooks refuse any other caller', async () => {
    const stranger = dev.accounts.find((a) => a.role === 'user')!;
    for (const [fn, args, reason] of minterHooks) {
      await expectRevert(dev.send(stranger, callOf(dev, 'Minter', fn, args)), reason);
    }
    await expectRevert(dev.send(stranger, callOf(dev, 'Minter', 'depositETH', [], 1n)), 'caller must be Minter or JobsManager');
  });

  it('BondingManager hooks refuse any other caller', async () => {
    const stranger = dev.accounts.find((a) => a.role === 'user')!;
    await assert.rejects(dev.send(stranger, callOf(dev, 'BondingManager', 'setCurrentRoundTotalActiveStake')));
    const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
    await assert.rejects(dev.send(stranger, callOf(dev, 'BondingManager', 'updateTranscoderWithFees', [orch.address, 1n, 1n])));
  });

  it('the registered callers pass: JobsManager deposits and withdraws ETH, BondingManager moves LPT', async () => {
    const broker = dev.contracts.TicketBroker;
    await dev.impersonate(broker);
    const before = await dev.publicClient.getBalance({ address: dev.contracts.Minter });
    await dev.send(broker, callOf(dev, 'Minter', 'depositETH', [], 1000n));
    assert.equal(await dev.publicClient.getBalance({ address: dev.contracts.Minter }), before + 1000n);
    const to = user(dev, 2);
    const toBefore = await dev.publicClient.getBalance({ address: to });
    await dev.send(broker, callOf(dev, 'Minter', 'trustedWithdrawETH', [to, 400n]));
    assert.equal(await dev.publicClient.getBalance({ address: to }), toBefore + 400n);

    const bm = dev.contracts.BondingManager;
    await dev.impersonate(bm);
    const lptBefore = await read<bigint>(dev, 'LivepeerToken', 'balanceOf', [to]);
    await dev.send(bm, callOf(dev, 'Minter', 'trustedTransferTokens', [to, 5n]));
    assert.equal(await read<bigint>(dev, 'LivepeerToken', 'balanceOf', [to]), lptBefore + 5n);
    // Burning needs BURNER_ROLE on the token, which the deployment does not grant (as on Arbitrum).
    await assert.rejects(dev.send(bm, callOf(dev, 'Minter', 'trustedBurnTokens', [1n])));
    // BondingManager is not a JobsManager: it may withdraw ETH but not deposit.
    await expectRevert(dev.send(bm, callOf(dev, 'Minter', 'depositETH', [], 1n)), 'caller must be Minter or JobsManager');
  });
});

describe('pause (invariant 2)', () => {
  // Every whenSystemNotPaused function, called by a caller that passes its other guards.
  it('every whenSystemNotPaused function reverts with "system is paused"', async () => {
    const owner = dev.accounts[0]!;
    const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
    const gw = dev.accounts.find((a) => a.role === 'gateway')!;
    await dev.send(owner, callOf(dev, 'Controller', 'pause'));
    try {
      const cases: [Address | typeof orch, ReturnType<typeof callOf>][] = [
        [owner, callOf(dev, 'RoundsManager', 'initializeRound')],
        [dev.contracts.BondingManager, callOf(dev, 'Minter', 'createReward', [1n, 1n])],
        [dev.contracts.BondingManager, callOf(dev, 'Minter', 'trustedTransferTokens', [orch.address, 1n])],
        [dev.contracts.BondingManager, callOf(dev, 'Minter', 'trustedBurnTokens', [1n])],
        [dev.contracts.TicketBroker, callOf(dev, 'Minter', 'trustedWithdrawETH', [orch.address, 1n])],
        [dev.contracts.RoundsManager, callOf(dev, 'Minter', 'setCurrentRewardTokens')],
        [orch, callOf(dev, 'BondingManager', 'bond', [1n, orch.address])],
        [orch, callOf(dev, 'BondingManager', 'unbond', [1n])],
        [orch, callOf(dev, 'BondingManager', 'reward')],
        [orch, callOf(dev, 'BondingManager', 'transcoder', [0n, 0n])],
        [orch, callOf(dev, 'BondingManager', 'withdrawFees', [orch.address, 1n])],
        [orch, callOf(dev, 'BondingManager', 'claimEarnings', [0n])],
        [dev.contracts.TicketBroker, callOf(dev, 'BondingManager', 'updateTranscoderWithFees', [orch.address, 1n, 1n])],
        [gw, callOf(dev, 'TicketBroker', 'fundDeposit', [], 1n)],
        [gw, callOf(dev, 'TicketBroker', 'fundReserve', [], 1n)],
        [gw, callOf(dev, 'TicketBroker', 'fundDepositAndReserve', [1n, 1n], 2n)],
        [gw, callOf(dev, 'TicketBroker', 'unlock')],
        [gw, callOf(dev, 'TicketBroker', 'withdraw')],
      ];
      for (const who of [dev.contracts.BondingManager, dev.contracts.TicketBroker, dev.contracts.RoundsManager]) await dev.impersonate(who);
      for (const [who, call] of cases) {
        await expectRevert(dev.send(who, call), 'system is paused');
      }
      // ServiceRegistry is deliberately unrestricted, also while paused.
      await dev.send(orch, callOf(dev, 'ServiceRegistry', 'setServiceURI', ['https://paused.example:8935']));
    } finally {
      await dev.send(owner, callOf(dev, 'Controller', 'unpause'));
    }
    assert.equal(await read(dev, 'Controller', 'paused'), false);
    // Calldata sanity: the pause() selector is the golden one.
    assert.equal(encodeFunctionData({ abi: artifact('Controller').abi, functionName: 'pause' }), '0x8456cb59');
  });
});
