// The gateway's counters. Money is exact: fees and EV are Rat (wei), face values bigint wei.
import { Rat } from '../../money/index.js';
import { rejectedKeys, rejectionCount, snapshotRejectedKeys, type Evaluation } from '../../market/index.js';

export interface PipelineStats {
  ok: number;
  failed: number;
  /** Work units of the successful jobs. */
  units: bigint;
  /** Σ units × price of the successful jobs (what the orchestrators debited). */
  fees: Rat;
}

export interface OrchestratorStats {
  /** Job requests sent to this orchestrator (attempts, including failed ones). */
  attempts: number;
  ok: number;
  failed: number;
  fees: Rat;
  tickets: number;
  ev: Rat;
  faceValue: bigint;
  /** Tickets (and EV) sent with attempts it refused before crediting them. */
  refusedTickets: number;
  refusedEv: Rat;
  /** GetOrchestrator calls (discovery/refresh) and how many failed. */
  discoveries: number;
  discoveryFailures: number;
  /** Why it was last refused or failed (code), if ever. */
  lastError: string | undefined;
}

export interface GatewayStats {
  jobs: { ok: number; failed: number; byPipeline: Record<string, PipelineStats> };
  units: bigint;
  /** Σ units × price the orchestrators debited: successful jobs, and answers cut after the debit (jobCut). */
  fees: Rat;
  tickets: {
    /** Tickets sent in job requests. */
    sent: number;
    /** Σ EV of the tickets sent. */
    ev: Rat;
    /** Σ face value of the tickets sent. */
    faceValue: bigint;
    /** Tickets (and their EV) sent with requests the orchestrator refused before crediting them (402/403/400/503, unreachable). */
    refused: number;
    refusedEv: Rat;
  };
  /** Job attempts sent to orchestrators (≥ jobs when failover happened). */
  attempts: number;
  /** Attempts retried on another orchestrator. */
  retries: number;
  orchestrators: Record<string, OrchestratorStats>;
  /** Refusals by code: orchestrators skipped (price above max, bad ticket params, incompatible…) and failed attempts. */
  refusals: Record<string, number>;
}

/** How many marked lists wait before the oldest is applied (each holds a snapshot's list alive). */
const PENDING_MARKS = 16;

/**
 * Orchestrators whose per-orchestrator stats a gateway keeps. Their URLs come from discovery, which
 * a webhook or an on-chain pool can churn without end; the gateway-wide totals keep counting what
 * a dropped one did.
 */
export const MAX_ORCHESTRATOR_STATS = 10_000;

export class StatsRecorder {
  private readonly s: GatewayStats = {
    jobs: { ok: 0, failed: 0, byPipeline: {} },
    units: 0n,
    fees: Rat.ZERO,
    tickets: { sent: 0, ev: Rat.ZERO, faceValue: 0n, refused: 0, refusedEv: Rat.ZERO },
    attempts: 0,
    retries: 0,
    orchestrators: {}, // kept in this.orchs; snapshot() lists them
    refusals: {},
  };

  /**
   * Per orchestrator, by URL (a Map: markRefused() looks thousands up at a time), least recently
   * used first: at most MAX_ORCHESTRATOR_STATS, the oldest dropped (with its lastError mark).
   */
  private readonly orchs = new Map<string, OrchestratorStats>();

  orch(url: string): OrchestratorStats {
    let o = this.orchs.get(url);
    if (o) {
      this.orchs.delete(url);
      this.orchs.set(url, o);
      return o;
    }
    o = { attempts: 0, ok: 0, failed: 0, fees: Rat.ZERO, tickets: 0, ev: Rat.ZERO, faceValue: 0n, refusedTickets: 0, refusedEv: Rat.ZERO, discoveries: 0, discoveryFailures: 0, lastError: undefined };
    this.orchs.set(url, o);
    if (this.orchs.size > MAX_ORCHESTRATOR_STATS) {
      const oldest = this.orchs.keys().next().value!;
      this.orchs.delete(oldest);
      this.errorAt.delete(oldest);
    }
    return o;
  }

  private pipe(p: string): PipelineStats {
    let x = this.s.jobs.byPipeline[p];
    if (!x) {
      x = { ok: 0, failed: 0, units: 0n, fees: Rat.ZERO };
      this.s.jobs.byPipeline[p] = x;
    }
    return x;
  }

  /** Counts the lastError marks, so the newest one wins (see markRefused()). */
  private errorEpoch = 0;
  /** Per orchestrator: the mark its lastError was set by. */
  private readonly errorAt = new Map<string, number>();
  /** Lists markRefused() marked and did not apply yet, oldest first, each with its mark. */
  private readonly pendingMarks: { code: string; keys: readonly string[]; epoch: number }[] = [];

  refusal(code: string, orchestrator?: string): void {
    this.s.refusals[code] = (this.s.refusals[code] ?? 0) + 1;
    if (orchestrator) {
      this.orch(orchestrator).lastError = code;
      this.errorAt.set(orchestrator, ++this.errorEpoch);
    }
  }

  /** `n` more refusals with `code` (their orchestrators marked by markRefused()). */
  refusals(code: string, n: number): void {
    if (n > 0) this.s.refusals[code] = (this.s.refusals[code] ?? 0) + n;
  }

