// The funding advisor behind `livepeer-ts chain status`: what a gateway must hold in deposit and in
// reserve for the orchestrators it pays, and what an orchestrator's pending winning tickets are
// worth net of gas — in exact wei and in plain words (go-livepeer #3110: operators cannot tell the
// two buckets apart or size them; #3748: 0.36 ETH of reserve = 3 gwei × 1.2M gas × 100).
//
// Pure arithmetic over figures the caller reads from the chain and the store; the rules are the
// orchestrator's own (src/pm params.ts: face value = redeem gas × gas price × multiplier, capped by
// the sender's max float, refused below EV or below the redemption cost) and go-livepeer's sender
// monitor (pm.md §6.5: max float = reserve ÷ pool size, cut by pending winners once the deposit is
// under three times what is pending).
import { formatWei } from '../money/index.js';
import { AVG_GAS_PRICE, DEFAULT_TICKET_PARAMS_CONFIG, EV_MULTIPLIER, txCost, type TicketParamsConfig } from '../pm/index.js';

/** go-livepeer sendermonitor.go minDepositPendingRatio: below it, pending winners cut max float. */
export const MIN_DEPOSIT_PENDING_RATIO = 3n;

export interface GatewayFundingInput {
  deposit: bigint;
  /** Reserve.fundsRemaining. */
  reserve: bigint;
  /** Reserve.claimedInCurrentRound (counts towards each orchestrator's share, as in the contract). */
  claimedInCurrentRound?: bigint;
  /** Active orchestrators: the reserve is split between them. */
  poolSize: bigint;
  /** Gas price orchestrators price tickets with (wei). */
  gasPrice: bigint;
  /** The orchestrators' ticket settings (defaults: go-livepeer's on Arbitrum One). */
  ticketConfig?: TicketParamsConfig;
  /** Winning tickets redeemed against this sender over a recent window, when known. */
  spend?: { wei: bigint; seconds: number; tickets: number };
  /** The sender has started an unlock (its funds leave at withdrawRound; orchestrators refuse it). */
  unlocking?: boolean;
}

export type FundingStatus = 'ok' | 'low' | 'refused';

export interface GatewayFundingAdvice {
  /** Face value an orchestrator asks at this gas price when nothing caps it. */
  faceValue: bigint;
  /** What each orchestrator may count on from the reserve: (fundsRemaining + claimed) ÷ poolSize. */
  reservePerOrchestrator: bigint;
  /** Reserve for every active orchestrator to issue full face value: faceValue × poolSize. */
  reserveNeeded: bigint;
  /** Below this reserve, orchestrators refuse to issue ticket params at all. */
  reserveMinimum: bigint;
  /** Deposit that keeps one winner pending from cutting max float: faceValue × 3. */
  depositNeeded: bigint;
  reserveStatus: FundingStatus;
  depositStatus: FundingStatus;
  /** Deposit spend per hour and the hours it lasts, when a spend window was given. */
  spendPerHour?: bigint;
  runwayHours?: number;
  /** The advice in words, one line each. */
  lines: string[];
}

const eth = (wei: bigint): string => `${formatWei(wei)} ETH`;
const gwei = (wei: bigint): string => `${formatWei(wei, 'gwei')} gwei`;

