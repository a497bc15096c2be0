// `livepeer-ts chain status`: a read-only snapshot of protocol time and of one account's position.
import type { Address } from 'viem';
import { bondingManagerAbi, livepeerTokenAbi, roundsManagerAbi, ticketBrokerAbi } from '../eth/index.js';
import { formatWei } from '../money/index.js';
import type { ChainContext } from './chain-ops.js';

export async function chainStatus(ctx: ChainContext, who: Address | undefined, json: boolean): Promise<void> {
  const pc = ctx.publicClient;
  const rm = ctx.need('RoundsManager');
  const bm = ctx.need('BondingManager');
  const r = <F extends 'currentRound' | 'lastInitializedRound' | 'currentRoundInitialized' | 'currentRoundLocked' | 'roundLength' | 'currentRoundStartBlock'>(functionName: F) =>
    pc.readContract({ address: rm, abi: roundsManagerAbi, functionName });
  const [round, lastInitializedRound, initialized, locked, roundLength, roundStartBlock, block, poolSize, totalBonded] = await Promise.all([
    r('currentRound'),
    r('lastInitializedRound'),
    r('currentRoundInitialized'),
    r('currentRoundLocked'),
    r('roundLength'),
    r('currentRoundStartBlock'),
    pc.getBlockNumber({ cacheTime: 0 }),
    pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'getTranscoderPoolSize' }),
    pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'getTotalBonded' }),
  ]);
  const status: Record<string, unknown> = {
    controller: ctx.controller,
    block,
    round,
    lastInitializedRound,
    roundInitialized: initialized,
    roundLocked: locked,
    roundLength,
    roundStartBlock,
    poolSize,
    totalBonded,
  };
  if (who) {
    const tb = ctx.need('TicketBroker');
    const [senderInfo, unlocking, delegator, pendingStake, pendingFees, registered, active, eth, lpt] = await Promise.all([
      pc.readContract({ address: tb, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [who] }),
      pc.readContract({ address: tb, abi: ticketBrokerAbi, functionName: 'isUnlockInProgress', args: [who] }),
      pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'getDelegator', args: [who] }),
      pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'pendingStake', args: [who, round] }),
      pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'pendingFees', args: [who, round] }),
      pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'isRegisteredTranscoder', args: [who] }),
      pc.readContract({ address: bm, abi: bondingManagerAbi, functionName: 'isActiveTranscoder', args: [who] }),
      pc.getBalance({ address: who }),
      pc.readContract({ address: ctx.need('LivepeerToken'), abi: livepeerTokenAbi, functionName: 'balanceOf', args: [who] }),
    ]);
    const [sender, reserve] = senderInfo;
    Object.assign(status, {
      address: who,
      ethBalance: eth,
      lptBalance: lpt,
      deposit: sender.deposit,
      reserve: reserve.fundsRemaining,
      reserveClaimedInCurrentRound: reserve.claimedInCurrentRound,
      withdrawRound: sender.withdrawRound,
      unlockInProgress: unlocking,
      bondedAmount: delegator[0],
      delegate: delegator[2],
      delegatedStake: delegator[3],
      stake: pendingStake,
      pendingFees,
      registeredTranscoder: registered,
      activeTranscoder: active,
    });
  }
  if (json) {
    // Amounts as decimal wei strings: exact, and JSON has no bigint.
    ctx.out(JSON.stringify(status, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    return;
  }
  const eth = new Set(['ethBalance', 'deposit', 'reserve', 'reserveClaimedInCurrentRound', 'pendingFees']);
  const lpt = new Set(['lptBalance', 'bondedAmount', 'delegatedStake', 'stake', 'totalBonded']);
  for (const [k, v] of Object.entries(status)) {
    const shown = typeof v === 'bigint' && eth.has(k) ? `${formatWei(v)} ETH` : typeof v === 'bigint' && lpt.has(k) ? `${formatWei(v)} LPT` : String(v);
    ctx.out(`${k.padEnd(30)} ${shown}`);
  }
}
