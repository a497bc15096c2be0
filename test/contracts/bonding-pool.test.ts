// BondingManager's transcoder pool on a real anvil devnet (contracts.md §10.10 invariants 8–12):
// ordering, keys, size and the walk after every transaction; activation and deactivation rounds
// and events; eviction only by a strictly larger stake; the maximum size only grows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { zeroAddress, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { gold, LPT, MAX_UINT256, named, sameAddr, startBondingDevnet, type BondingEnv } from './helpers-bonding.js';

const MAX_ACTIVE = 4n;

describe('BondingManager transcoder pool', () => {
  let env: BondingEnv;
  // Devnet orchestrators: self-bonds of 1000, 999 and 998 LPT, active from the devnet's start round.
  let o1: Address, o2: Address, o3: Address;
  let u1: Hex, u2: Hex;

  before(async () => {
    env = await startBondingDevnet({ orchestrators: 3, numActiveTranscoders: MAX_ACTIVE });
    [o1, o2, o3] = env.orchestrators.map((o) => o.address) as [Address, Address, Address];
    u1 = await env.newAccount(LPT(2000));
    u2 = await env.newAccount(LPT(2000));
  });

  after(async () => {
    await env?.stop();
  });

  test('the devnet pool is ordered, keyed by stake, walkable, and active this round', async () => {
    const members = await env.checkPool();
    assert.deepEqual(
      members.map((m) => m.address),
      [o1, o2, o3],
    );
    assert.deepEqual(
      members.map((m) => m.key),
      [LPT(1000), LPT(999), LPT(998)],
    );
    assert.equal(await env.bm<bigint>('getTranscoderPoolMaxSize'), MAX_ACTIVE);
    const round = await env.currentRound();
    for (const o of [o1, o2, o3]) {
      assert.equal(await env.bm<boolean>('isActiveTranscoder', [o]), true);
      const t = await env.transcoderInfo(o);
      assert.ok(t.activationRound <= round && round < t.deactivationRound);
      assert.equal(t.deactivationRound, MAX_UINT256);
      assert.equal(await env.bm<number>('transcoderStatus', [o]), 1);
    }
    // initializeRound froze next round's total as this round's.
    assert.equal(await env.bm<bigint>('getTotalBonded'), LPT(1000 + 999 + 998));
    assert.equal(await env.bm<bigint>('currentRoundTotalActiveStake'), LPT(1000 + 999 + 998));
    // Non-members and the tail have no next.
    assert.equal(await env.bm<Address>('getNextTranscoderInPool', [env.deployer.address]), zeroAddress);
  });

  test('a join in round r: TranscoderActivated(t, r+1), active only from r+1', async () => {
    const r = await env.ensureRoomInRound();
    const addr1 = privateKeyToAccount(u1).address;
    const receipt = await env.bond(u1, LPT(500), addr1);
    const evs = env.events(receipt);
    assert.deepEqual(named(evs, 'TranscoderActivated'), [{ transcoder: addr1, activationRound: r + 1n }]);
    assert.deepEqual(named(evs, 'Bond'), [
      { newDelegate: addr1, oldDelegate: zeroAddress, delegator: addr1, additionalAmount: LPT(500), bondedAmount: LPT(500) },
    ]);
    const members = await env.checkPool();
    assert.equal(members.length, 4);
    assert.ok(sameAddr(members[3]!.address, addr1));

    const t = await env.transcoderInfo(addr1);
    assert.equal(t.activationRound, r + 1n);
    assert.equal(t.deactivationRound, MAX_UINT256);
    assert.equal(t.lastActiveStakeUpdateRound, r + 1n);
    assert.equal((await env.earningsPool(addr1, r + 1n)).totalStake, LPT(500));
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr1]), false, 'not active in the join round');
    assert.equal(await env.bm<bigint>('getTotalBonded'), LPT(2997), 'the current round is frozen');

    await env.nextRound();
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr1]), true);
    assert.equal(await env.bm<bigint>('getTotalBonded'), LPT(2997 + 500));
    await env.checkPool();
  });

  test('a full pool admits a newcomer only with a strictly larger stake, evicting the tail', async () => {
    const r = await env.ensureRoomInRound();
    const addr1 = privateKeyToAccount(u1).address;
    const addr2 = privateKeyToAccount(u2).address;
    assert.equal(await env.bm<bigint>('getTranscoderPoolSize'), MAX_ACTIVE);

    // Equal to the tail: registered, but stays out.
    let receipt = await env.bond(u2, LPT(500), addr2);
    assert.deepEqual(named(env.events(receipt), 'TranscoderActivated'), []);
    assert.deepEqual(named(env.events(receipt), 'TranscoderDeactivated'), []);
    assert.equal(await env.bm<boolean>('isRegisteredTranscoder', [addr2]), true);
    let members = await env.checkPool();
    assert.equal(members.length, 4);
    assert.ok(!members.some((m) => sameAddr(m.address, addr2)));
    // transcoder() tries to join too, and also fails to.
    receipt = await env.bmTx(u2, 'transcoder', [50_000n, 0n]);
    assert.deepEqual(named(env.events(receipt), 'TranscoderActivated'), []);
    assert.deepEqual(named(env.events(receipt), 'TranscoderUpdate'), [{ transcoder: addr2, rewardCut: 50_000n, feeShare: 0n }]);

    // One wei more than the tail: the tail is evicted for next round.
    receipt = await env.bond(u2, 1n, addr2);
    const evs = env.events(receipt);
    assert.deepEqual(named(evs, 'TranscoderDeactivated'), [{ transcoder: addr1, deactivationRound: r + 1n }]);
    assert.deepEqual(named(evs, 'TranscoderActivated'), [{ transcoder: addr2, activationRound: r + 1n }]);
    members = await env.checkPool();
    assert.ok(sameAddr(members[3]!.address, addr2));
    assert.equal(members[3]!.key, LPT(500) + 1n);
    assert.equal((await env.transcoderInfo(addr1)).deactivationRound, r + 1n);
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr1]), true, 'the evicted one finishes its round');
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr2]), false);

    await env.nextRound();
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr1]), false);
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [addr2]), true);
    assert.equal(await env.bm<bigint>('getTotalBonded'), LPT(2997 + 500) + 1n);
    assert.equal(await env.bm<boolean>('isRegisteredTranscoder', [addr1]), true, 'evicted, still registered');
  });

  test('stake changes re-sort the pool with right, wrong and stale hints', async () => {
    await env.ensureRoomInRound();
    const d = await env.newAccount(LPT(3000));
    const dAddr = privateKeyToAccount(d).address;
    const addr2 = privateKeyToAccount(u2).address;
    // The tail (u2, 500 LPT + 1 wei) moves to the head: correct hints (prev = none, next = o1).
    await env.tx(d, env.addr.token, gold.livepeerToken, 'approve', [env.addr.bonding, LPT(3000)]);
    env.participants.add(dAddr);
    await env.bmTx(d, 'bondWithHint', [LPT(600), addr2, zeroAddress, zeroAddress, zeroAddress, o1]);
    let members = await env.checkPool();
    assert.ok(sameAddr(members[0]!.address, addr2));

    // Wrong hints (a non-adjacent pair on the wrong side): still placed correctly.
    await env.bmTx(d, 'bondWithHint', [LPT(1), addr2, zeroAddress, zeroAddress, o3, o1]);
    members = await env.checkPool();
    assert.ok(sameAddr(members[0]!.address, addr2));
    assert.equal(members[0]!.key, LPT(1101) + 1n);

    await env.nextRound(); // the delegator becomes Bonded
    // Down to the tail, hinted with itself (stale) and a non-member.
    await env.bmTx(d, 'unbondWithHint', [LPT(600), addr2, env.deployer.address]);
    members = await env.checkPool();
    assert.ok(sameAddr(members[3]!.address, addr2));
    // Back to the head with a rebond.
    await env.bmTx(d, 'rebondWithHint', [0n, zeroAddress, o1]);
    members = await env.checkPool();
    assert.ok(sameAddr(members[0]!.address, addr2));
    // Into the middle with a hint pair that is exactly right for the new key.
    await env.bmTx(d, 'unbondWithHint', [LPT(102), o1, o2]);
    members = await env.checkPool();
    assert.deepEqual(
      members.map((m) => m.address),
      [o1, addr2, o2, o3],
    );
    assert.equal(members[1]!.key, LPT(999) + 1n);
  });

  test('a full unbond resigns: TranscoderDeactivated(t, r+1), out of the pool, active until the round ends', async () => {
    const r = await env.ensureRoomInRound();
    const o3acct = env.orchestrators[2]!;
    const before = await env.bm<bigint>('nextRoundTotalActiveStake');
    const receipt = await env.bmTx(o3acct, 'unbond', [LPT(998)]);
    const evs = env.events(receipt);
    assert.deepEqual(named(evs, 'TranscoderDeactivated'), [{ transcoder: o3, deactivationRound: r + 1n }]);
    assert.equal(named(evs, 'Unbond').length, 1);
    const members = await env.checkPool();
    assert.ok(!members.some((m) => sameAddr(m.address, o3)));
    assert.equal(await env.bm<bigint>('nextRoundTotalActiveStake'), before - LPT(998));
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [o3]), true);
    assert.equal(await env.bm<boolean>('isRegisteredTranscoder', [o3]), false);
    assert.equal(await env.bm<number>('transcoderStatus', [o3]), 0);
    await env.nextRound();
    assert.equal(await env.bm<boolean>('isActiveTranscoder', [o3]), false);
    await env.checkPool();
  });

  test('the maximum size can only increase, and only by the owner', async () => {
    await env.expectRevert(env.owner, 'setNumActiveTranscoders', [MAX_ACTIVE - 1n], 'new max size must be greater than old max size');
    await env.expectRevert(env.owner, 'setNumActiveTranscoders', [MAX_ACTIVE], 'new max size must be greater than old max size');
    await env.expectRevert(env.users[0]!, 'setNumActiveTranscoders', [MAX_ACTIVE + 1n], 'caller must be Controller owner');
    const receipt = await env.bmTx(env.owner, 'setNumActiveTranscoders', [MAX_ACTIVE + 1n]);
    assert.deepEqual(named(env.events(receipt), 'ParameterUpdate'), [{ param: 'numActiveTranscoders' }]);
    assert.equal(await env.bm<bigint>('getTranscoderPoolMaxSize'), MAX_ACTIVE + 1n);
    // The evicted u1 rejoins through transcoder() now that there is room.
    const r = await env.ensureRoomInRound();
    const addr1 = privateKeyToAccount(u1).address;
    const tx = await env.bmTx(u1, 'transcoder', [0n, 0n]);
    assert.deepEqual(named(env.events(tx), 'TranscoderActivated'), [{ transcoder: addr1, activationRound: r + 1n }]);
    await env.checkPool();
  });

  test('the pool walk a node does: getTranscoder, status, stake and isActive for each member', async () => {
    const members = await env.checkPool();
    for (const m of members) {
      const t = await env.bm<readonly bigint[]>('getTranscoder', [m.address]);
      assert.equal(t.length, 10);
      assert.equal(await env.bm<number>('transcoderStatus', [m.address]), 1);
      assert.equal(await env.bm<bigint>('transcoderTotalStake', [m.address]), m.key);
      assert.equal(typeof (await env.bm<boolean>('isActiveTranscoder', [m.address])), 'boolean');
    }
  });
});