export function adviseGateway(input: GatewayFundingInput): GatewayFundingAdvice {
  const cfg = input.ticketConfig ?? DEFAULT_TICKET_PARAMS_CONFIG;
  const pool = input.poolSize > 0n ? input.poolSize : 0n;
  const cost = txCost(cfg, input.gasPrice);
  let faceValue = cost * cfg.txCostMultiplier;
  if (faceValue < cfg.ev) faceValue = cfg.ev * EV_MULTIPLIER;
  if (cfg.maxFaceValue !== undefined && cfg.maxFaceValue > 0n && faceValue > cfg.maxFaceValue) faceValue = cfg.maxFaceValue;
  // The smallest max float an orchestrator still issues params for (computeFaceValue's refusals).
  const floorCost = cost < cfg.redeemGas * AVG_GAS_PRICE ? cost : cfg.redeemGas * AVG_GAS_PRICE;
  const minShare = cfg.ev > floorCost ? cfg.ev : floorCost;
  const reservePerOrchestrator = pool === 0n ? 0n : (input.reserve + (input.claimedInCurrentRound ?? 0n)) / pool;
  const reserveNeeded = faceValue * pool;
  const reserveMinimum = minShare * pool;
  const depositNeeded = faceValue * MIN_DEPOSIT_PENDING_RATIO;
  const reserveStatus: FundingStatus = input.unlocking || reservePerOrchestrator < minShare ? 'refused' : reservePerOrchestrator < faceValue ? 'low' : 'ok';
  const depositStatus: FundingStatus = input.unlocking || input.deposit === 0n ? 'refused' : input.deposit < depositNeeded ? 'low' : 'ok';

  const lines: string[] = [
    `deposit ${eth(input.deposit)}: pays your winning tickets — each win takes its face value from it.`,
    `reserve ${eth(input.reserve)}: a guarantee split between the ${pool} active orchestrators (${eth(reservePerOrchestrator)} each); it pays them only if the deposit runs dry, and each caps the face value of your tickets at its share.`,
    `at ${gwei(input.gasPrice)} an orchestrator asks a face value of ${eth(faceValue)} (${cfg.redeemGas} redeem gas × ${gwei(input.gasPrice)} × ${cfg.txCostMultiplier}, or ${cfg.ev} wei EV × ${EV_MULTIPLIER} when higher).`,
  ];
  if (input.unlocking) lines.push('an unlock is in progress: orchestrators refuse a sender whose funds are leaving; cancel the unlock (or fund again) to be served.');
  if (pool === 0n) lines.push('no active orchestrators: nobody can be paid until the pool has members.');
  else if (reserveStatus === 'refused')
    lines.push(`reserve too small: orchestrators refuse to issue ticket params below ${eth(reserveMinimum)} (${eth(minShare)} each); fund at least that, ${eth(reserveNeeded)} to be served at full face value.`);
  else if (reserveStatus === 'low')
    lines.push(`reserve low: your tickets are capped at ${eth(reservePerOrchestrator)} instead of ${eth(faceValue)} (more, smaller tickets); ${eth(reserveNeeded)} lifts the cap.`);
  else lines.push(`reserve ok: ${eth(reserveNeeded)} covers full face value at every active orchestrator.`);
  if (depositStatus === 'refused' && !input.unlocking) lines.push(`deposit empty: fund at least ${eth(depositNeeded)} (three winning tickets) before paying anyone.`);
  else if (depositStatus === 'low')
    lines.push(`deposit low: under ${eth(depositNeeded)} (three winning tickets), one pending winner cuts how much each orchestrator will accept from you.`);
  else if (depositStatus === 'ok') lines.push(`deposit ok: at least three winning tickets (${eth(depositNeeded)}).`);

  const advice: GatewayFundingAdvice = { faceValue, reservePerOrchestrator, reserveNeeded, reserveMinimum, depositNeeded, reserveStatus, depositStatus, lines };
  if (input.spend && input.spend.seconds > 0) {
    const perHour = (input.spend.wei * 3600n) / BigInt(Math.ceil(input.spend.seconds));
    advice.spendPerHour = perHour;
    if (perHour > 0n) {
      // Hours to two decimals, from exact integers (the deposit is what winners draw first).
      const centi = (input.deposit * 100n) / perHour;
      advice.runwayHours = Number(centi) / 100;
      lines.push(`spend: ${eth(perHour)} per hour (${input.spend.tickets} winning tickets redeemed in the last ${Math.round(input.spend.seconds)} s) → the deposit lasts about ${advice.runwayHours} h.`);
    } else lines.push(`spend: no winning ticket redeemed against you in the last ${Math.round(input.spend.seconds)} s.`);
  }
  return advice;
}

export interface OrchestratorFundingInput {
  /** Winning tickets not yet redeemed (pending + submitted), from the store. */
  openTickets: number;
  openFaceValue: bigint;
  gasPrice: bigint;
  /** Gas one redemption costs (batching lowers it; default: the ticket config's redeem gas). */
  gasPerTicket?: bigint;
  redeemed?: { count: number; faceValue: bigint };
  dropped?: { count: number; faceValue: bigint };
  expired?: { count: number; faceValue: bigint };
}

export interface OrchestratorFundingAdvice {
  expectedGas: bigint;
  net: bigint;
  lines: string[];
}

export function adviseOrchestrator(input: OrchestratorFundingInput): OrchestratorFundingAdvice {
  const gasPerTicket = input.gasPerTicket ?? DEFAULT_TICKET_PARAMS_CONFIG.redeemGas;
  const expectedGas = BigInt(input.openTickets) * gasPerTicket * input.gasPrice;
  const net = input.openFaceValue - expectedGas;
  const lines = [
    `${input.openTickets} winning tickets waiting to be redeemed, worth ${eth(input.openFaceValue)} in face value.`,
    `redeeming them costs about ${eth(expectedGas)} in gas (${gasPerTicket} gas each at ${gwei(input.gasPrice)}): net ${eth(net)}.`,
  ];
  if (input.redeemed) lines.push(`redeemed so far: ${input.redeemed.count} tickets, ${eth(input.redeemed.faceValue)}.`);
  if (input.expired && input.expired.count > 0) lines.push(`expired unredeemed: ${input.expired.count} tickets, ${eth(input.expired.faceValue)}.`);
  if (input.dropped && input.dropped.count > 0) lines.push(`dropped (could never be redeemed): ${input.dropped.count} tickets, ${eth(input.dropped.faceValue)}.`);
  return { expectedGas, net, lines };
}
