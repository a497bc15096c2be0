// Helpers for the BondingManager tests: a devnet from src/eth with every call going through the
// golden (deployed) ABIs, fresh funded accounts, revert assertions, event decoding, a structural
// check of the transcoder pool read straight from storage, fee crediting as the registered
// TicketBroker (impersonated, with the ETH really deposited in the Minter) and winning tickets
// redeemed on the real TicketBroker.
import assert from 'node:assert/strict';
import {
  concatHex,
  encodeAbiParameters,
  keccak256,
  numberToHex,
  parseEther,
  parseEventLogs,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { revertReason, startDevnet, type DevAccount, type DevnetOptions } from '../../src/eth/index.js';
import { goldenAbi } from '../fixtures.js';


/** The golden ABIs (deployed contracts): every call in these tests goes through them. */
export const gold = {
  bondingManager: goldenAbi('bondingManager'),
  ticketBroker: goldenAbi('ticketBroker'),
  minter: goldenAbi('minter'),
  roundsManager: goldenAbi('roundsManager'),
  livepeerToken: goldenAbi('livepeerToken'),
  controller: goldenAbi('controller'),
};

export const MAX_UINT256 = (1n << 256n) - 1n;
export const PERC_DIVISOR = 1_000_000n;
export const PRECISE_DIVISOR = 10n ** 27n;
export const MINTER_DIVISOR = 1_000_000_000n;
export const LPT = (n: string | number) => parseEther(String(n));

/** Storage slots of BondingManager's transcoder pool (checked against the getters before use). */
const POOL_SLOT = { head: 8n, tail: 9n, maxSize: 10n, size: 11n, nodes: 12n };

export interface Member {
  address: Address;
  key: bigint;
}

export type Who = DevAccount | Hex | Address;

export async function startBondingDevnet(opts: DevnetOptions = {}) {
  const devnet = await startDevnet({ roundLength: 200n, accounts: 16, ...opts });
  const pub = devnet.publicClient;
  const addr = {
    bonding: devnet.contracts.BondingManager,
    broker: devnet.contracts.TicketBroker,
    minter: devnet.contracts.Minter,
    rounds: devnet.contracts.RoundsManager,
    token: devnet.contracts.LivepeerToken,
    controller: devnet.controller,
  };
  assert.notEqual(addr.bonding, zeroAddress, 'BondingManager was not deployed');
  const orchestrators = devnet.accounts.filter((a) => a.role === 'orchestrator');
  const gateways = devnet.accounts.filter((a) => a.role === 'gateway');
  const users = devnet.accounts.filter((a) => a.role === 'user');
  const deployer = devnet.accounts.find((a) => a.role === 'deployer');
  assert.ok(deployer);
  const lptDonor = users[users.length - 1];
  assert.ok(lptDonor, 'need a spare dev account to fund fresh accounts with LPT');

  /** Everyone who ever bonded or received a bond here (for the conservation sums). */
  const participants = new Set<Address>(orchestrators.map((o) => o.address));
  const addrOf = (who: Who): Address =>
    typeof who === 'object' ? who.address : who.length === 66 ? privateKeyToAccount(who as Hex).address : (who as Address);

  const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    pub.readContract({ address, abi, functionName, args }) as Promise<T>;
  const bm = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.bonding, gold.bondingManager, functionName, args);
  const minter = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.minter, gold.minter, functionName, args);
  const rounds = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.rounds, gold.roundsManager, functionName, args);
  const token = <T>(functionName: string, args: readonly unknown[] = []) =>
    read<T>(addr.token, gold.livepeerToken, functionName, args);

  const tx = (from: Who, address: Address, abi: Abi, functionName: string, args: readonly unknown[] = [], value?: bigint) =>
    devnet.send(from, { address, abi, functionName, args, ...(value !== undefined ? { value } : {}) });
  const bmTx = (from: Who, functionName: string, args: readonly unknown[] = []) =>
    tx(from, addr.bonding, gold.bondingManager, functionName, args);

  /** Simulates the call from `from` and asserts it reverts with exactly `reason`. */
  async function expectRevert(
    from: Who,
    functionName: string,
    args: readonly unknown[],
    reason: string,
    target: { address: Address; abi: Abi } = { address: addr.bonding, abi: gold.bondingManager },
  ): Promise<void> {
    try {
      await pub.simulateContract({ address: target.address, abi: target.abi, functionName, args, account: addrOf(from) });
    } catch (err) {
      assert.equal(revertReason(err), reason, `${functionName}: unexpected revert`);
      return;
    }
    assert.fail(`${functionName} did not revert (expected "${reason}")`);
  }

  /** BondingManager events of a receipt, decoded with the golden ABI. */
  function events(receipt: TransactionReceipt) {
    const logs = receipt.logs.filter((l) => l.address.toLowerCase() === addr.bonding.toLowerCase());
    return parseEventLogs({ abi: gold.bondingManager, logs }).map((e) => ({
      name: e.eventName,
      args: e.args as unknown as Record<string, unknown>,
    }));
  }

  /** A fresh key with 10 ETH and `lpt` LPT (taken from a spare dev account). */
  async function newAccount(lpt = LPT(100)): Promise<Hex> {
    const pk = generatePrivateKey();
    const address = privateKeyToAccount(pk).address;
    await pub.request({ method: 'anvil_setBalance', params: [address, numberToHex(parseEther('10'))] } as never);
    if (lpt > 0n) await tx(lptDonor!, addr.token, gold.livepeerToken, 'transfer', [address, lpt]);
    return pk;
  }

  /** approve + bondWithHint(amount, to) from `from` (null hints). */
  async function bond(from: Who, amount: bigint, to: Address): Promise<TransactionReceipt> {
    participants.add(addrOf(from));
    participants.add(to);
    await tx(from, addr.token, gold.livepeerToken, 'approve', [addr.bonding, amount]);
    return bmTx(from, 'bondWithHint', [amount, to, zeroAddress, zeroAddress, zeroAddress, zeroAddress]);
  }

  const currentRound = () => rounds<bigint>('currentRound');

  /** Mines to the next round and initialises it; returns the new round. */
  const nextRound = () => devnet.advanceRounds(1);

  /** Makes sure at least `blocks` unlocked blocks remain in an initialised round. */
  async function ensureRoomInRound(blocks = 40n): Promise<bigint> {
    if (!(await rounds<boolean>('currentRoundInitialized'))) return nextRound();
    const [start, length, lock, block] = await Promise.all([
      rounds<bigint>('currentRoundStartBlock'),
      rounds<bigint>('roundLength'),
      rounds<bigint>('roundLockAmount'),
      pub.getBlockNumber({ cacheTime: 0 }),
    ]);
    const lockStart = start + length - (length * lock) / PERC_DIVISOR;
    if (lockStart - block <= blocks) return nextRound();
    return currentRound();
  }

  const storageWord = async (slot: bigint) =>
    BigInt((await pub.getStorageAt({ address: addr.bonding, slot: numberToHex(slot, { size: 32 }) })) ?? '0x0');
  const nodeSlot = (member: Address) =>
    BigInt(keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [member, POOL_SLOT.nodes])));
  const asAddress = (w: bigint) => numberToHex(w, { size: 20 }).toLowerCase() as Address;

  /** The pool in order, keys read from storage. */
  async function poolMembers(): Promise<Member[]> {
    const size = await bm<bigint>('getTranscoderPoolSize');
    const out: Member[] = [];
    let cur = await bm<Address>('getFirstTranscoderInPool');
    for (let i = 0n; i <= size && cur !== zeroAddress; i++) {
      out.push({ address: cur, key: await storageWord(nodeSlot(cur)) });
      cur = await bm<Address>('getNextTranscoderInPool', [cur]);
    }
    return out;
  }

  /**
   * Invariants 8 and 9 after a transaction: non-increasing keys, key == transcoderTotalStake,
   * size ≤ maxSize, the walk visits exactly `size` distinct members and ends at 0, the prev links
   * mirror the next links, and nextRoundTotalActiveStake == Σ keys.
   */
  async function checkPool(): Promise<Member[]> {
    const [size, maxSize, head] = await Promise.all([
      bm<bigint>('getTranscoderPoolSize'),
      bm<bigint>('getTranscoderPoolMaxSize'),
      bm<Address>('getFirstTranscoderInPool'),
    ]);
    // The storage layout assumption, checked through the getters.
    assert.equal(await storageWord(POOL_SLOT.size), size, 'pool size slot');
    assert.equal(await storageWord(POOL_SLOT.maxSize), maxSize, 'pool maxSize slot');
    assert.equal(asAddress(await storageWord(POOL_SLOT.head)), head.toLowerCase(), 'pool head slot');
    assert.ok(size <= maxSize, `pool size ${size} > max ${maxSize}`);

    const members = await poolMembers();
    assert.equal(BigInt(members.length), size, 'walk length == getTranscoderPoolSize()');
    const last = members[members.length - 1];
    if (last) assert.equal(await bm<Address>('getNextTranscoderInPool', [last.address]), zeroAddress, 'walk ends at 0');
    assert.equal(new Set(members.map((m) => m.address.toLowerCase())).size, members.length, 'distinct members');
    let prev: Member | undefined;
    let sum = 0n;
    for (const m of members) {
      assert.ok(m.key > 0n, 'member key > 0');
      assert.equal(m.key, await bm<bigint>('transcoderTotalStake', [m.address]), 'key == transcoderTotalStake');
      if (prev) assert.ok(prev.key >= m.key, `pool out of order: ${prev.key} before ${m.key}`);
      const prevLink = asAddress(await storageWord(nodeSlot(m.address) + 2n));
      assert.equal(prevLink, (prev?.address ?? zeroAddress).toLowerCase(), 'prev link mirrors next link');
      sum += m.key;
      prev = m;
    }
    if (last) assert.equal(asAddress(await storageWord(POOL_SLOT.tail)), last.address.toLowerCase(), 'tail');
    assert.equal(await bm<bigint>('nextRoundTotalActiveStake'), sum, 'nextRoundTotalActiveStake == Σ keys');
    return members;
  }

  /** Credits `amount` wei of fees to `transcoder` the way TicketBroker does, ETH included. */
  async function creditFeesAsBroker(transcoder: Address, amount: bigint): Promise<TransactionReceipt> {
    await devnet.impersonate(addr.broker);
    await pub.request({ method: 'anvil_setBalance', params: [addr.broker, numberToHex(amount + parseEther('10'))] } as never);
    await tx(addr.broker, addr.minter, gold.minter, 'depositETH', [], amount);
    const receipt = await bmTx(addr.broker, 'updateTranscoderWithFees', [transcoder, amount, await currentRound()]);
    // The impersonated broker's gas came from the ETH set above, not from the Minter.
    return receipt;
  }

  /** Redeems an always-winning ticket of `faceValue` from `sender` to `recipient` on the real TicketBroker. */
  async function redeemTicket(sender: DevAccount, recipient: Who, faceValue: bigint, nonce: bigint) {
    const round = await currentRound();
    const rand = BigInt(keccak256(generatePrivateKey()));
    const auxData = encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'bytes32' }],
      [round, await rounds<Hex>('blockHashForRound', [round])],
    );
    const ticket = {
      recipient: addrOf(recipient),
      sender: sender.address,
      faceValue,
      winProb: MAX_UINT256,
      senderNonce: nonce,
      recipientRandHash: keccak256(numberToHex(rand, { size: 32 })),
      auxData,
    };
    const hash = keccak256(
      concatHex([
        ticket.recipient,
        ticket.sender,
        numberToHex(faceValue, { size: 32 }),
        numberToHex(ticket.winProb, { size: 32 }),
        numberToHex(nonce, { size: 32 }),
        ticket.recipientRandHash,
        auxData,
      ]),
    );
    const sig = await privateKeyToAccount(sender.privateKey).signMessage({ message: { raw: hash } });
    return tx(recipient, addr.broker, gold.ticketBroker, 'redeemWinningTicket', [ticket, sig, rand]);
  }

  /** Σ of every participant's pendingStake and unwithdrawn unbonding locks (LPT owed by the Minter). */
  async function lptOwed(): Promise<bigint> {
    const round = await currentRound();
    let sum = 0n;
    for (const p of participants) {
      sum += await bm<bigint>('pendingStake', [p, round]);
      const d = await delegator(p);
      for (let id = 0n; id < d.nextUnbondingLockId; id++) {
        const [amount] = await bm<[bigint, bigint]>('getDelegatorUnbondingLock', [p, id]);
        sum += amount;
      }
    }
    return sum;
  }

  /** Σ of sender deposits and reserves (devnet gateways) plus every participant's pendingFees. */
  async function ethOwed(): Promise<bigint> {
    const round = await currentRound();
    let sum = 0n;
    for (const g of gateways) {
      const [s, r] = await read<[{ deposit: bigint }, { fundsRemaining: bigint }]>(addr.broker, gold.ticketBroker, 'getSenderInfo', [
        g.address,
      ]);
      sum += s.deposit + r.fundsRemaining;
    }
    for (const p of participants) sum += await bm<bigint>('pendingFees', [p, round]);
    return sum;
  }

  async function delegator(who: Address) {
    const [bondedAmount, fees, delegateAddress, delegatedAmount, startRound, lastClaimRound, nextUnbondingLockId] = await bm<
      [bigint, bigint, Address, bigint, bigint, bigint, bigint]
    >('getDelegator', [who]);
    return { bondedAmount, fees, delegateAddress, delegatedAmount, startRound, lastClaimRound, nextUnbondingLockId };
  }

  async function transcoderInfo(who: Address) {
    const r = await bm<bigint[]>('getTranscoder', [who]);
    const [lastRewardRound, rewardCut, feeShare, lastActiveStakeUpdateRound, activationRound, deactivationRound] = r;
    const [activeCumulativeRewards, cumulativeRewards, cumulativeFees, lastFeeRound] = r.slice(6);
    return {
      lastRewardRound: lastRewardRound!,
      rewardCut: rewardCut!,
      feeShare: feeShare!,
      lastActiveStakeUpdateRound: lastActiveStakeUpdateRound!,
      activationRound: activationRound!,
      deactivationRound: deactivationRound!,
      activeCumulativeRewards: activeCumulativeRewards!,
      cumulativeRewards: cumulativeRewards!,
      cumulativeFees: cumulativeFees!,
      lastFeeRound: lastFeeRound!,
    };
  }

  async function earningsPool(who: Address, round: bigint) {
    const [totalStake, transcoderRewardCut, transcoderFeeShare, cumulativeRewardFactor, cumulativeFeeFactor] = await bm<
      [bigint, bigint, bigint, bigint, bigint]
    >('getTranscoderEarningsPoolForRound', [who, round]);
    return { totalStake, transcoderRewardCut, transcoderFeeShare, cumulativeRewardFactor, cumulativeFeeFactor };
  }

  /** The stake snapshot reward() and fee crediting use for `round` (pools are written lazily). */
  async function stakeSnapshot(who: Address, round: bigint): Promise<bigint> {
    const t = await transcoderInfo(who);
    const at = t.lastActiveStakeUpdateRound <= round ? t.lastActiveStakeUpdateRound : round;
    return (await earningsPool(who, at)).totalStake;
  }

  const owner = await read<Address>(addr.controller, gold.controller, 'owner');

  return {
    devnet,
    pub,
    addr,
    owner,
    deployer,
    orchestrators,
    gateways,
    users,
    participants,
    addrOf,
    bm,
    bmTx,
    minter,
    rounds,
    token,
    tx,
    expectRevert,
    events,
    newAccount,
    bond,
    currentRound,
    nextRound,
    ensureRoomInRound,
    poolMembers,
    checkPool,
    creditFeesAsBroker,
    redeemTicket,
    lptOwed,
    ethOwed,
    delegator,
    transcoderInfo,
    earningsPool,
    stakeSnapshot,
    lptBalance: (who: Address) => token<bigint>('balanceOf', [who]),
    ethBalance: (who: Address) => pub.getBalance({ address: who }),
    stop: () => devnet.stop(),
  };
}

export type BondingEnv = Awaited<ReturnType<typeof startBondingDevnet>>;

/** Just the names and args of decoded events, for deepEqual. */
export const named = (evs: { name: string; args: Record<string, unknown> }[], name: string) =>
  evs.filter((e) => e.name === name).map((e) => e.args);

export const sameAddr = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