  /**
   * Every orchestrator in `keys` was last refused with `code`. A selection snapshot hands every job
   * the same list (thousands of keys on a large network), and walking it per job, or per change of
   * the list, was the dearest part of a job: the list is kept as one mark instead and applied when
   * the stats are read (snapshot()), or when more than PENDING_MARKS lists wait. The same list as
   * the newest mark with no lastError set since adds nothing.
   */
  markRefused(code: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    const newest = this.pendingMarks.at(-1);
    if (newest && newest.keys === keys && newest.code === code && newest.epoch === this.errorEpoch) return;
    this.pendingMarks.push({ code, keys, epoch: ++this.errorEpoch });
    if (this.pendingMarks.length > PENDING_MARKS) this.applyMark(this.pendingMarks.shift()!);
  }

  /** Sets lastError from one mark, where no newer one set it. */
  private applyMark(m: { code: string; keys: readonly string[]; epoch: number }): void {
    for (const k of m.keys) {
      if ((this.errorAt.get(k) ?? 0) > m.epoch) continue;
      this.orch(k).lastError = m.code;
      this.errorAt.set(k, m.epoch);
    }
  }

  discovery(url: string, ok: boolean): void {
    const o = this.orch(url);
    o.discoveries++;
    if (!ok) o.discoveryFailures++;
  }

  attempt(url: string, retry: boolean): void {
    this.s.attempts++;
    if (retry) this.s.retries++;
    this.orch(url).attempts++;
  }

  ticketsSent(url: string, n: number, ev: Rat, faceValue: bigint): void {
    if (n === 0) return;
    const total = ev.mul(BigInt(n));
    this.s.tickets.sent += n;
    this.s.tickets.ev = this.s.tickets.ev.add(total);
    this.s.tickets.faceValue += faceValue * BigInt(n);
    const o = this.orch(url);
    o.tickets += n;
    o.ev = o.ev.add(total);
    o.faceValue += faceValue * BigInt(n);
  }

  ticketsRefused(url: string, n: number, ev: Rat): void {
    if (n === 0) return;
    const total = ev.mul(BigInt(n));
    this.s.tickets.refused += n;
    this.s.tickets.refusedEv = this.s.tickets.refusedEv.add(total);
    const o = this.orch(url);
    o.refusedTickets += n;
    o.refusedEv = o.refusedEv.add(total);
  }

  jobOk(url: string, pipeline: string, units: bigint, fee: Rat): void {
    this.s.jobs.ok++;
    this.s.units += units;
    this.s.fees = this.s.fees.add(fee);
    const p = this.pipe(pipeline);
    p.ok++;
    p.units += units;
    p.fees = p.fees.add(fee);
    const o = this.orch(url);
    o.ok++;
    o.fees = o.fees.add(fee);
  }

  /**
   * A job the orchestrator debited whose answer did not reach the client whole (the client went
   * away, or the stream or body was cut): its fee is owed all the same. The job counts as failed.
   */
  jobCut(url: string, fee: Rat): void {
    this.s.fees = this.s.fees.add(fee);
    const o = this.orch(url);
    o.fees = o.fees.add(fee);
  }

  attemptFailed(url: string, code: string): void {
    this.orch(url).failed++;
    this.refusal(code, url);
  }

  jobFailed(pipeline: string): void {
    this.s.jobs.failed++;
    this.pipe(pipeline).failed++;
  }

  /** A deep copy (callers may keep it). */
  snapshot(): GatewayStats {
    for (const m of this.pendingMarks) this.applyMark(m);
    this.pendingMarks.length = 0;
    const s = this.s;
    return {
      jobs: { ok: s.jobs.ok, failed: s.jobs.failed, byPipeline: Object.fromEntries(Object.entries(s.jobs.byPipeline).map(([k, v]) => [k, { ...v }])) },
      units: s.units,
      fees: s.fees,
      tickets: { ...s.tickets },
      attempts: s.attempts,
      retries: s.retries,
      orchestrators: Object.fromEntries([...this.orchs].map(([k, v]) => [k, { ...v }])),
      refusals: { ...s.refusals },
    };
  }
}

/**
 * A job's price refusals across its attempts (GW_PRICE_TOO_HIGH): each orchestrator its evaluations
 * refused for price counts once for the job, and is marked as last refused for price. Counted
 * from the evaluations' counts, not their lists: a retry's evaluation is patched from the
 * snapshot's and shares its list only when its gates touched no price-refused row, and walking a
 * list of thousands per job is what this avoids. The lists are read only for a second attempt
 * whose list is another one (then the keys not counted yet are counted).
 */
export class JobPriceRefusals {
  /** The attempts' evaluations with a price refusal; their lists are read only from the second one on. */
  private readonly evals: Evaluation[] = [];
  private seen: Set<string> | undefined;

  constructor(private readonly stats: StatsRecorder) {}

  count(e: Evaluation): void {
    const n = rejectionCount(e, 'price-above-max');
    if (n === 0) return;
    // the snapshot's list holds this job's and perhaps a few rows the job left out: all priced above the max
    this.stats.markRefused('GW_PRICE_TOO_HIGH', snapshotRejectedKeys(e, 'price-above-max'));
    if (this.evals.length === 0) {
      this.stats.refusals('GW_PRICE_TOO_HIGH', n);
      this.evals.push(e);
      return;
    }
    const keys = rejectedKeys(e, 'price-above-max');
    if (this.evals.some((x) => rejectedKeys(x, 'price-above-max') === keys)) return;
    if (!this.seen) {
      this.seen = new Set();
      for (const x of this.evals) for (const k of rejectedKeys(x, 'price-above-max')) this.seen.add(k);
    }
    let fresh = 0;
    for (const k of keys) {
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      fresh++;
    }
    this.stats.refusals('GW_PRICE_TOO_HIGH', fresh);
    this.evals.push(e);
  }
}
