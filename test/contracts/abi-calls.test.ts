// Invariants 29–31 (contracts.md §10.10) through the REAL ABIs in test/fixtures/abi: every function
// contracts.md §7 lists is called on the devnet's addresses and succeeds; the devtool flow's logs
// decode with the golden ABIs (all 13 topics go-livepeer watches); the pool walk has the deployed
// shape; the revert strings go-livepeer matches are byte-identical.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  decodeEventLog,
  encodeAbiParameters,
  encodePacked,
  keccak256,
  maxUint256,
  parseEther,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type Log,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { contractId, EthError, startDevnet, type DevAccount, type Devnet } from '../../src/eth/index.js';
import { goldenAbi } from '../fixtures.js';

const g = goldenAbi;
const GOLD = {
  Controller: g('controller'),
  BondingManager: g('bondingManager'),
  RoundsManager: g('roundsManager'),
  Minter: g('minter'),
  LivepeerToken: g('livepeerToken'),
  ServiceRegistry: g('serviceRegistry'),
  TicketBroker: g('ticketBroker'),
};
type Name = keyof typeof GOLD;

let dev: Devnet;
const logs: Log[] = [];
const called = new Set<string>();

const addr = (name: Name): Address => (name === 'Controller' ? dev.controller : dev.contracts[name]);
async function view<T = unknown>(name: Name, functionName: string, args: unknown[] = []): Promise<T> {
  called.add(`${name}.${functionName}`);
  return (await dev.publicClient.readContract({ address: addr(name), abi: GOLD[name], functionName, args })) as T;
}
async function tx(who: DevAccount, name: Name, functionName: string, args: unknown[] = [], value?: bigint): Promise<void> {
  called.add(`${name}.${functionName}`);
  const receipt = await dev.send(who, { address: addr(name), abi: GOLD[name], functionName, args, ...(value !== undefined ? { value } : {}) });
  logs.push(...receipt.logs);
}
async function reason(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EthError) return err.reason;
    throw err;
  }
  return undefined;
}
async function initRound(who: DevAccount): Promise<void> {
  await dev.mineToNextRound();
  await tx(who, 'RoundsManager', 'initializeRound');
}

interface TicketArgs {
  recipient: Address;
  sender: Address;
  faceValue: bigint;
  winProb: bigint;
  senderNonce: bigint;
  recipientRandHash: Hex;
  auxData: Hex;
}

/** A ticket signed independently of src/pm: viem packing + eth_sign of the ticket hash. */
async function signedTicket(sender: DevAccount, recipient: Address, creationRound: bigint, nonce: bigint, rand: bigint) {
  const blockHash = await view<Hex>('RoundsManager', 'blockHashForRound', [creationRound]);
  const ticket: TicketArgs = {
    recipient,
    sender: sender.address,
    faceValue: parseEther('0.01'),
    winProb: maxUint256,
    senderNonce: nonce,
    recipientRandHash: keccak256(encodeAbiParameters([{ type: 'uint256' }], [rand])),
    auxData: encodePacked(['uint256', 'bytes32'], [creationRound, blockHash]),
  };
  const hash = keccak256(
    encodePacked(
      ['address', 'address', 'uint256', 'uint256', 'uint256', 'bytes32', 'bytes'],
      [ticket.recipient, ticket.sender, ticket.faceValue, ticket.winProb, ticket.senderNonce, ticket.recipientRandHash, ticket.auxData],
    ),
  );
  const sig = await privateKeyToAccount(sender.privateKey).signMessage({ message: { raw: hash } });
  return { ticket, hash, sig };
}

before(async () => {
  dev = await startDevnet({ orchestrators: 2, gateways: 1, roundLength: 40n });
});
after(async () => {
  await dev?.stop();
});

