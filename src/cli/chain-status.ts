// `livepeer-ts chain status`: a read-only snapshot of protocol time and of one account's position.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from 'viem';
import { bondingManagerAbi, livepeerTokenAbi, roundsManagerAbi, ticketBrokerAbi } from '../eth/index.js';
import { formatWei } from '../money/index.js';
import { DEFAULT_TICKET_PARAMS_CONFIG } from '../pm/index.js';
import { adviseGateway, adviseOrchestrator, quoteGas, type GatewayFundingAdvice, type OrchestratorFundingAdvice } from '../settlement/index.js';
import { SQLITE_FILE, openStore, storeOptionsFromFlags } from '../store/index.js';
import { UsageError } from './flags.js';
import type { ChainContext } from './chain-ops.js';

export interface ChainStatusOptions {
  json: boolean;
  /** Blocks back to look for winning tickets redeemed against the account (its spend rate). */
  spendWindowBlocks?: bigint;
  /** The orchestrators' redeem gas and EV, for the face value they ask (defaults: go-livepeer's on Arbitrum One). */
  redeemGas?: bigint;
  ticketEV?: bigint;
  /** An orchestrator's (or redeemer's) store, to report its winning tickets: -dataDir or -storeUrl. */
  store?: { dataDir?: string; storeUrl?: string };
}

/**
 * An orchestrator's winning tickets from its store (read while the node runs: SQLite WAL readers do
 * not block the writer), priced at what a redemption pays now (eth_feeHistory, as the queue does).
 */
async function orchestratorAdvice(ctx: ChainContext, store: { dataDir?: string; storeUrl?: string }, redeemGas: bigint): Promise<OrchestratorFundingAdvice & { gasPrice: bigint; store: string }> {
  // A status command must not create a store where there is none (a mistyped -dataDir).
  if (store.storeUrl === undefined && store.dataDir !== undefined && !existsSync(join(store.dataDir, SQLITE_FILE))) {
    throw new UsageError(`no winning-ticket store in ${store.dataDir} (${SQLITE_FILE} is missing): pass the orchestrator's or redeemer's -dataDir`);
  }
  const s = await openStore(storeOptionsFromFlags(store));
  try {
    const [totals, quote] = await Promise.all([s.tickets.totals(), quoteGas(ctx.publicClient)]);
    const open = { count: totals.pending.count + totals.submitted.count, faceValue: totals.pending.faceValue + totals.submitted.faceValue };
    const a = adviseOrchestrator({
      openTickets: open.count,
      openFaceValue: open.faceValue,
      gasPrice: quote.gasPrice,
      gasPerTicket: redeemGas,
      redeemed: totals.redeemed,
      dropped: totals.dropped,
      expired: totals.expired,
    });
    return { ...a, gasPrice: quote.gasPrice, store: s.describe().location };
  } finally {
    await s.close();
  }
}

/** Winning tickets redeemed against `sender` in the last `window` blocks: what its deposit pays out. */
async function recentSpend(ctx: ChainContext, sender: Address, latest: bigint, window: bigint): Promise<{ wei: bigint; seconds: number; tickets: number }> {
  const fromBlock = latest > window ? latest - window : 0n;
  const [logs, from, to] = await Promise.all([
    ctx.publicClient.getContractEvents({ address: ctx.need('TicketBroker'), abi: ticketBrokerAbi, eventName: 'WinningTicketRedeemed', args: { sender }, fromBlock, toBlock: latest }),
    ctx.publicClient.getBlock({ blockNumber: fromBlock }),
    ctx.publicClient.getBlock({ blockNumber: latest }),
  ]);
  let wei = 0n;
  for (const l of logs) wei += l.args.faceValue ?? 0n;
  return { wei, seconds: Number(to.timestamp - from.timestamp), tickets: logs.length };
}

const jsonAdvice = (a: GatewayFundingAdvice | OrchestratorFundingAdvice) => ({ ...a, explanation: a.lines, lines: undefined });

export async function chainStatus(ctx: ChainContext, who: Address | undefined, opts: ChainStatusOptions): Promise<void> {
  const json = opts.json;
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
    // What orchestrators price tickets with: eth_gasPrice (go-livepeer's GasPriceMonitor).
    const [gasPrice, spend] = await Promise.all([pc.getGasPrice(), recentSpend(ctx, who, block, opts.spendWindowBlocks ?? 7200n)]);
    const advice = adviseGateway({
      deposit: sender.deposit,
      reserve: reserve.fundsRemaining,
      claimedInCurrentRound: reserve.claimedInCurrentRound,
      poolSize,
      gasPrice,
      ticketConfig: { ...DEFAULT_TICKET_PARAMS_CONFIG, redeemGas: opts.redeemGas ?? DEFAULT_TICKET_PARAMS_CONFIG.redeemGas, ev: opts.ticketEV ?? DEFAULT_TICKET_PARAMS_CONFIG.ev },
      spend,
      unlocking,
    });
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
      gasPrice,
      funding: jsonAdvice(advice),
    });
  }
  if (opts.store) {
    const o = await orchestratorAdvice(ctx, opts.store, opts.redeemGas ?? DEFAULT_TICKET_PARAMS_CONFIG.redeemGas);
    status.orchestratorFunding = { ...jsonAdvice(o), gasPrice: o.gasPrice, store: o.store };
  }
  if (json) {
    // Amounts as decimal wei strings: exact, and JSON has no bigint.
    ctx.out(JSON.stringify(status, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    return;
  }
  const eth = new Set(['ethBalance', 'deposit', 'reserve', 'reserveClaimedInCurrentRound', 'pendingFees']);
  const lpt = new Set(['lptBalance', 'bondedAmount', 'delegatedStake', 'stake', 'totalBonded']);
  for (const [k, v] of Object.entries(status)) {
    if (k === 'funding' || k === 'orchestratorFunding') continue;
    const shown = typeof v === 'bigint' && eth.has(k) ? `${formatWei(v)} ETH` : typeof v === 'bigint' && lpt.has(k) ? `${formatWei(v)} LPT` : String(v);
    ctx.out(`${k.padEnd(30)} ${shown}`);
  }
  const funding = status.funding as { explanation: string[] } | undefined;
  if (funding) {
    ctx.out('');
    ctx.out('funding, as a gateway (what orchestrators need from you):');
    for (const line of funding.explanation) ctx.out(`  - ${line}`);
  }
  const orch = status.orchestratorFunding as { explanation: string[]; store: string } | undefined;
  if (orch) {
    ctx.out('');
    ctx.out(`winning tickets, as an orchestrator (store ${orch.store}):`);
    for (const line of orch.explanation) ctx.out(`  - ${line}`);
  }
}
