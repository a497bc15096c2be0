// BondingManager fees on a real anvil devnet (contracts.md §10.10 invariants 20–23): crediting only
// from the TicketBroker (impersonated, and through real winning tickets), fee sharing with
// delegators, pendingFees / claimEarnings idempotence, withdrawFees, the C4 H-01 regression
// (missed previous-round reward, then fees) and ETH conservation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseEther, zeroAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { gold, LPT, named, PERC_DIVISOR, PRECISE_DIVISOR, startBondingDevnet, type BondingEnv } from './helpers-bonding.js';

const precisePercOf = (a: bigint, num: bigint, den: bigint) => (a * ((num * PRECISE_DIVISOR) / den)) / PRECISE_DIVISOR;
const orOne = (f: bigint) => (f === 0n ? PRECISE_DIVISOR : f);

describe('BondingManager fees', () => {
  let env: BondingEnv;
  let o1: Address, o2: Address;
  let d1: Hex;
  let nonce = 0n;
  const address = (pk: Hex) => privateKeyToAccount(pk).address;

  /** ETH conservation: the Minter holds at least deposits + reserves + Σ pendingFees, and only dust more. */
  async function checkEthConservation() {
    const held = await env.ethBalance(env.addr.minter);
    const owed = await env.ethOwed();
    assert.ok(held >= owed, `Minter holds ${held} wei < owed ${owed}`);
    assert.ok(held - owed <= 100n * BigInt(env.participants.size), `dust ${held - owed} too large`);
  }

  const pendingFees = (who: Address) => env.bm<bigint>('pendingFees', [who, 0n]);

  before(async () => {
    // A pool of 3, so that transcoders get evicted below.
    env = await startBondingDevnet({ orchestrators: 2, gateways: 1, numActiveTranscoders: 3n });
    [o1, o2] = env.orchestrators.map((o) => o.address) as [Address, Address];
    await env.ensureRoomInRound();
    d1 = await env.newAccount(LPT(1000));
    await env.bond(d1, LPT(100), o2);
    await env.nextRound();
  });

  after(async () => {
    await env?.stop();
  });

  test('updateTranscoderWithFees: only from the TicketBroker, only for a registered transcoder with a stake snapshot', async () => {
    await env.ensureRoomInRound();
    const r = await env.currentRound();
    await env.expectRevert(env.users[0]!, 'updateTranscoderWithFees', [o1, 1n, r], 'caller must be TicketBroker');
    await env.expectRevert(env.addr.broker, 'updateTranscoderWithFees', [env.users[0]!.address, 1n, r], 'transcoder must be registered');
    const fresh = await env.newAccount(LPT(10));
    await env.bond(fresh, LPT(10), address(fresh)); // registered; first snapshot is next round's
    await env.expectRevert(
      env.addr.broker,
      'updateTranscoderWithFees',
      [address(fresh), 1n, r],
      'transcoder has no stake snapshot for the current round',
    );
    await env.tx(env.owner, env.addr.controller, gold.controller, 'pause');
    await env.expectRevert(env.addr.broker, 'updateTranscoderWithFees', [o1, 1n, r], 'system is paused');
    await env.tx(env.owner, env.addr.controller, gold.controller, 'unpause');
  });

  test('feeShare 0 and no delegators: pendingFees grows by exactly the fees, in the current round whatever the round argument', async () => {
    const r = await env.currentRound();
    const before = await pendingFees(o1);
    await env.creditFeesAsBroker(o1, 12_345n);
    assert.equal(await pendingFees(o1), before + 12_345n);
    // The round argument is ignored: fees land in the current round.
    await env.bmTx(env.addr.broker, 'updateTranscoderWithFees', [o1, 0n, 0n]);
    const t = await env.transcoderInfo(o1);
    assert.equal(t.lastFeeRound, r);
    assert.equal(t.cumulativeFees, before + 12_345n);
    await checkEthConservation();
  });

  test('a winning ticket redeemed on the TicketBroker credits its face value', async () => {
    const gw = env.gateways[0]!;
    const faceValue = parseEther('0.001');
    const before = await pendingFees(o1);
    const receipt = await env.redeemTicket(gw, env.orchestrators[0]!, faceValue, ++nonce);
    assert.equal(receipt.status, 'success');
    assert.equal(await pendingFees(o1), before + faceValue);
    await checkEthConservation();
  });

  test('with a feeShare, delegators get their share: Σ pendingFees ≤ credited, within dust', async () => {
    // Rates may change once this round's reward is in; the new feeShare applies from next round.
    await env.ensureRoomInRound();
    const o2acct = env.orchestrators[1]!;
    await env.bmTx(o2acct, 'reward');
    await env.bmTx(o2acct, 'transcoder', [100_000n, 500_000n]);
    const r = await env.nextRound();
    const stakeAtStart = await env.bm<bigint>('pendingStake', [address(d1), 0n]); // d1's part of the snapshot
    await env.bmTx(o2acct, 'reward');
    const pool = await env.earningsPool(o2, r);
    assert.equal(pool.transcoderFeeShare, 500_000n);

    const who = [o2, address(d1)];
    const before = await Promise.all(who.map(pendingFees));
    const del = await env.delegator(address(d1));
    const fees = parseEther('0.01');
    await env.creditFeesAsBroker(o2, fees);
    const after = await Promise.all(who.map(pendingFees));
    const gained = after.map((a, i) => a - before[i]!);
    const total = gained.reduce((s, g) => s + g, 0n);
    assert.ok(total <= fees && fees - total <= 10n, `credited ${fees}, shared ${total}`);

    // The delegator's part follows the LIP-36 formula: bonded × ΔCFF / CRF_start.
    const start = await env.earningsPool(o2, del.lastClaimRound);
    const end = await env.earningsPool(o2, r);
    const expected = precisePercOf(del.bondedAmount, end.cumulativeFeeFactor - start.cumulativeFeeFactor, orOne(start.cumulativeRewardFactor));
    assert.equal(after[1], expected);
    // …which is its stake's fair part of the delegators' half, to rounding.
    const fair = (fees * 500_000n * stakeAtStart) / PERC_DIVISOR / pool.totalStake;
    assert.ok(gained[1]! <= fair + 1n && fair - gained[1]! <= fair / 10n ** 9n + 2n, `d1 got ${gained[1]}, fair ${fair}`);
    await checkEthConservation();
  });

  test('fees before the round’s reward use the commission and snapshot of that moment', async () => {
    const r = await env.nextRound();
    const before = await Promise.all([o2, address(d1)].map(pendingFees));
    await env.creditFeesAsBroker(o2, 1_000_000n);
    const pool = await env.earningsPool(o2, r);
    assert.equal(pool.transcoderFeeShare, 500_000n);
    assert.equal(pool.totalStake, await env.stakeSnapshot(o2, r));
    await env.bmTx(env.orchestrators[1]!, 'reward');
    await env.creditFeesAsBroker(o2, 1_000_000n);
    const after = await Promise.all([o2, address(d1)].map(pendingFees));
    const total = after[0]! - before[0]! + (after[1]! - before[1]!);
    assert.ok(total <= 2_000_000n && 2_000_000n - total <= 10n, `shared ${total} of 2000000`);
    await checkEthConservation();
  });

  test('claimEarnings settles pendingFees once per round; withdrawFees pays exactly and never more', async () => {
    const who = address(d1);
    const pending = await pendingFees(who);
    assert.ok(pending > 0n);
    const unclaimed = await env.delegator(who);
    let receipt = await env.bmTx(d1, 'claimEarnings', [0n]);
    assert.equal(named(env.events(receipt), 'EarningsClaimed')[0]?.fees, pending - unclaimed.fees);
    const claimed = await env.delegator(who);
    assert.equal(claimed.fees, pending);
    receipt = await env.bmTx(d1, 'claimEarnings', [0n]);
    assert.deepEqual(named(env.events(receipt), 'EarningsClaimed'), []);
    assert.deepEqual(await env.delegator(who), claimed);
    assert.equal(await pendingFees(who), pending);

    const recipient = address(await env.newAccount(0n));
    await env.expectRevert(d1, 'withdrawFees', [zeroAddress, 1n], 'invalid recipient');
    await env.expectRevert(d1, 'withdrawFees', [recipient, pending + 1n], 'insufficient fees to withdraw');
    const [recipientBefore, minterBefore] = [await env.ethBalance(recipient), await env.ethBalance(env.addr.minter)];
    const part = pending / 3n;
    receipt = await env.bmTx(d1, 'withdrawFees', [recipient, part]);
    assert.deepEqual(named(env.events(receipt), 'WithdrawFees'), [{ delegator: who, recipient, amount: part }]);
    assert.equal((await env.ethBalance(recipient)) - recipientBefore, part);
    assert.equal(minterBefore - (await env.ethBalance(env.addr.minter)), part);
    assert.equal((await env.delegator(who)).fees, pending - part);
    await env.bmTx(d1, 'withdrawFees', [recipient, pending - part]);
    assert.equal((await env.ethBalance(recipient)) - recipientBefore, pending);
    await env.expectRevert(d1, 'withdrawFees', [recipient, 1n], 'insufficient fees to withdraw');
    await checkEthConservation();

    // The transcoder cashes out its own fees (commission included) the same way.
    const o1Fees = await pendingFees(o1);
    const o1Before = await env.ethBalance(recipient);
    await env.bmTx(env.orchestrators[0]!, 'withdrawFees', [recipient, o1Fees]);
    assert.equal((await env.ethBalance(recipient)) - o1Before, o1Fees);
    assert.equal(await pendingFees(o1), 0n);
    await checkEthConservation();
  });

  test('H-01 regression: reward missed in round r-1, called in r, then a winning ticket in r', async () => {
    const o2acct = env.orchestrators[1]!;
    await env.nextRound(); // r-1: o2 does not call reward
    const r = await env.nextRound();
    const last = await env.transcoderInfo(o2);
    assert.ok(last.lastRewardRound < r - 1n, 'reward was missed in r-1');
    const crfBefore = (await env.earningsPool(o2, last.lastRewardRound)).cumulativeRewardFactor;
    await env.bmTx(o2acct, 'reward');
    // The factor in force before this reward stays reachable as r-1's.
    assert.equal((await env.earningsPool(o2, r - 1n)).cumulativeRewardFactor, crfBefore);

    const before = await Promise.all([o2, address(d1)].map(pendingFees));
    const faceValue = parseEther('0.002');
    const receipt = await env.redeemTicket(env.gateways[0]!, o2acct, faceValue, ++nonce);
    assert.equal(receipt.status, 'success', 'redemption must not revert');
    const after = await Promise.all([o2, address(d1)].map(pendingFees));
    const total = after[0]! - before[0]! + (after[1]! - before[1]!);
    assert.ok(total <= faceValue && faceValue - total <= 10n, `shared ${total} of ${faceValue}`);
    // The delegators' CFF step used the pre-reward factor: CFF_r − CFF_prev = CRF_prev × (fees/2) / S.
    const pool = await env.earningsPool(o2, r);
    const prevCff = (await env.earningsPool(o2, last.lastFeeRound)).cumulativeFeeFactor;
    assert.equal(pool.cumulativeFeeFactor - prevCff, precisePercOf(orOne(crfBefore), faceValue / 2n, pool.totalStake));
    await checkEthConservation();

    // Same path for a transcoder whose very first reward is this round's.
    const fresh = await env.newAccount(LPT(50));
    await env.bond(fresh, LPT(50), address(fresh));
    await env.nextRound();
    await env.bmTx(fresh, 'reward');
    const before2 = await pendingFees(address(fresh));
    await env.redeemTicket(env.gateways[0]!, fresh, 777n, ++nonce);
    assert.equal((await pendingFees(address(fresh))) - before2, 777n);
    await checkEthConservation();
  });
  test('fees to a registered transcoder outside the pool are shared over its real stake', async () => {
    // x joins, is evicted by y, then gains a delegator while outside the pool.
    await env.ensureRoomInRound();
    const [x, y, e] = [await env.newAccount(LPT(100)), await env.newAccount(LPT(100)), await env.newAccount(LPT(100))];
    const [xAddr, eAddr] = [address(x), address(e)];
    await env.bond(x, LPT(60), xAddr);
    assert.equal(named(env.events(await env.bond(y, LPT(70), address(y))), 'TranscoderDeactivated')[0]?.transcoder, xAddr);
    await env.bond(e, LPT(5), xAddr);
    const members = await env.checkPool();
    assert.ok(!members.some((m) => m.address === xAddr), 'x stays outside the pool');
    const r = await env.nextRound();
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [xAddr]), false);
    await env.bmTx(x, 'transcoder', [0n, 1_000_000n]); // every fee goes to delegators (x included)
    assert.equal(await env.stakeSnapshot(xAddr, r), LPT(65), 'the snapshot follows the stake');

    const fees = 6_500_000n;
    const before = await Promise.all([xAddr, eAddr].map(pendingFees));
    await env.creditFeesAsBroker(xAddr, fees);
    const gained = (await Promise.all([xAddr, eAddr].map(pendingFees))).map((f, i) => f - before[i]!);
    assert.deepEqual(gained, [6_000_000n, 500_000n]);
    await checkEthConservation();
  });
});