describe('calls through test/fixtures/abi on the devnet (§7, invariants 29–31)', () => {
  it('the devtool flow: initializeRound, approve, bondWithHint, transcoder, setServiceURI, fundDepositAndReserve', async () => {
    const [deployer] = dev.accounts;
    const users = dev.accounts.filter((a) => a.role === 'user');
    const newOrch = users[0]!;
    const gw = users[1]!; // a fresh gateway, funded here
    await initRound(deployer!);
    assert.equal(await view('RoundsManager', 'currentRoundInitialized'), true);
    assert.equal(await view('RoundsManager', 'currentRoundLocked'), false);
    const amount = parseEther('2000');
    await tx(newOrch, 'LivepeerToken', 'approve', [dev.contracts.BondingManager, amount]);
    assert.equal(await view('LivepeerToken', 'allowance', [newOrch.address, dev.contracts.BondingManager]), amount);
    await tx(newOrch, 'BondingManager', 'bondWithHint', [amount, newOrch.address, zeroAddress, zeroAddress, zeroAddress, zeroAddress]);
    await tx(newOrch, 'BondingManager', 'transcoder', [50_000n, 250_000n]);
    await tx(newOrch, 'ServiceRegistry', 'setServiceURI', ['https://127.0.0.1:18935']);
    assert.equal(await view('ServiceRegistry', 'getServiceURI', [newOrch.address]), 'https://127.0.0.1:18935');
    await tx(gw, 'TicketBroker', 'fundDepositAndReserve', [parseEther('1'), parseEther('2')], parseEther('3'));
    await tx(gw, 'TicketBroker', 'fundDeposit', [], parseEther('1'));
    await tx(gw, 'TicketBroker', 'fundReserve', [], parseEther('1'));
    const info = await view<readonly [{ deposit: bigint; withdrawRound: bigint }, { fundsRemaining: bigint; claimedInCurrentRound: bigint }]>('TicketBroker', 'getSenderInfo', [gw.address]);
    assert.equal(info[0].deposit, parseEther('2'));
    assert.equal(info[0].withdrawRound, 0n);
    assert.equal(info[1].fundsRemaining, parseEther('3'));
    assert.equal(info[1].claimedInCurrentRound, 0n);
    await initRound(deployer!);
    assert.equal(await view('BondingManager', 'isActiveTranscoder', [newOrch.address]), true);
  });

  it('the pool walk has the deployed shape (invariant 30)', async () => {
    const round = await view<bigint>('RoundsManager', 'lastInitializedRound');
    const size = await view<bigint>('BondingManager', 'getTranscoderPoolSize');
    assert.equal(await view('BondingManager', 'getTranscoderPoolMaxSize'), 10n);
    const seen: Address[] = [];
    let cur = await view<Address>('BondingManager', 'getFirstTranscoderInPool');
    for (let i = 0; i < 100 && cur !== zeroAddress; i++) {
      seen.push(cur);
      const t = await view<readonly bigint[]>('BondingManager', 'getTranscoder', [cur]);
      assert.equal(t.length, 10);
      for (const v of t) assert.equal(typeof v, 'bigint');
      assert.equal(await view('BondingManager', 'transcoderStatus', [cur]), 1);
      const stake = await view<bigint>('BondingManager', 'transcoderTotalStake', [cur]);
      assert.ok(stake > 0n);
      assert.equal(await view('BondingManager', 'isActiveTranscoder', [cur]), true);
      assert.match(await view<string>('ServiceRegistry', 'getServiceURI', [cur]), /^https:\/\//);
      const pool = await view<readonly bigint[]>('BondingManager', 'getTranscoderEarningsPoolForRound', [cur, round]);
      assert.equal(pool.length, 5);
      cur = await view<Address>('BondingManager', 'getNextTranscoderInPool', [cur]);
    }
    assert.equal(BigInt(seen.length), size);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok((await view<bigint>('BondingManager', 'getTotalBonded')) > 0n);
  });

  it('reward, redemption of a viem-signed ticket, fee withdrawal', async () => {
    const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
    const gw = dev.accounts.find((a) => a.role === 'gateway')!;
    const t = await view<readonly bigint[]>('BondingManager', 'getTranscoder', [orch.address]);
    const before = await view<bigint>('BondingManager', 'transcoderTotalStake', [orch.address]);
    assert.ok((await view<bigint>('Minter', 'currentMintableTokens')) > 0n);
    await tx(orch, 'BondingManager', 'rewardWithHint', [zeroAddress, zeroAddress]);
    assert.ok((await view<bigint>('BondingManager', 'transcoderTotalStake', [orch.address])) > before);
    assert.ok(t[0]! < (await view<readonly bigint[]>('BondingManager', 'getTranscoder', [orch.address]))[0]!);

    const round = await view<bigint>('RoundsManager', 'lastInitializedRound');
    const { ticket, hash, sig } = await signedTicket(gw, orch.address, round, 1n, 12345n);
    assert.equal(await view('TicketBroker', 'getTicketHash', [ticket]), hash);
    assert.equal(await view('TicketBroker', 'usedTickets', [hash]), false);
    await tx(orch, 'TicketBroker', 'redeemWinningTicket', [ticket, sig, 12345n]);
    assert.equal(await view('TicketBroker', 'usedTickets', [hash]), true);
    // Revert strings go-livepeer matches (invariant 31).
    assert.equal(await reason(tx(orch, 'TicketBroker', 'redeemWinningTicket', [ticket, sig, 12345n])), 'ticket is used');
    const skipped = await signedTicket(gw, orch.address, round + 1n, 2n, 1n);
    assert.equal(await reason(tx(orch, 'TicketBroker', 'redeemWinningTicket', [skipped.ticket, skipped.sig, 1n])), 'ticket creationRound does not have a block hash');
    assert.equal(await view('TicketBroker', 'claimedReserve', [gw.address, orch.address]), 0n);

    const fees = await view<bigint>('BondingManager', 'pendingFees', [orch.address, round]);
    assert.equal(fees, ticket.faceValue, 'feeShare 0: the orchestrator earns the whole face value');
    await tx(orch, 'BondingManager', 'withdrawFees', [orch.address, fees]);
    assert.equal(await view('BondingManager', 'pendingFees', [orch.address, round]), 0n);
  });

  it('delegation: bondWithHint, unbondWithHint, rebondWithHint, rebondFromUnbondedWithHint, claimEarnings, withdrawStake', async () => {
    const [deployer] = dev.accounts;
    const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
    const d = dev.accounts.filter((a) => a.role === 'user')[2]!;
    const z = zeroAddress;
    await tx(d, 'LivepeerToken', 'approve', [dev.contracts.BondingManager, parseEther('100')]);
    await tx(d, 'BondingManager', 'bondWithHint', [parseEther('100'), orch.address, z, z, z, z]);
    assert.equal(await view('BondingManager', 'delegatorStatus', [d.address]), 0); // Pending until next round
    await initRound(deployer!);
    assert.equal(await view('BondingManager', 'delegatorStatus', [d.address]), 1);
    await tx(d, 'BondingManager', 'unbondWithHint', [parseEther('40'), z, z]);
    const lock = await view<readonly [bigint, bigint]>('BondingManager', 'getDelegatorUnbondingLock', [d.address, 0n]);
    const period = await view<bigint>('BondingManager', 'unbondingPeriod');
    assert.equal(lock[0], parseEther('40'));
    assert.equal(lock[1], (await view<bigint>('RoundsManager', 'currentRound')) + period);
    await tx(d, 'BondingManager', 'rebondWithHint', [0n, z, z]);
    await tx(d, 'BondingManager', 'unbondWithHint', [parseEther('100'), z, z]); // full: Unbonded
    assert.equal(await view('BondingManager', 'delegatorStatus', [d.address]), 2);
    await tx(d, 'BondingManager', 'rebondFromUnbondedWithHint', [orch.address, 1n, z, z]);
    await initRound(deployer!); // rebonding from Unbonded makes the delegator Pending until next round
    await tx(d, 'BondingManager', 'unbondWithHint', [parseEther('10'), z, z]);
    for (let i = 0n; i < period; i++) await initRound(deployer!);
    const round = await view<bigint>('RoundsManager', 'currentRound');
    await tx(d, 'BondingManager', 'claimEarnings', [round]);
    const bal = await view<bigint>('LivepeerToken', 'balanceOf', [d.address]);
    await tx(d, 'BondingManager', 'withdrawStake', [2n]);
    assert.equal(await view('LivepeerToken', 'balanceOf', [d.address]), bal + parseEther('10'));
    const del = await view<readonly unknown[]>('BondingManager', 'getDelegator', [d.address]);
    assert.equal(del.length, 7);
    assert.ok((await view<bigint>('BondingManager', 'pendingStake', [d.address, round])) >= parseEther('90'));
  });

  it('sender unlock, cancelUnlock, withdraw; a resigning orchestrator is deactivated', async () => {
    const [deployer] = dev.accounts;
    const gw = dev.accounts.filter((a) => a.role === 'user')[1]!;
    await tx(gw, 'TicketBroker', 'unlock');
    await tx(gw, 'TicketBroker', 'cancelUnlock');
    await tx(gw, 'TicketBroker', 'unlock');
    const period = await view<bigint>('TicketBroker', 'unlockPeriod');
    for (let i = 0n; i < period; i++) await initRound(deployer!);
    await tx(gw, 'TicketBroker', 'withdraw');
    const newOrch = dev.accounts.filter((a) => a.role === 'user')[0]!;
    const bonded = (await view<readonly bigint[]>('BondingManager', 'getDelegator', [newOrch.address]))[0]!;
    await tx(newOrch, 'BondingManager', 'unbondWithHint', [bonded, zeroAddress, zeroAddress]);
    const lptBefore = await view<bigint>('LivepeerToken', 'balanceOf', [newOrch.address]);
    await tx(newOrch, 'LivepeerToken', 'transfer', [gw.address, 1n]);
    assert.equal(await view('LivepeerToken', 'balanceOf', [newOrch.address]), lptBefore - 1n);
  });

  it('protocol-info reads all succeed', async () => {
    for (const f of ['roundLength', 'roundLockAmount', 'currentRoundStartBlock', 'currentRound', 'lastInitializedRound', 'currentRoundLocked']) await view('RoundsManager', f);
    await view('RoundsManager', 'blockHashForRound', [await view<bigint>('RoundsManager', 'lastInitializedRound')]);
    for (const f of ['inflation', 'inflationChange', 'targetBondingRate', 'getGlobalTotalSupply', 'currentMintableTokens']) await view('Minter', f);
    await view('LivepeerToken', 'totalSupply');
    assert.equal(await view('Controller', 'paused'), false);
    assert.equal(await view('Controller', 'getContract', [contractId('TicketBroker')]), dev.contracts.TicketBroker);
    await view('TicketBroker', 'ticketValidityPeriod');
  });

  it('every watched event decodes with the golden ABIs (invariant 29), and every §7 function was called', () => {
    const byAddress = new Map<string, Abi>(Object.keys(GOLD).map((n) => [addr(n as Name).toLowerCase(), GOLD[n as Name]]));
    const seen = new Set<string>();
    for (const log of logs) {
      const abi = byAddress.get(log.address.toLowerCase());
      if (!abi) continue;
      const ev = decodeEventLog({ abi, data: log.data, topics: log.topics, strict: true });
      if (ev.eventName) seen.add(ev.eventName);
    }
    const watched = ['Unbond', 'Rebond', 'WithdrawStake', 'TranscoderActivated', 'TranscoderDeactivated', 'NewRound', 'DepositFunded', 'ReserveFunded', 'Withdrawal', 'WinningTicketTransfer', 'Unlock', 'UnlockCancelled', 'ServiceURIUpdate'];
    for (const w of watched) assert.ok(seen.has(w), `no ${w} log decoded (saw ${[...seen].join(', ')})`);

    const section7 = [
      'Controller.getContract', 'Controller.paused',
      'BondingManager.getFirstTranscoderInPool', 'BondingManager.getNextTranscoderInPool', 'BondingManager.getTranscoder',
      'BondingManager.transcoderStatus', 'BondingManager.transcoderTotalStake', 'BondingManager.isActiveTranscoder',
      'BondingManager.getTranscoderEarningsPoolForRound', 'BondingManager.getTotalBonded', 'BondingManager.getTranscoderPoolMaxSize',
      'BondingManager.getTranscoderPoolSize', 'BondingManager.rewardWithHint', 'BondingManager.getDelegator', 'BondingManager.delegatorStatus',
      'BondingManager.pendingStake', 'BondingManager.pendingFees', 'BondingManager.getDelegatorUnbondingLock', 'BondingManager.bondWithHint',
      'BondingManager.unbondWithHint', 'BondingManager.rebondWithHint', 'BondingManager.rebondFromUnbondedWithHint', 'BondingManager.withdrawStake',
      'BondingManager.claimEarnings', 'BondingManager.withdrawFees', 'BondingManager.transcoder', 'BondingManager.unbondingPeriod',
      'RoundsManager.lastInitializedRound', 'RoundsManager.blockHashForRound', 'RoundsManager.currentRoundStartBlock', 'RoundsManager.roundLength',
      'RoundsManager.currentRoundInitialized', 'RoundsManager.initializeRound', 'RoundsManager.currentRound', 'RoundsManager.currentRoundLocked',
      'RoundsManager.roundLockAmount',
      'Minter.currentMintableTokens', 'Minter.inflation', 'Minter.inflationChange', 'Minter.targetBondingRate', 'Minter.getGlobalTotalSupply',
      'LivepeerToken.allowance', 'LivepeerToken.approve', 'LivepeerToken.balanceOf', 'LivepeerToken.totalSupply', 'LivepeerToken.transfer',
      'ServiceRegistry.getServiceURI', 'ServiceRegistry.setServiceURI',
      'TicketBroker.getSenderInfo', 'TicketBroker.claimedReserve', 'TicketBroker.usedTickets', 'TicketBroker.redeemWinningTicket',
      'TicketBroker.fundDepositAndReserve', 'TicketBroker.fundDeposit', 'TicketBroker.fundReserve', 'TicketBroker.unlock',
      'TicketBroker.cancelUnlock', 'TicketBroker.withdraw', 'TicketBroker.unlockPeriod',
    ];
    const missing = section7.filter((f) => !called.has(f));
    assert.deepEqual(missing, []);
  });
});
