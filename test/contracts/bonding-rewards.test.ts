// BondingManager reward minting on a real anvil devnet (contracts.md §10.10 invariants 18, 19, 21):
// only active transcoders, once per round; mint = mintable × snapshot / totalActive with the
// Minter's 1e9 rounding; LIP-36 pendingStake; claim idempotence; LPT conservation; treasury cut.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keccak256, stringToHex, zeroAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  gold,
  LPT,
  MINTER_DIVISOR,
  named,
  PERC_DIVISOR,
  PRECISE_DIVISOR,
  startBondingDevnet,
  type BondingEnv,
} from './helpers-bonding.js';

/** PreciseMathUtils.percOf(a, num, den): through a rounded-down 1e27 percentage. */
const precisePercOf = (a: bigint, num: bigint, den: bigint) => (a * ((num * PRECISE_DIVISOR) / den)) / PRECISE_DIVISOR;
const orOne = (f: bigint) => (f === 0n ? PRECISE_DIVISOR : f);

describe('BondingManager rewards', () => {
  let env: BondingEnv;
  let o1: Address, o2: Address;
  let d1: Hex, d2: Hex;
  const address = (pk: Hex) => privateKeyToAccount(pk).address;
  let supplyAtStart = 0n;
  let mintedSoFar = 0n;

  /** reward() from `who`, returning the Reward event amount (and counting it as minted). */
  async function reward(who: Parameters<BondingEnv['bmTx']>[0]): Promise<bigint> {
    const receipt = await env.bmTx(who, 'reward');
    const evs = env.events(receipt);
    const amount = named(evs, 'Reward')[0]?.amount as bigint;
    const toTreasury = named(evs, 'TreasuryReward').reduce((s, e) => s + (e.amount as bigint), 0n);
    mintedSoFar += amount + toTreasury;
    return amount;
  }

  /** LPT conservation: the Minter holds at least what is owed, and only rounding dust more. */
  async function checkLptConservation() {
    const held = await env.lptBalance(env.addr.minter);
    const owed = await env.lptOwed();
    assert.ok(held >= owed, `Minter holds ${held} LPT wei < owed ${owed}`);
    assert.ok(held - owed <= 100n * BigInt(env.participants.size), `dust ${held - owed} too large`);
    assert.equal(await env.token<bigint>('totalSupply'), supplyAtStart + mintedSoFar, 'supply grows only by rewards');
  }

  before(async () => {
    env = await startBondingDevnet({ orchestrators: 2 });
    [o1, o2] = env.orchestrators.map((o) => o.address) as [Address, Address];
    supplyAtStart = await env.token<bigint>('totalSupply');
    await env.ensureRoomInRound();
    d1 = await env.newAccount(LPT(1000));
    d2 = await env.newAccount(LPT(1000));
    await env.bond(d1, LPT(100), o1);
    await env.bond(d2, LPT(50), o1);
    await env.nextRound();
  });

  after(async () => {
    await env?.stop();
  });

  test('only an active transcoder may call reward, once per round', async () => {
    await env.ensureRoomInRound();
    await env.expectRevert(env.users[0]!, 'reward', [], 'caller must be an active transcoder');
    const fresh = await env.newAccount(LPT(10));
    await env.bond(fresh, LPT(10), address(fresh)); // registered and in the pool, active only next round
    await env.expectRevert(fresh, 'reward', [], 'caller must be an active transcoder');
    assert.ok((await reward(env.orchestrators[0]!)) > 0n);
    await env.expectRevert(env.orchestrators[0]!, 'reward', [], 'caller has already called reward for the current round');
    await env.checkPool();
    await checkLptConservation();
  });

  test('mint = mintable × snapshot / currentRoundTotalActiveStake (1e9 rounding); stake, key and totals grow by it', async () => {
    const r = await env.nextRound();
    const mintable = await env.minter<bigint>('currentMintableTokens');
    assert.equal(await env.minter<bigint>('currentMintedTokens'), 0n);
    const total = await env.bm<bigint>('currentRoundTotalActiveStake');
    let mintedThisRound = 0n;
    for (const o of env.orchestrators) {
      const snapshot = await env.stakeSnapshot(o.address, r);
      const expected = (mintable * ((snapshot * MINTER_DIVISOR) / total)) / MINTER_DIVISOR;
      const [stake, nextTotal, supply] = [
        await env.bm<bigint>('transcoderTotalStake', [o.address]),
        await env.bm<bigint>('nextRoundTotalActiveStake'),
        await env.token<bigint>('totalSupply'),
      ];
      const prev = await env.earningsPool(o.address, (await env.transcoderInfo(o.address)).lastRewardRound);
      const minted = await reward(o);
      mintedThisRound += minted;
      assert.equal(minted, expected);
      assert.equal(await env.minter<bigint>('currentMintedTokens'), mintedThisRound);
      assert.equal(await env.token<bigint>('totalSupply'), supply + minted);
      assert.equal(await env.bm<bigint>('transcoderTotalStake', [o.address]), stake + minted);
      assert.equal(await env.bm<bigint>('nextRoundTotalActiveStake'), nextTotal + minted);
      // The round's pool: the snapshot, the commission fixed, and CRF grown by the delegators' part.
      const pool = await env.earningsPool(o.address, r);
      const t = await env.transcoderInfo(o.address);
      assert.equal(pool.totalStake, snapshot);
      assert.equal(pool.transcoderRewardCut, t.rewardCut);
      assert.equal(pool.transcoderFeeShare, t.feeShare);
      const delegatorsRewards = minted - (minted * t.rewardCut) / PERC_DIVISOR;
      const prevCrf = orOne(prev.cumulativeRewardFactor);
      assert.equal(pool.cumulativeRewardFactor, prevCrf + precisePercOf(prevCrf, delegatorsRewards, snapshot));
      assert.equal(t.lastRewardRound, r);
      await env.checkPool();
    }
    assert.ok(mintedThisRound <= mintable, 'Σ mints ≤ currentMintableTokens');
    await checkLptConservation();
  });

  test('pendingStake = bonded × CRF_end / CRF_start; the transcoder adds its cumulativeRewards', async () => {
    const r = await env.currentRound();
    const end = await env.earningsPool(o1, r);
    let sum = 0n;
    for (const d of [address(d1), address(d2), o1]) {
      const del = await env.delegator(d);
      const start = await env.earningsPool(o1, del.lastClaimRound);
      let expected = precisePercOf(del.bondedAmount, orOne(end.cumulativeRewardFactor), orOne(start.cumulativeRewardFactor));
      if (d === o1) expected += (await env.transcoderInfo(o1)).cumulativeRewards;
      const pending = await env.bm<bigint>('pendingStake', [d, 0n]); // the round argument is ignored
      assert.equal(pending, expected);
      assert.ok(pending > del.bondedAmount, 'rewards accrued');
      sum += pending;
    }
    const delegated = await env.bm<bigint>('transcoderTotalStake', [o1]);
    assert.ok(sum <= delegated && delegated - sum <= 10n, `Σ pendingStake ${sum} vs delegated ${delegated}`);
  });

  test('claimEarnings settles pendingStake once per round; claiming again changes nothing', async () => {
    const r = await env.currentRound();
    const who = address(d1);
    const before = await env.delegator(who);
    const pending = await env.bm<bigint>('pendingStake', [who, r]);
    let receipt = await env.bmTx(d1, 'claimEarnings', [r]);
    assert.deepEqual(named(env.events(receipt), 'EarningsClaimed'), [
      {
        delegate: o1,
        delegator: who,
        rewards: pending - before.bondedAmount,
        fees: 0n,
        startRound: before.lastClaimRound + 1n,
        endRound: r,
      },
    ]);
    const after1 = await env.delegator(who);
    assert.equal(after1.bondedAmount, pending);
    assert.equal(after1.lastClaimRound, r);
    assert.equal(await env.bm<bigint>('pendingStake', [who, r]), pending);
    receipt = await env.bmTx(d1, 'claimEarnings', [r + 5n]);
    assert.deepEqual(named(env.events(receipt), 'EarningsClaimed'), []);
    assert.deepEqual(await env.delegator(who), after1);

    // The transcoder's own claim moves its cumulativeRewards into its bond and zeroes them.
    const oPending = await env.bm<bigint>('pendingStake', [o1, r]);
    await env.bmTx(env.orchestrators[0]!, 'claimEarnings', [r]);
    assert.equal((await env.delegator(o1)).bondedAmount, oPending);
    assert.equal((await env.transcoderInfo(o1)).cumulativeRewards, 0n);
    assert.equal(await env.bm<bigint>('pendingStake', [o1, r]), oPending);
    await checkLptConservation();
  });

  test('LPT conservation over rounds of rewards, bonds, unbonds, rebonds and withdrawals', async () => {
    const d3 = await env.newAccount(LPT(500));
    for (let i = 0; i < 4; i++) {
      await env.nextRound();
      // Rewards first each round, so no delegator forfeits a round's share by settling before it.
      for (const o of env.orchestrators) await reward(o);
      await checkLptConservation();
      switch (i) {
        case 0:
          await env.bond(d3, LPT(200), o2);
          await env.bmTx(d2, 'unbond', [LPT(20)]);
          break;
        case 1:
          await env.bmTx(d2, 'rebond', [0n]);
          await env.bmTx(d1, 'unbond', [LPT(30)]);
          await env.bond(d3, LPT(1), o2);
          break;
        case 2:
          // Full unbond: the claim inside unbond settles exactly pendingStake first.
          await env.bmTx(d3, 'unbond', [await env.bm<bigint>('pendingStake', [address(d3), 0n])]);
          assert.equal(await env.bm<number>('delegatorStatus', [address(d3)]), 2);
          break;
        case 3: {
          await env.bmTx(d1, 'withdrawStake', [0n]);
          await env.bmTx(d3, 'rebondFromUnbonded', [o1, 0n]);
          break;
        }
      }
      await env.checkPool();
      await checkLptConservation();
    }
  });

  test('a treasury cut (1e27 precision) leaves at reward time and stops at the balance ceiling', async () => {
    const treasury = address(await env.newAccount(0n));
    await env.tx(env.owner, env.addr.controller, gold.controller, 'setContractInfo', [
      keccak256(stringToHex('Treasury')),
      treasury,
      `0x${'00'.repeat(20)}`,
    ]);
    const rate = PRECISE_DIVISOR / 10n; // 10%
    await env.expectRevert(env.owner, 'setTreasuryRewardCutRate', [PRECISE_DIVISOR + 1n], '_cutRate is invalid precise percentage');
    await env.bmTx(env.owner, 'setTreasuryRewardCutRate', [rate]);
    assert.equal(await env.bm<bigint>('nextRoundTreasuryRewardCutRate'), rate);
    assert.equal(await env.bm<bigint>('treasuryRewardCutRate'), 0n, 'takes effect next round');
    await env.bmTx(env.owner, 'setTreasuryBalanceCeiling', [LPT(1000)]);

    await env.nextRound();
    assert.equal(await env.bm<bigint>('treasuryRewardCutRate'), rate);
    const mintable = await env.minter<bigint>('currentMintableTokens');
    const r = await env.currentRound();
    const snapshot = await env.stakeSnapshot(o1, r);
    const total = await env.bm<bigint>('currentRoundTotalActiveStake');
    const minted = (mintable * ((snapshot * MINTER_DIVISOR) / total)) / MINTER_DIVISOR;
    const receipt = await env.bmTx(env.orchestrators[0]!, 'reward');
    const evs = env.events(receipt);
    const share = (minted * rate) / PRECISE_DIVISOR;
    assert.deepEqual(named(evs, 'TreasuryReward'), [{ transcoder: o1, treasury, amount: share }]);
    assert.deepEqual(named(evs, 'Reward'), [{ transcoder: o1, amount: minted - share }]);
    mintedSoFar += minted;
    assert.equal(await env.lptBalance(treasury), share);
    await checkLptConservation();

    // Ceiling reached (set below the balance): the cut stops from next round on.
    await env.bmTx(env.owner, 'setTreasuryBalanceCeiling', [1n]);
    const r2 = await env.bmTx(env.orchestrators[1]!, 'reward');
    const evs2 = env.events(r2);
    assert.deepEqual(named(evs2, 'ParameterUpdate'), [{ param: 'nextRoundTreasuryRewardCutRate' }]);
    mintedSoFar += named(evs2, 'Reward').reduce((s, e) => s + (e.amount as bigint), 0n);
    mintedSoFar += named(evs2, 'TreasuryReward').reduce((s, e) => s + (e.amount as bigint), 0n);
    assert.equal(await env.bm<bigint>('nextRoundTreasuryRewardCutRate'), 0n);
    await env.nextRound();
    assert.equal(await env.bm<bigint>('treasuryRewardCutRate'), 0n);
    const r3 = await env.bmTx(env.orchestrators[0]!, 'reward');
    assert.deepEqual(named(env.events(r3), 'TreasuryReward'), []);
    mintedSoFar += named(env.events(r3), 'Reward').reduce((s, e) => s + (e.amount as bigint), 0n);
    await checkLptConservation();
    assert.notEqual(treasury, zeroAddress);
  });
});
