// The orchestrator's counters. Money is exact: Rat for EV and fees, bigint wei for face values.
import type { Hex } from 'viem';
import { Rat } from '../../money/index.js';

export interface OrchestratorStats {
  /** Completed (200) jobs per pipeline. */
  jobs: Record<string, number>;
  /** Units debited per pipeline. */
  units: Record<string, bigint>;
  /** Sum of units × price debited, wei (exact). */
  feesDebited: Rat;
  /** Sum of the EV of credited tickets, wei (exact). */
  evCredited: Rat;
  tickets: { received: number; valid: number; winning: number };
  /** Refused requests per code (OrchestratorErrorCode, or the pm code of a refused ticket). */
  refusals: Record<string, number>;
  /** `txHashes`: only the most recent (at most RECENT_TX_HASHES), oldest first; `count` counts them all. */
  redeemed: { count: number; faceValue: bigint; txHashes: Hex[] };
  /** Winning tickets dropped without redemption (a permanent revert, by its decoded code). */
  redemptionsDropped: number;
  /** Winning tickets whose validity period ended before they could be redeemed (gas, sender funds). */
  redemptionsExpired: number;
  /** Jobs running now. */
  inFlight: number;
  /** Jobs cancelled by the caller (its stream closed before the answer) per pipeline, runner request aborted. */
  aborted: Record<string, number>;
}

/** A long-running orchestrator redeems without end: stats keep counters plus this many recent hashes. */
export const RECENT_TX_HASHES = 32;

export class StatsCollector {
  private readonly jobs = new Map<string, number>();
  private readonly units = new Map<string, bigint>();
  private fees = Rat.ZERO;
  private ev = Rat.ZERO;
  private readonly tickets = { received: 0, valid: 0, winning: 0 };
  private readonly refusals = new Map<string, number>();
  private readonly redeemed = { count: 0, faceValue: 0n, txHashes: [] as Hex[] };
  private dropped = 0;
  private readonly abortedJobs = new Map<string, number>();
  private expired = 0;

  job(pipeline: string, units: bigint, fee: Rat): void {
    this.jobs.set(pipeline, (this.jobs.get(pipeline) ?? 0) + 1);
    this.units.set(pipeline, (this.units.get(pipeline) ?? 0n) + units);
    this.fees = this.fees.add(fee);
  }
  credited(ev: Rat): void {
    this.ev = this.ev.add(ev);
  }
  ticketsSeen(received: number, valid: number, winning: number): void {
    this.tickets.received += received;
    this.tickets.valid += valid;
    this.tickets.winning += winning;
  }
  refusal(code: string): void {
    this.refusals.set(code, (this.refusals.get(code) ?? 0) + 1);
  }
  redemption(faceValue: bigint, txHash: Hex): void {
    this.redeemed.count++;
    this.redeemed.faceValue += faceValue;
    this.redeemed.txHashes.push(txHash);
    if (this.redeemed.txHashes.length > RECENT_TX_HASHES) this.redeemed.txHashes.shift();
  }
  aborted(pipeline: string): void {
    this.abortedJobs.set(pipeline, (this.abortedJobs.get(pipeline) ?? 0) + 1);
  }
  redemptionDropped(): void {
    this.dropped++;
  }
  redemptionExpired(): void {
    this.expired++;
  }
  snapshot(inFlight: number): OrchestratorStats {
    return {
      jobs: Object.fromEntries(this.jobs),
      units: Object.fromEntries(this.units),
      feesDebited: this.fees,
      evCredited: this.ev,
      tickets: { ...this.tickets },
      refusals: Object.fromEntries(this.refusals),
      redeemed: { count: this.redeemed.count, faceValue: this.redeemed.faceValue, txHashes: [...this.redeemed.txHashes] },
      redemptionsDropped: this.dropped,
      redemptionsExpired: this.expired,
      inFlight,
      aborted: Object.fromEntries(this.abortedJobs),
    };
  }
}
