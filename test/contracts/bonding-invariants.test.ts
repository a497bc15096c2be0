// A seeded random walk over BondingManager on a real anvil devnet: bonds, delegate changes, unbonds,
// rebonds, withdrawals, rewards, fees, claims, rate changes and rounds, with a pool small enough
// to evict. After every transaction: the pool's structure and totals (invariants 8, 9), LPT and
// ETH conservation (19, 23: the Minter always holds at least what is owed) and supply growth only
// through rewards. Deterministic: the same seed replays the same walk.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { maxUint256, parseEther, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { gold, LPT, named, startBondingDevnet, type BondingEnv } from './helpers-bonding.js';

// Override with BONDING_SEED=<hex> to explore other walks.
const SEED = Number.parseInt(process.env.BONDING_SEED ?? '5eedb0d1', 16);
const STEPS = 70;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}

describe('BondingManager random walk (seeded)', () => {
  let env: BondingEnv;
  let candidates: { who: Hex | BondingEnv['orchestrators'][number]; address: Address }[];
  let delegators: { who: Hex; address: Address }[];
  let supplyAtStart = 0n;
  let minted = 0n;
  // Largest surplus seen (held − owed): rounding dust plus rewards forfeited by settling before a
  // transcoder's reward call in a round (LIP-36 semantics; the deployed contracts behave the same).
  const surplus = { lpt: 0n, eth: 0n };
  const sink = '0x000000000000000000000000000000000000dEaD' as Address;

  before(async () => {
    env = await startBondingDevnet({ orchestrators: 3, numActiveTranscoders: 4n, gateways: 1 });
    supplyAtStart = await env.token<bigint>('totalSupply');
    await env.ensureRoomInRound();
    const fresh = async (lpt: bigint) => {
      const pk = await env.newAccount(lpt);
      await env.tx(pk, env.addr.token, gold.livepeerToken, 'approve', [env.addr.bonding, maxUint256]);
      return { who: pk, address: privateKeyToAccount(pk).address };
    };
    // Funded by one spare dev account (10000 LPT): 2 × 1500 + 4 × 1500.
    const t4 = await fresh(LPT(1500));
    const t5 = await fresh(LPT(1500));
    await env.bmTx(t4.who, 'bond', [LPT(400), t4.address]);
    await env.bmTx(t5.who, 'bond', [LPT(700), t5.address]); // the pool is now full; t4 is the tail
    env.participants.add(t4.address).add(t5.address);
    for (const o of env.orchestrators) {
      await env.tx(o, env.addr.token, gold.livepeerToken, 'approve', [env.addr.bonding, maxUint256]);
    }
    candidates = [...env.orchestrators.map((o) => ({ who: o, address: o.address })), t4, t5];
    delegators = [];
    for (let i = 0; i < 4; i++) delegators.push(await fresh(LPT(1500)));
    for (const d of delegators) env.participants.add(d.address);
  });

  after(async () => {
    await env?.stop();
  });

  async function checkAll(label: string): Promise<{ lpt: bigint; eth: bigint }> {
    await env.checkPool();
    const lptHeld = await env.lptBalance(env.addr.minter);
    const lptOwed = await env.lptOwed();
    assert.ok(lptHeld >= lptOwed, `${label}: Minter LPT ${lptHeld} < owed ${lptOwed}`);
    const ethHeld = await env.ethBalance(env.addr.minter);
    const ethOwed = await env.ethOwed();
    assert.ok(ethHeld >= ethOwed, `${label}: Minter ETH ${ethHeld} < owed ${ethOwed}`);
    if (lptHeld - lptOwed > surplus.lpt) surplus.lpt = lptHeld - lptOwed;
    if (ethHeld - ethOwed > surplus.eth) surplus.eth = ethHeld - ethOwed;
    assert.equal(await env.token<bigint>('totalSupply'), supplyAtStart + minted, `${label}: supply grows only by rewards`);
    return { lpt: lptHeld - lptOwed, eth: ethHeld - ethOwed };
  }

  /** Start of a round: every active candidate calls reward, then fees arrive for some. */
  async function settleRound(rnd: ReturnType<typeof prng>, round: bigint) {
    for (const c of candidates) {
      if (!(await env.bm<boolean>('isActiveTranscoder', [c.address]))) continue;
      if ((await env.transcoderInfo(c.address)).lastRewardRound === round) continue;
      const evs = env.events(await env.bmTx(c.who, 'reward'));
      minted += named(evs, 'Reward').reduce((s, e) => s + (e.amount as bigint), 0n);
    }
    for (const c of candidates) {
      if (!rnd.chance(0.6) || !(await env.bm<boolean>('isRegisteredTranscoder', [c.address]))) continue;
      if ((await env.stakeSnapshot(c.address, round)) === 0n) continue;
      await env.creditFeesAsBroker(c.address, BigInt(1 + rnd.int(1_000_000)) * 10n ** 9n);
    }
  }

  test(`settling first in every round (rewards, then fees), ${STEPS} random steps leave only rounding dust`, async (t) => {
    // Nobody settles before its transcoder's reward or before the round's fees, so nothing is
    // forfeited: whatever the Minter holds beyond what is owed may only grow by rounding dust.
    // Runs first: a forfeited share stays in its transcoder's stake unowned, and keeps earning
    // unowned rewards afterwards (LIP-36 semantics), which would show up here as drift.
    const rnd = prng(SEED ^ 0x5a5a5a5a);
    let round = await env.nextRound();
    await settleRound(rnd, round);
    const base = await checkAll('settled start');
    let maxDrift = 0n;
    for (let step = 0; step < STEPS; step++) {
      const now = await env.ensureRoomInRound(12n);
      if (now !== round) {
        round = now;
        await settleRound(rnd, round);
      }
      const label = await doStep(rnd, round, ['reward', 'fees']);
      const s = await checkAll(`settled step ${step} (${label})`);
      const drift = { lpt: s.lpt - base.lpt, eth: s.eth - base.eth };
      assert.ok(drift.lpt >= 0n && drift.lpt <= 1000n, `step ${step} (${label}): LPT surplus drifted by ${drift.lpt}`);
      assert.ok(drift.eth >= 0n && drift.eth <= 1000n, `step ${step} (${label}): ETH surplus drifted by ${drift.eth}`);
      if (drift.lpt > maxDrift) maxDrift = drift.lpt;
      if (drift.eth > maxDrift) maxDrift = drift.eth;
    }
    t.diagnostic(`largest drift of the surplus: ${maxDrift} wei`);
  });

  test(`${STEPS} random steps keep the pool and both conservation laws intact`, async (t) => {
    const rnd = prng(SEED);
    const counts = new Map<string, number>();
    await checkAll('start');
    for (let step = 0; step < STEPS; step++) {
      const round = await env.ensureRoomInRound(12n);
      const label = await doStep(rnd, round);
      counts.set(label, (counts.get(label) ?? 0) + 1);
      await checkAll(`step ${step} (${label})`);
    }
    t.diagnostic(`seed ${SEED.toString(16)}: ${[...counts].map(([k, v]) => `${k}×${v}`).join(', ')}`);
    t.diagnostic(`largest surplus held by the Minter: ${surplus.lpt} LPT wei, ${surplus.eth} ETH wei`);
    // The walk must have exercised the interesting paths, or the seed is useless.
    for (const must of ['bond', 'unbond', 'reward', 'fees', 'claim']) assert.ok(counts.get(must), `no ${must} step`);
  });

  /**
   * What an account can unbond / withdraw now: everything pending if it has not claimed this round
   * (the call claims first), else only what its last claim settled. A transcoder's commission
   * earned after its claim in a round is pending but waits for the next round's claim.
   */
  async function available(who: Address, view: 'pendingStake' | 'pendingFees', round: bigint): Promise<bigint> {
    const del = await env.delegator(who);
    if (del.lastClaimRound < round) return env.bm<bigint>(view, [who, 0n]);
    return view === 'pendingStake' ? del.bondedAmount : del.fees;
  }

  /** One random action whose preconditions hold (so it must succeed); returns its label. */
  async function doStep(rnd: ReturnType<typeof prng>, round: bigint, exclude: string[] = []): Promise<string> {
    const all = ['bond', 'bond', 'unbond', 'unbond', 'unbond', 'rebond', 'withdrawStake', 'withdrawStake', 'reward', 'reward', 'fees', 'fees', 'claim', 'withdrawFees', 'transcoder', 'selfBond', 'round'];
    const kinds = all.filter((k) => !exclude.includes(k));
    for (let attempt = 0; attempt < 10; attempt++) {
      const kind = rnd.pick(kinds);
      switch (kind) {
        case 'bond': {
          const d = rnd.pick(delegators);
          const to = rnd.pick(candidates).address;
          const amount = LPT(1 + rnd.int(100));
          if ((await env.lptBalance(d.address)) < amount) break;
          await env.bmTx(d.who, 'bond', [amount, to]);
          return kind;
        }
        case 'selfBond': {
          const c = rnd.pick(candidates);
          const del = await env.delegator(c.address);
          if (del.bondedAmount > 0n && del.delegateAddress !== c.address) break;
          const amount = LPT(1 + rnd.int(100));
          if ((await env.lptBalance(c.address)) < amount) break;
          await env.bmTx(c.who, 'bond', [amount, c.address]);
          return kind;
        }
        case 'unbond': {
          const a = rnd.chance(0.8) ? rnd.pick(delegators) : rnd.pick(candidates);
          if ((await env.bm<number>('delegatorStatus', [a.address])) !== 1) break;
          const pending = await available(a.address, 'pendingStake', round);
          const amount = rnd.chance(0.25) ? pending : 1n + BigInt(rnd.int(1000)) * (pending / 1000n);
          await env.bmTx(a.who, 'unbond', [amount > pending ? pending : amount]);
          return kind;
        }
        case 'rebond':
        case 'withdrawStake': {
          const a = rnd.pick([...delegators, ...candidates]);
          const del = await env.delegator(a.address);
          const locks: bigint[] = [];
          for (let id = 0n; id < del.nextUnbondingLockId; id++) {
            const [, withdrawRound] = await env.bm<[bigint, bigint]>('getDelegatorUnbondingLock', [a.address, id]);
            if (withdrawRound > 0n && (kind === 'rebond' || withdrawRound <= round)) locks.push(id);
          }
          if (!locks.length) break;
          const id = rnd.pick(locks);
          if (kind === 'withdrawStake') await env.bmTx(a.who, 'withdrawStake', [id]);
          else if (del.bondedAmount > 0n) await env.bmTx(a.who, 'rebond', [id]);
          else await env.bmTx(a.who, 'rebondFromUnbonded', [rnd.pick(candidates).address, id]);
          return kind;
        }
        case 'reward': {
          const c = rnd.pick(candidates);
          const tr = await env.transcoderInfo(c.address);
          if (!(await env.bm<boolean>('isActiveTranscoder', [c.address])) || tr.lastRewardRound === round) break;
          const evs = env.events(await env.bmTx(c.who, 'reward'));
          minted += named(evs, 'Reward').reduce((s, e) => s + (e.amount as bigint), 0n);
          return kind;
        }
        case 'fees': {
          const c = rnd.pick(candidates);
          if (!(await env.bm<boolean>('isRegisteredTranscoder', [c.address]))) break;
          if ((await env.stakeSnapshot(c.address, round)) === 0n) break;
          await env.creditFeesAsBroker(c.address, BigInt(1 + rnd.int(1_000_000)) * 10n ** 9n);
          return kind;
        }
        case 'claim': {
          const a = rnd.pick([...delegators, ...candidates]);
          await env.bmTx(a.who, 'claimEarnings', [0n]);
          return kind;
        }
        case 'withdrawFees': {
          const a = rnd.pick([...delegators, ...candidates]);
          const fees = await available(a.address, 'pendingFees', round);
          if (fees === 0n) break;
          await env.bmTx(a.who, 'withdrawFees', [sink, rnd.chance(0.5) ? fees : fees / 2n]);
          return kind;
        }
        case 'transcoder': {
          const c = rnd.pick(candidates);
          if (!(await env.bm<boolean>('isRegisteredTranscoder', [c.address]))) break;
          const tr = await env.transcoderInfo(c.address);
          if ((await env.bm<boolean>('isActiveTranscoder', [c.address])) && tr.lastRewardRound !== round) break;
          await env.bmTx(c.who, 'transcoder', [BigInt(rnd.int(1_000_001)), BigInt(rnd.int(1_000_001))]);
          return kind;
        }
        case 'round':
          await env.nextRound();
          return kind;
      }
    }
    await env.nextRound();
    return 'round';
  }

  test('the walk ends with every fee withdrawable and every lock withdrawable', async () => {
    // Two rounds on, claim and cash out everything: the Minter must be able to pay it all.
    await env.nextRound();
    await env.nextRound();
    for (const a of [...delegators, ...candidates]) {
      await env.bmTx(a.who, 'claimEarnings', [0n]);
      const del = await env.delegator(a.address);
      if (del.fees > 0n) await env.bmTx(a.who, 'withdrawFees', [sink, del.fees]);
      for (let id = 0n; id < del.nextUnbondingLockId; id++) {
        if (await env.bm<boolean>('isValidUnbondingLock', [a.address, id])) await env.bmTx(a.who, 'withdrawStake', [id]);
      }
      await checkAll(`cash-out ${a.address}`);
    }
    assert.ok((await env.ethBalance(sink)) > parseEther('0'));
  });
});
