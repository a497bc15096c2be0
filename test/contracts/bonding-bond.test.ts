// BondingManager bonding rules on a real anvil devnet (contracts.md §10.10 invariants 13–17):
// status encodings and registration, no re-delegation by transcoders, transcoder() guards,
// unbonding locks (unbond → rebond / withdrawStake), and the third-party protections.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { zeroAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { gold, LPT, named, startBondingDevnet, type BondingEnv } from './helpers-bonding.js';

const Pending = 0;
const Bonded = 1;
const Unbonded = 2;
const UNBONDING_PERIOD = 2n;

describe('BondingManager bonding', () => {
  let env: BondingEnv;
  let o1: Address, o2: Address;
  const address = (pk: Hex) => privateKeyToAccount(pk).address;

  before(async () => {
    env = await startBondingDevnet({ orchestrators: 2, unbondingPeriod: UNBONDING_PERIOD });
    [o1, o2] = env.orchestrators.map((o) => o.address) as [Address, Address];
  });

  after(async () => {
    await env?.stop();
  });

  test('status encodings: Unbonded → Pending → Bonded; a self-bond alone registers a transcoder', async () => {
    const r = await env.ensureRoomInRound();
    const a = await env.newAccount();
    assert.equal(await env.bm<number>('delegatorStatus', [address(a)]), Unbonded);
    assert.equal(await env.bm<number>('transcoderStatus', [address(a)]), 0);
    await env.bond(a, LPT(10), o1);
    assert.equal(await env.bm<number>('delegatorStatus', [address(a)]), Pending);
    const d = await env.delegator(address(a));
    assert.equal(d.startRound, r + 1n);
    assert.equal(d.delegateAddress, o1);
    assert.equal(await env.bm<boolean>('isRegisteredTranscoder', [address(a)]), false);
    await env.nextRound();
    assert.equal(await env.bm<number>('delegatorStatus', [address(a)]), Bonded);

    const b = await env.newAccount();
    await env.bond(b, LPT(5), address(b));
    assert.equal(await env.bm<boolean>('isRegisteredTranscoder', [address(b)]), true);
    assert.equal(await env.bm<number>('transcoderStatus', [address(b)]), 1);
    await env.checkPool();
  });

  test('a registered transcoder cannot delegate elsewhere; a delegator moves its whole bond', async () => {
    await env.ensureRoomInRound();
    const o1acct = env.orchestrators[0]!;
    await env.expectRevert(o1acct, 'bond', [LPT(1), o2], "registered transcoders can't delegate towards other addresses");
    await env.expectRevert(o1acct, 'bond', [0n, o2], "registered transcoders can't delegate towards other addresses");
    await env.expectRevert(o1acct, 'bond', [0n, o1], 'delegation amount must be greater than 0');

    const m = await env.newAccount();
    await env.bond(m, LPT(20), o1);
    const r = await env.nextRound();
    const [s1, s2] = [await env.bm<bigint>('transcoderTotalStake', [o1]), await env.bm<bigint>('transcoderTotalStake', [o2])];
    const receipt = await env.bond(m, LPT(1), o2);
    assert.deepEqual(named(env.events(receipt), 'Bond'), [
      { newDelegate: o2, oldDelegate: o1, delegator: address(m), additionalAmount: LPT(1), bondedAmount: LPT(21) },
    ]);
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [o1]), s1 - LPT(20));
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [o2]), s2 + LPT(21));
    assert.equal((await env.delegator(address(m))).startRound, r + 1n, 'a new delegate starts next round');
    assert.equal(await env.bm<number>('delegatorStatus', [address(m)]), Pending);
    await env.checkPool();
  });

  test('unbonding locks: ids, withdraw rounds, rebond, withdrawStake of exactly the amount', async () => {
    const c = await env.newAccount();
    const cAddr = address(c);
    await env.ensureRoomInRound();
    await env.bond(c, LPT(100), o1);
    await env.expectRevert(c, 'unbond', [LPT(1)], 'caller must be bonded'); // still Pending
    let r = await env.nextRound();
    await env.expectRevert(c, 'unbond', [0n], 'unbond amount must be greater than 0');
    await env.expectRevert(c, 'unbond', [LPT(100) + 1n], 'amount is greater than bonded amount');

    const stake = await env.bm<bigint>('transcoderTotalStake', [o1]);
    let receipt = await env.bmTx(c, 'unbond', [LPT(30)]);
    assert.deepEqual(named(env.events(receipt), 'Unbond'), [
      { delegate: o1, delegator: cAddr, unbondingLockId: 0n, amount: LPT(30), withdrawRound: r + UNBONDING_PERIOD },
    ]);
    assert.deepEqual(await env.bm('getDelegatorUnbondingLock', [cAddr, 0n]), [LPT(30), r + UNBONDING_PERIOD]);
    assert.equal(await env.bm<boolean>('isValidUnbondingLock', [cAddr, 0n]), true);
    let d = await env.delegator(cAddr);
    assert.equal(d.nextUnbondingLockId, 1n);
    assert.equal(d.bondedAmount, LPT(70));
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [o1]), stake - LPT(30));
    await env.checkPool();

    await env.expectRevert(c, 'withdrawStake', [0n], 'withdraw round must be before or equal to the current round');
    await env.expectRevert(c, 'withdrawStake', [5n], 'invalid unbonding lock ID');

    receipt = await env.bmTx(c, 'rebond', [0n]);
    assert.deepEqual(named(env.events(receipt), 'Rebond'), [{ delegate: o1, delegator: cAddr, unbondingLockId: 0n, amount: LPT(30) }]);
    assert.deepEqual(await env.bm('getDelegatorUnbondingLock', [cAddr, 0n]), [0n, 0n]);
    assert.equal(await env.bm<boolean>('isValidUnbondingLock', [cAddr, 0n]), false);
    assert.equal((await env.delegator(cAddr)).bondedAmount, LPT(100));
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [o1]), stake);
    await env.checkPool();
    await env.expectRevert(c, 'rebond', [0n], 'invalid unbonding lock ID');

    receipt = await env.bmTx(c, 'unbond', [LPT(40)]);
    const withdrawRound = r + UNBONDING_PERIOD;
    assert.equal(named(env.events(receipt), 'Unbond')[0]?.unbondingLockId, 1n);
    await env.nextRound();
    await env.expectRevert(c, 'withdrawStake', [1n], 'withdraw round must be before or equal to the current round');
    r = await env.nextRound();
    assert.equal(r, withdrawRound);
    const [balBefore, minterBefore] = [await env.lptBalance(cAddr), await env.lptBalance(env.addr.minter)];
    receipt = await env.bmTx(c, 'withdrawStake', [1n]);
    assert.deepEqual(named(env.events(receipt), 'WithdrawStake'), [
      { delegator: cAddr, unbondingLockId: 1n, amount: LPT(40), withdrawRound },
    ]);
    assert.equal((await env.lptBalance(cAddr)) - balBefore, LPT(40));
    assert.equal(minterBefore - (await env.lptBalance(env.addr.minter)), LPT(40));
    await env.expectRevert(c, 'withdrawStake', [1n], 'invalid unbonding lock ID');

    // Full unbond: Unbonded, delegate cleared; then only rebondFromUnbonded works.
    receipt = await env.bmTx(c, 'unbond', [LPT(60)]);
    d = await env.delegator(cAddr);
    assert.equal(d.delegateAddress, zeroAddress);
    assert.equal(d.startRound, 0n);
    assert.equal(await env.bm<number>('delegatorStatus', [cAddr]), Unbonded);
    await env.expectRevert(c, 'rebond', [2n], 'caller must be bonded');
    const s2 = await env.bm<bigint>('transcoderTotalStake', [o2]);
    receipt = await env.bmTx(c, 'rebondFromUnbonded', [o2, 2n]);
    assert.deepEqual(named(env.events(receipt), 'Rebond'), [{ delegate: o2, delegator: cAddr, unbondingLockId: 2n, amount: LPT(60) }]);
    d = await env.delegator(cAddr);
    assert.equal(d.delegateAddress, o2);
    assert.equal(d.startRound, r + 1n);
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [o2]), s2 + LPT(60));
    await env.expectRevert(c, 'rebondFromUnbonded', [o1, 0n], 'caller must be unbonded');
    await env.checkPool();
  });

  test('transcoder() guards: percentages, registration, active-before-reward, lock, round initialised', async () => {
    await env.ensureRoomInRound();
    const o1acct = env.orchestrators[0]!;
    await env.expectRevert(o1acct, 'transcoder', [1_000_001n, 0n], 'invalid rewardCut percentage');
    await env.expectRevert(o1acct, 'transcoder', [0n, 1_000_001n], 'invalid feeShare percentage');
    await env.expectRevert(env.users[0]!, 'transcoder', [0n, 0n], 'transcoder must be registered');
    await env.expectRevert(
      o1acct,
      'transcoder',
      [200_000n, 500_000n],
      "caller can't be active or must have already called reward for the current round",
    );
    await env.bmTx(o1acct, 'reward');
    const receipt = await env.bmTx(o1acct, 'transcoder', [200_000n, 500_000n]);
    assert.deepEqual(named(env.events(receipt), 'TranscoderUpdate'), [{ transcoder: o1, rewardCut: 200_000n, feeShare: 500_000n }]);
    const t = await env.transcoderInfo(o1);
    assert.equal(t.rewardCut, 200_000n);
    assert.equal(t.feeShare, 500_000n);

    // Into the locked tail of the round.
    const [start, length, lock] = [
      await env.rounds<bigint>('currentRoundStartBlock'),
      await env.rounds<bigint>('roundLength'),
      await env.rounds<bigint>('roundLockAmount'),
    ];
    const lockStart = start + length - (length * lock) / 1_000_000n;
    await env.devnet.mine(lockStart - (await env.pub.getBlockNumber({ cacheTime: 0 })) + 2n);
    assert.equal(await env.rounds<boolean>('currentRoundLocked'), true);
    await env.expectRevert(o1acct, 'transcoder', [0n, 0n], "can't update transcoder params, current round is locked");

    // A round nobody initialised blocks staking.
    await env.devnet.mineToNextRound();
    assert.equal(await env.rounds<boolean>('currentRoundInitialized'), false);
    await env.expectRevert(o1acct, 'transcoder', [0n, 0n], 'current round is not initialized');
    await env.expectRevert(o1acct, 'bond', [LPT(1), o1], 'current round is not initialized');
    await env.expectRevert(o1acct, 'reward', [], 'current round is not initialized');
    await env.nextRound();
  });

  test('third parties: no null owner or delegate, no forced self-delegation or delegate change, no early claim', async () => {
    await env.ensureRoomInRound();
    const t = await env.newAccount(LPT(100));
    await env.tx(t, env.addr.token, gold.livepeerToken, 'approve', [env.addr.bonding, LPT(100)]);
    const v = await env.newAccount(0n);
    const vAddr = address(v);
    const bondFor = (owner: Address, to: Address, amount = LPT(1)) =>
      [amount, owner, to, zeroAddress, zeroAddress, zeroAddress, zeroAddress] as const;

    await env.expectRevert(t, 'bondForWithHint', bondFor(zeroAddress, o1), 'INVALID_DELEGATOR');
    await env.expectRevert(t, 'bondForWithHint', bondFor(vAddr, zeroAddress), 'INVALID_DELEGATE');
    await env.expectRevert(t, 'bondForWithHint', bondFor(vAddr, vAddr), 'INVALID_DELEGATE');
    // Bonding an unbonded owner to someone else is allowed, paid by the third party.
    const tBefore = await env.lptBalance(address(t));
    await env.bmTx(t, 'bondForWithHint', bondFor(vAddr, o1));
    env.participants.add(vAddr);
    assert.equal((await env.lptBalance(address(t))) - tBefore, -LPT(1));
    assert.equal((await env.delegator(vAddr)).bondedAmount, LPT(1));
    await env.expectRevert(t, 'bondForWithHint', bondFor(vAddr, o2), 'INVALID_DELEGATE_CHANGE');

    // Next round: o1 is active and has not called reward, v has not claimed → refused.
    const r = await env.nextRound();
    assert.equal((await env.transcoderInfo(o1)).lastRewardRound < r, true);
    await env.expectRevert(t, 'bondForWithHint', bondFor(vAddr, o1), 'ILLEGAL_CLAIM_EARNINGS');
    await env.bmTx(env.orchestrators[0]!, 'reward');
    const pending = await env.bm<bigint>('pendingStake', [vAddr, r]);
    await env.bmTx(t, 'bondForWithHint', bondFor(vAddr, o1));
    assert.equal((await env.delegator(vAddr)).bondedAmount, pending + LPT(1));

    // Another round: once v has claimed for itself, a third party may add again.
    await env.nextRound();
    await env.expectRevert(t, 'bondForWithHint', bondFor(vAddr, o1), 'ILLEGAL_CLAIM_EARNINGS');
    await env.bmTx(v, 'claimEarnings', [0n]);
    await env.bmTx(t, 'bondForWithHint', bondFor(vAddr, o1));
    await env.checkPool();
  });

  test('transferBond: no null receiver, no forced self-delegation, no early claim; moves stake as a lock', async () => {
    await env.ensureRoomInRound();
    const s = await env.newAccount(LPT(100));
    const x = await env.newAccount(0n); // an address that never bonded
    const xAddr = address(x);
    await env.bond(s, LPT(50), xAddr); // delegating to a non-transcoder is allowed
    await env.nextRound();
    const args = (to: Address, amount: bigint) => [to, amount, zeroAddress, zeroAddress, zeroAddress, zeroAddress] as const;
    await env.expectRevert(s, 'transferBond', args(zeroAddress, LPT(1)), 'INVALID_DELEGATOR');
    // x is unbonded and s delegates to x: the transfer would make x self-delegated.
    await env.expectRevert(s, 'transferBond', args(xAddr, LPT(1)), 'INVALID_DELEGATOR');
    // A bonded receiver whose active delegate has not called reward yet cannot be settled by s.
    const v = await env.newAccount(LPT(10));
    await env.bond(v, LPT(10), o2);
    const r = await env.nextRound();
    await env.expectRevert(s, 'transferBond', args(address(v), LPT(1)), 'ILLEGAL_CLAIM_EARNINGS');

    const receiver = await env.newAccount(0n);
    const rAddr = address(receiver);
    env.participants.add(rAddr);
    const stakeX = await env.bm<bigint>('transcoderTotalStake', [xAddr]);
    const receipt = await env.bmTx(s, 'transferBond', args(rAddr, LPT(20)));
    const evs = env.events(receipt);
    assert.deepEqual(named(evs, 'TransferBond'), [
      { oldDelegator: address(s), newDelegator: rAddr, oldUnbondingLockId: 0n, newUnbondingLockId: 0n, amount: LPT(20) },
    ]);
    assert.equal(named(evs, 'Unbond').length, 1);
    assert.deepEqual(named(evs, 'Rebond'), [{ delegate: xAddr, delegator: rAddr, unbondingLockId: 0n, amount: LPT(20) }]);
    const rd = await env.delegator(rAddr);
    assert.equal(rd.delegateAddress, xAddr, 'the receiver gets the sender’s delegate');
    assert.equal(rd.bondedAmount, LPT(20));
    assert.equal(rd.startRound, r + 1n);
    assert.equal((await env.delegator(address(s))).bondedAmount, LPT(30));
    assert.deepEqual(await env.bm('getDelegatorUnbondingLock', [address(s), 0n]), [0n, 0n], 'the sender keeps no lock');
    assert.equal(await env.bm<bigint>('transcoderTotalStake', [xAddr]), stakeX);
    await env.checkPool();
  });

  test('owner-only parameters and the pause switch', async () => {
    const stranger = env.users[0]!;
    await env.expectRevert(stranger, 'setUnbondingPeriod', [3n], 'caller must be Controller owner');
    const receipt = await env.bmTx(env.owner, 'setUnbondingPeriod', [UNBONDING_PERIOD]);
    assert.deepEqual(named(env.events(receipt), 'ParameterUpdate'), [{ param: 'unbondingPeriod' }]);
    assert.equal(await env.bm<bigint>('unbondingPeriod'), UNBONDING_PERIOD);
    await env.expectRevert(stranger, 'slashTranscoder', [o1, stranger.address, 1n, 1n], 'caller must be Verifier');
    await env.bmTx(stranger, 'checkpointBondingState', [o1]); // no BondingVotes here: a no-op

    await env.tx(env.owner, env.addr.controller, gold.controller, 'pause');
    await env.expectRevert(env.orchestrators[0]!, 'bond', [LPT(1), o1], 'system is paused');
    await env.expectRevert(env.orchestrators[0]!, 'reward', [], 'system is paused');
    await env.tx(env.owner, env.addr.controller, gold.controller, 'unpause');
  });
});
