// The settlement summary: what the gateway says it paid against what the orchestrators credited,
// debited and redeemed, and what the chain says the orchestrators can now withdraw. Every figure is
// exact (bigint wei or a rational); the checks are equalities, not tolerances.
import type { Address } from 'viem';
import { bondingManagerAbi, type Devnet } from '../../eth/index.js';
import { Rat, formatRatWei, formatWei } from '../../money/index.js';
import type { GatewayHandle } from '../gateway/index.js';
import type { Orchestrator } from '../orchestrator/index.js';

export interface Settlement {
  jobsOk: number;
  jobsFailed: number;
  jobsByPipeline: Record<string, number>;
  feesOwed: Rat;
  feesDebited: Rat;
  ticketsSent: number;
  evSent: Rat;
  evCredited: Rat;
  winningTickets: number;
  winningFaceValue: bigint;
  redeemedCount: number;
  redeemedFaceValue: bigint;
  /** Growth of the orchestrators' pendingFees in BondingManager since `before`. */
  feesOnChainGrowth: bigint;
  checks: { name: string; ok: boolean; detail: string }[];
}

export async function pendingFeesOf(devnet: Devnet, addresses: readonly Address[]): Promise<bigint> {
  const round = await devnet.currentRound();
  let sum = 0n;
  for (const a of addresses) {
    sum += await devnet.publicClient.readContract({
      address: devnet.contracts.BondingManager,
      abi: bondingManagerAbi,
      functionName: 'pendingFees',
      args: [a, round],
    });
  }
  return sum;
}

/** What the demo's live stream added: the EV the gateway sent, and its price per 720p30 pixel (the orchestrator debits billed pixels × it). */
export interface LiveSettlementInput {
  sentEV: Rat;
  pricePerPixel: Rat;
}

export async function settle(devnet: Devnet, gateway: GatewayHandle, orchestrators: readonly Orchestrator[], feesBefore: bigint, live?: LiveSettlementInput): Promise<Settlement> {
  const batch = gateway.stats();
  // The live stream's debits are its billed time (the orchestrator's, to the last partial interval) × its price.
  const livePixels = orchestrators.reduce((a, o) => a + (o.stats().units['live-video-to-video'] ?? 0n), 0n);
  const g = live
    ? { ...batch, fees: batch.fees.add(live.pricePerPixel.mul(livePixels)), tickets: { ...batch.tickets, ev: batch.tickets.ev.add(live.sentEV) } }
    : batch;
  const os = orchestrators.map((o) => o.stats());
  const sumRat = (xs: Rat[]) => xs.reduce((a, b) => a.add(b), Rat.ZERO);
  const feesDebited = sumRat(os.map((s) => s.feesDebited));
  const evCredited = sumRat(os.map((s) => s.evCredited));
  const winningTickets = os.reduce((a, s) => a + s.tickets.winning, 0);
  const redeemedCount = os.reduce((a, s) => a + s.redeemed.count, 0);
  const redeemedFaceValue = os.reduce((a, s) => a + s.redeemed.faceValue, 0n);
  const pending = (await Promise.all(orchestrators.map((o) => o.pendingRedemptions()))).flat();
  const winningFaceValue = redeemedFaceValue + pending.reduce((a, p) => a + p.faceValue, 0n);
  const feesAfter = await pendingFeesOf(devnet, orchestrators.map((o) => o.address!));
  const growth = feesAfter - feesBefore;
  const jobsByPipeline: Record<string, number> = {};
  for (const [p, s] of Object.entries(g.jobs.byPipeline)) jobsByPipeline[p] = s.ok;

  const checks = [
    { name: `fees debited = fees owed (Σ units × price${live ? ', live: billed pixels × price' : ''})`, ok: feesDebited.eq(g.fees), detail: `${formatRatWei(feesDebited, 3)} vs ${formatRatWei(g.fees, 3)} wei` },
    { name: `EV credited = EV sent${live ? ' (live included)' : ''}`, ok: evCredited.eq(g.tickets.ev), detail: `${formatRatWei(evCredited, 3)} vs ${formatRatWei(g.tickets.ev, 3)} wei` },
    { name: 'every winning ticket redeemed', ok: pending.length === 0 && redeemedCount === winningTickets, detail: `${redeemedCount} of ${winningTickets}` },
    { name: 'BondingManager fees grew by the redeemed face value', ok: growth === redeemedFaceValue, detail: `${growth} vs ${redeemedFaceValue} wei` },
  ];
  return {
    jobsOk: g.jobs.ok,
    jobsFailed: g.jobs.failed,
    jobsByPipeline,
    feesOwed: g.fees,
    feesDebited,
    ticketsSent: g.tickets.sent,
    evSent: g.tickets.ev,
    evCredited,
    winningTickets,
    winningFaceValue,
    redeemedCount,
    redeemedFaceValue,
    feesOnChainGrowth: growth,
    checks,
  };
}

const eth = (r: Rat) => `${formatRatWei(r, 18, 'eth')} ETH`;

export function formatSettlement(s: Settlement): string {
  const row = (k: string, v: string) => `  ${k.padEnd(34)} ${v}`;
  const pipelines = Object.entries(s.jobsByPipeline)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  const lines = [
    'settlement summary',
    row('jobs done', `${s.jobsOk}${s.jobsFailed ? ` (${s.jobsFailed} failed)` : ''}  [${pipelines}]`),
    row('fees owed (gateway, Σ units×price)', eth(s.feesOwed)),
    row('fees debited (orchestrators)', eth(s.feesDebited)),
    row('ticket EV sent (gateway)', `${eth(s.evSent)}  in ${s.ticketsSent} tickets`),
    row('EV credited (orchestrators)', eth(s.evCredited)),
    row('winning tickets', `${s.winningTickets}  (face value ${formatWei(s.winningFaceValue, 'eth')} ETH)`),
    row('value redeemed on chain', `${formatWei(s.redeemedFaceValue, 'eth')} ETH in ${s.redeemedCount} redemptions`),
    row('orchestrator fees in BondingManager', `+${formatWei(s.feesOnChainGrowth, 'eth')} ETH`),
    '',
    'checks',
    ...s.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}  (${c.detail})`),
  ];
  return lines.join('\n');
}
