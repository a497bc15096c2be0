// The gateway's failure backoff, per (orchestrator, capability): only the orchestrator's own faults
// (unreachable, its 5xx, a runner crash) are counted, and each one only against the capability whose
// job failed, so one crashed runner does not take the orchestrator's other pipelines out. The first
// fault leaves the pair out for baseMs, each further one doubles that up to maxMs; a success resets
// it. go-livepeer has no such thing (it removes the orchestrator for every job; see docs/differences.md).
//
// This is the gateway's one suspension story for batch jobs: go-livepeer counts an AI suspension in
// pool refreshes (3 for batch, refreshes ≤ 10 min apart: up to ~30 min, go-livepeer #3642); here it
// is counted in time, doubling per consecutive fault, and the /orchestrators table shows each one
// with its end, its fault count and the code of the fault that caused it.

export interface BackoffOptions {
  /** Suspension after the first fault. */
  baseMs: number;
  /** Cap of the doubling. */
  maxMs: number;
  /** Bound on the pairs remembered (oldest fault forgotten first). */
  maxEntries?: number;
  now?: () => number;
}

interface Strike {
  /** Consecutive faults since the last success. */
  faults: number;
  until: number;
  /** The last fault's code (e.g. RUNNER_FAILED, GW_ORCH_UNREACHABLE). */
  cause: string;
  since: number;
}

/** A running suspension, for the table and the client's error. */
export interface SuspensionInfo {
  until: number;
  faults: number;
  cause: string;
  since: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class FailureBackoff {
  // Insertion order = order of the last fault (re-inserted on each): the first entry is the oldest.
  private readonly strikes = new Map<string, Strike>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly o: BackoffOptions) {
    if (!(o.baseMs >= 0 && o.maxMs >= o.baseMs)) throw new RangeError(`backoff: need 0 <= baseMs <= maxMs, got ${o.baseMs}, ${o.maxMs}`);
    this.now = o.now ?? Date.now;
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  private static key(orchestrator: string, capability: number): string {
    return `${orchestrator}|${capability}`;
  }

  /** Counts one fault; returns how long the pair is now left out (ms). */
  fault(orchestrator: string, capability: number, cause = 'fault'): number {
    const k = FailureBackoff.key(orchestrator, capability);
    const prev = this.live(k);
    const faults = (prev?.faults ?? 0) + 1;
    // 2^(faults-1) capped; the exponent is bounded so the double never overflows to Infinity.
    const ms = Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(faults - 1, 52));
    this.strikes.delete(k);
    const now = this.now();
    this.strikes.set(k, { faults, until: now + ms, cause, since: now });
    while (this.strikes.size > this.maxEntries) {
      const oldest = this.strikes.keys().next().value as string;
      this.strikes.delete(oldest);
    }
    return ms;
  }

  /** A job succeeded on the pair: the next fault starts from baseMs again. True when a streak was forgotten. */
  success(orchestrator: string, capability: number): boolean {
    return this.strikes.delete(FailureBackoff.key(orchestrator, capability));
  }

  /** Milliseconds the pair is still left out; 0 = usable. */
  remainingMs(orchestrator: string, capability: number): number {
    const s = this.live(FailureBackoff.key(orchestrator, capability));
    return s ? Math.max(0, s.until - this.now()) : 0;
  }

  /** The running suspension of the pair, if any. */
  suspension(orchestrator: string, capability: number): SuspensionInfo | undefined {
    const s = this.live(FailureBackoff.key(orchestrator, capability));
    if (!s || s.until <= this.now()) return undefined;
    return { until: s.until, faults: s.faults, cause: s.cause, since: s.since };
  }

  isSuspended(orchestrator: string, capability: number): boolean {
    return this.remainingMs(orchestrator, capability) > 0;
  }

  /** Pairs remembered (for the bounded-state checks). */
  get size(): number {
    return this.strikes.size;
  }

  /**
   * The entry, unless it is stale: a pair that has been usable again for maxMs without a new fault
   * starts over (and is forgotten), so an old streak does not make one fault cost the cap a day later.
   */
  private live(k: string): Strike | undefined {
    const s = this.strikes.get(k);
    if (s && this.now() - s.until >= this.o.maxMs) {
      this.strikes.delete(k);
      return undefined;
    }
    return s;
  }
}
