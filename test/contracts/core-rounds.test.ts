// Invariants 4–7 (contracts.md §10.10): round numbering, setRoundLength re-anchoring,
// initializeRound once per round with its snapshots, skipped rounds, the round lock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeEventLog, type Hex } from 'viem';
import { artifact, deploy, startDevnet, type Devnet } from '../../src/eth/index.js';
import { callOf, expectRevert, read } from './core-helpers.js';

let dev: Devnet;
before(async () => {
  dev = await startDevnet({ orchestrators: 2, gateways: 0, roundLength: 20n });
});
after(async () => {
  await dev?.stop();
});

const owner = () => dev.accounts[0]!;
const block = () => dev.publicClient.getBlockNumber({ cacheTime: 0 });

describe('round numbering (invariant 4)', () => {
  it('currentRound follows the formula and never decreases as blocks are mined', async () => {
    const [anchorRound, anchorBlock, length] = await Promise.all([
      read<bigint>(dev, 'RoundsManager', 'lastRoundLengthUpdateRound'),
      read<bigint>(dev, 'RoundsManager', 'lastRoundLengthUpdateStartBlock'),
      read<bigint>(dev, 'RoundsManager', 'roundLength'),
    ]);
    let prev = -1n;
    for (let i = 0; i < 45; i++) {
      const b = await block();
      const round = await read<bigint>(dev, 'RoundsManager', 'currentRound');
      assert.equal(round, anchorRound + (b - anchorBlock) / length);
      assert.equal(await read(dev, 'RoundsManager', 'currentRoundStartBlock'), anchorBlock + ((b - anchorBlock) / length) * length);
      assert.equal(await read(dev, 'RoundsManager', 'blockNum'), b);
      assert.ok(round >= prev);
      prev = round;
      await dev.mine(1);
    }
    await dev.advanceRounds(1);
  });

  it('setRoundLength keeps the current round and re-anchors numbering at its start', async () => {
    await dev.mine(3); // mid-round
    const before = await read<bigint>(dev, 'RoundsManager', 'currentRound');
    const startBefore = await read<bigint>(dev, 'RoundsManager', 'currentRoundStartBlock');
    const receipt = await dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLength', [30n]));
    assert.equal(await read(dev, 'RoundsManager', 'currentRound', [], receipt.blockNumber), before);
    assert.equal(await read(dev, 'RoundsManager', 'lastRoundLengthUpdateRound'), before);
    assert.equal(await read(dev, 'RoundsManager', 'lastRoundLengthUpdateStartBlock'), startBefore);
    assert.equal(await read(dev, 'RoundsManager', 'currentRoundStartBlock'), startBefore);
    const param = decodeEventLog({ abi: artifact('RoundsManager').abi, ...receipt.logs[0]! });
    assert.deepEqual(param.args, { param: 'roundLength' });
    // The new length applies from the anchor: the next round starts 30 blocks after it.
    await dev.mine(startBefore + 30n - (await block()) - 1n);
    assert.equal(await read(dev, 'RoundsManager', 'currentRound'), before);
    await dev.mine(1);
    assert.equal(await read(dev, 'RoundsManager', 'currentRound'), before + 1n);
    await dev.send(owner(), callOf(dev, 'RoundsManager', 'initializeRound'));
    await dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLength', [20n]));
    assert.equal(await read(dev, 'RoundsManager', 'currentRound'), before + 1n);
  });

  it('parameter setters are owner-only and validated', async () => {
    const stranger = dev.accounts.find((a) => a.role === 'user')!;
    await expectRevert(dev.send(stranger, callOf(dev, 'RoundsManager', 'setRoundLength', [10n])), 'caller must be Controller owner');
    await expectRevert(dev.send(stranger, callOf(dev, 'RoundsManager', 'setRoundLockAmount', [1n])), 'caller must be Controller owner');
    await expectRevert(dev.send(stranger, callOf(dev, 'RoundsManager', 'setLIPUpgradeRound', [1n, 1n])), 'caller must be Controller owner');
    await expectRevert(dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLength', [0n])), 'round length cannot be 0');
    await expectRevert(dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLockAmount', [1_000_001n])), 'round lock amount must be a valid percentage');
    await dev.send(owner(), callOf(dev, 'RoundsManager', 'setLIPUpgradeRound', [36n, 5n]));
    assert.equal(await read(dev, 'RoundsManager', 'lipUpgradeRound', [36n]), 5n);
    await expectRevert(dev.send(owner(), callOf(dev, 'RoundsManager', 'setLIPUpgradeRound', [36n, 6n])), 'LIP upgrade round already set');
  });
});

describe('initializeRound (invariants 5 and 6)', () => {
  it('initialises once per round: hash of the previous block, NewRound, stake snapshot, mintable tokens', async () => {
    await dev.mineToNextRound();
    const round = await read<bigint>(dev, 'RoundsManager', 'currentRound');
    assert.equal(await read(dev, 'RoundsManager', 'currentRoundInitialized'), false);
    const nextStake = await read<bigint>(dev, 'BondingManager', 'nextRoundTotalActiveStake');
    const [supply, inflation, change, target] = await Promise.all([
      read<bigint>(dev, 'LivepeerToken', 'totalSupply'),
      read<bigint>(dev, 'Minter', 'inflation'),
      read<bigint>(dev, 'Minter', 'inflationChange'),
      read<bigint>(dev, 'Minter', 'targetBondingRate'),
    ]);
    const receipt = await dev.send(owner(), callOf(dev, 'RoundsManager', 'initializeRound'));
    const parent = await dev.publicClient.getBlock({ blockNumber: receipt.blockNumber - 1n });
    assert.equal(await read(dev, 'RoundsManager', 'lastInitializedRound'), round);
    assert.equal(await read(dev, 'RoundsManager', 'currentRoundInitialized'), true);
    assert.equal(await read(dev, 'RoundsManager', 'blockHashForRound', [round]), parent.hash);

    const events = receipt.logs.flatMap((log) => {
      for (const name of ['RoundsManager', 'Minter'] as const) {
        try {
          return [decodeEventLog({ abi: artifact(name).abi, ...log, strict: true })];
        } catch {
          // not this contract's event
        }
      }
      return [];
    });
    const newRound = events.find((e) => e.eventName === 'NewRound');
    assert.deepEqual(newRound?.args, { round, blockHash: parent.hash as Hex });
    assert.equal(receipt.logs.at(-1)?.address.toLowerCase(), dev.contracts.RoundsManager.toLowerCase(), 'NewRound comes last');

    // Stake snapshot: next → current.
    assert.equal(await read(dev, 'BondingManager', 'currentRoundTotalActiveStake'), nextStake);
    // Inflation moves toward the target bonding rate (1e9 precision), then mintable = supply × inflation.
    const rate = (nextStake * 1_000_000_000n) / supply;
    const expected = rate < target ? inflation + change : rate > target ? (change > inflation ? 0n : inflation - change) : inflation;
    assert.equal(await read(dev, 'Minter', 'inflation'), expected);
    assert.equal(await read(dev, 'Minter', 'currentMintableTokens'), (supply * expected) / 1_000_000_000n);
    assert.equal(await read(dev, 'Minter', 'currentMintedTokens'), 0n);
    const set = events.find((e) => e.eventName === 'SetCurrentRewardTokens');
    assert.deepEqual(set?.args, { currentMintableTokens: (supply * expected) / 1_000_000_000n, currentInflation: expected });

    await expectRevert(dev.send(owner(), callOf(dev, 'RoundsManager', 'initializeRound')), 'round already initialized');
    await dev.mine(5);
    await expectRevert(dev.send(owner(), callOf(dev, 'RoundsManager', 'initializeRound')), 'round already initialized');
  });

  it('anyone may initialise; a skipped round keeps a zero hash and is never initialised', async () => {
    const skipped = await dev.mineToNextRound();
    assert.equal(await read(dev, 'RoundsManager', 'currentRoundInitialized'), false);
    const next = await dev.mineToNextRound();
    assert.equal(next, skipped + 1n);
    const anyone = dev.accounts.find((a) => a.role === 'user')!;
    await dev.send(anyone, callOf(dev, 'RoundsManager', 'initializeRound'));
    assert.equal(await read(dev, 'RoundsManager', 'lastInitializedRound'), next);
    assert.equal(await read(dev, 'RoundsManager', 'blockHashForRound', [skipped]), `0x${'00'.repeat(32)}`);
    assert.notEqual(await read(dev, 'RoundsManager', 'blockHashForRound', [next]), `0x${'00'.repeat(32)}`);
  });

  it('blockHash serves only past blocks within the last 256', async () => {
    const b = await block();
    const prev = await dev.publicClient.getBlock({ blockNumber: b - 1n });
    assert.equal(await read(dev, 'RoundsManager', 'blockHash', [b - 1n]), prev.hash);
    await assert.rejects(read(dev, 'RoundsManager', 'blockHash', [b]), /can only retrieve past block hashes/);
    await dev.mine(300);
    await assert.rejects(read(dev, 'RoundsManager', 'blockHash', [b - 1n]), /can only retrieve hashes for last 256 blocks/);
    await dev.advanceRounds(1);
  });
});

describe('round lock (invariant 7)', () => {
  it('currentRoundLocked is true exactly in the last roundLockAmount share of the round', async () => {
    for (const lockAmount of [100_000n, 250_000n, 0n]) {
      await dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLockAmount', [lockAmount]));
      await dev.advanceRounds(1);
      const [start, length] = [await read<bigint>(dev, 'RoundsManager', 'currentRoundStartBlock'), await read<bigint>(dev, 'RoundsManager', 'roundLength')];
      const lockedFrom = length - (length * lockAmount) / 1_000_000n;
      for (let b = await block(); b < start + length; b = await block()) {
        assert.equal(await read(dev, 'RoundsManager', 'currentRoundLocked'), b - start >= lockedFrom, `block ${b - start} of ${length}, lock ${lockAmount}`);
        await dev.mine(1);
      }
    }
    await dev.send(owner(), callOf(dev, 'RoundsManager', 'setRoundLockAmount', [100_000n]));
  });
});

describe('AdjustableRoundsManager (test-only variant)', () => {
  it('uses the block number and hash set by the owner', async () => {
    const a = artifact('AdjustableRoundsManager');
    const wallet = dev.walletClient(owner());
    const addr = await deploy(dev.publicClient, wallet, { name: 'AdjustableRoundsManager', abi: a.abi, bytecode: a.bytecode, args: [dev.controller] });
    const call = (functionName: string, args: unknown[] = []) => dev.send(owner(), { address: addr, abi: a.abi, functionName, args });
    const view = (functionName: string) => dev.publicClient.readContract({ address: addr, abi: a.abi, functionName }) as Promise<unknown>;
    await call('setBlockNum', [1_000_000n]);
    await call('setRoundLength', [5760n]);
    assert.equal(await view('currentRound'), 1_000_000n / 5760n);
    await call('mineBlocks', [5760n * 3n]);
    assert.equal(await view('currentRound'), 1_000_000n / 5760n + 3n);
    const hash = `0x${'42'.repeat(32)}` as Hex;
    await call('setBlockHash', [hash]);
    assert.equal(await dev.publicClient.readContract({ address: addr, abi: a.abi, functionName: 'blockHash', args: [1_000_000n + 5760n * 3n - 1n] }), hash);
    await expectRevert(dev.send(dev.accounts.at(-1)!, { address: addr, abi: a.abi, functionName: 'setBlockNum', args: [1n] }), 'caller must be Controller owner');
  });
});
