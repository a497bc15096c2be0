// How O prices its tickets (go-livepeer recipient.faceValue / winProb, pm.md §4.2). Pure functions
// over bigint; Recipient.ticketParams wires them to the chain, gas price and max float.
import { Rat } from '../money/index.js';
import { PmError } from './errors.js';
import { MAX_WIN_PROB } from './ticket.js';

/** L1 blocks params stay valid (go-livepeer paramsExpirationBlock). */
export const PARAMS_EXPIRATION_BLOCKS = 40n;
/** G treats params as expired when ≤ this many blocks remain. */
export const PARAMS_EXPIRY_BUFFER = 1n;
/** faceValue = EV · 100 when the tx-cost-based face value is below EV. */
export const EV_MULTIPLIER = 100n;
/** go-livepeer's hard-coded average gas price (3 gwei) for the last face-value floor. */
export const AVG_GAS_PRICE = 3_000_000_000n;
/** Nonces O remembers per recipientRand before refusing more. */
export const MAX_SENDER_NONCES = 600;

export interface TicketParamsConfig {
  /** Target EV per ticket in wei (-ticketEV, default 8 gwei). */
  ev: bigint;
  /** Gas for one redemption (1 200 000 on Arbitrum One, 350 000 on L1). */
  redeemGas: bigint;
  /** faceValue / txCost (go-livepeer default 100). */
  txCostMultiplier: bigint;
  /** -maxFaceValue; 0 or undefined = no cap. */
  maxFaceValue?: bigint;
}

export const DEFAULT_TICKET_PARAMS_CONFIG: Readonly<TicketParamsConfig> = Object.freeze({
  ev: 8_000_000_000n,
  redeemGas: 1_200_000n,
  txCostMultiplier: 100n,
});

export function insufficientSenderReserve(detail: string): PmError {
  return new PmError('INSUFFICIENT_SENDER_RESERVE', `insufficient sender reserve (${detail}): the sender must fund a larger reserve`, false);
}

export function txCost(cfg: TicketParamsConfig, gasPrice: bigint): bigint {
  return cfg.redeemGas * (gasPrice > 0n ? gasPrice : 0n);
}

/**
 * Face value for a sender: txCost × multiplier (or EV × 100 when that is below EV), capped by the
 * sender's max float and by maxFaceValue; refuses when the cap leaves less than EV, or less than
 * the redemption cost at both the current and the 3 gwei average gas price.
 */
export function computeFaceValue(cfg: TicketParamsConfig, gasPrice: bigint, maxFloat: bigint): bigint {
  const cost = txCost(cfg, gasPrice);
  let fv = cost * cfg.txCostMultiplier;
  if (fv < cfg.ev) fv = cfg.ev * EV_MULTIPLIER;
  if (fv > maxFloat) fv = maxFloat;
  if (cfg.maxFaceValue !== undefined && cfg.maxFaceValue > 0n && fv > cfg.maxFaceValue) fv = cfg.maxFaceValue;
  if (fv < cfg.ev) throw insufficientSenderReserve(`faceValue ${fv} < EV ${cfg.ev}`);
  if (fv < cost && fv < cfg.redeemGas * AVG_GAS_PRICE) {
    throw insufficientSenderReserve(`faceValue ${fv} below the redemption tx cost ${cost}`);
  }
  return fv;
}

/**
 * winProb for a face value: max when faceValue == EV, otherwise EV · ceil((2^256−1)/faceValue), so
 * the realised EV is at or slightly above the target. (go-livepeer tests the remainder with
 * Int64(), wrong for huge face values — pm.md §9.12; we compare the full bigint.)
 */
export function computeWinProb(faceValue: bigint, ev: bigint): bigint {
  if (faceValue <= 0n) return 0n;
  if (faceValue === ev) return MAX_WIN_PROB;
  const x = MAX_WIN_PROB / faceValue;
  const m = MAX_WIN_PROB % faceValue;
  const wp = ev * (m !== 0n ? x + 1n : x);
  return wp > MAX_WIN_PROB ? MAX_WIN_PROB : wp;
}

/** faceValue / txCost (go-livepeer TxCostMultiplier, used for price auto-adjust). */
export function txCostMultiplierOf(cfg: TicketParamsConfig, faceValue: bigint, gasPrice: bigint): Rat | null {
  const cost = txCost(cfg, gasPrice);
  return cost === 0n ? null : Rat.of(faceValue, cost);
}
