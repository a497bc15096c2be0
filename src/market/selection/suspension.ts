// go-livepeer's suspender (server/suspensions.go) with its AI-pool semantics: time is counted in
// discovery refreshes, not seconds. suspend(key, p) at refresh count c keeps the key out while the
// count is ≤ c + p, so penalty 3 (batch) excludes it for the next 3 refreshes and penalty 0 (live
// Remove) until the next one. go-livepeer's transcoding pool adds the penalty to a 0-based value
// instead, which stops suspending once the counter has passed it; we always count from now.
// Bounded: an entry is dropped once served (looked up or swept after its last refresh), and at most
// `maxEntries` are kept (the oldest suspension goes first).

export interface Suspension {
  /** The refresh count through which the key stays suspended. */
  untilRefresh: number;
  /** Refreshes still to come before it is released (≥ 1). */
  refreshesLeft: number;
  /** Why, e.g. the orchestrator's typed error code. */
  cause: string;
  /** Wall-clock ms when this suspension was set. */
  since: number;
  penalty: number;
}

export interface SuspenderOptions {
  /** Cap on suspended keys (default 10,000). */
  maxEntries?: number;
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
}

interface Entry {
  untilRefresh: number;
  cause: string;
  since: number;
  penalty: number;
}

export class Suspender {
  private readonly list = new Map<string, Entry>();
  private count = 0;
  private lastRefreshAt: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: SuspenderOptions = {}) {
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.now = opts.now ?? Date.now;
    this.lastRefreshAt = this.now();
  }

  /** Refreshes signalled so far. */
  get refreshCount(): number {
    return this.count;
  }

  get size(): number {
    return this.list.size;
  }

  /**
   * Suspends `key` for the next `penalty` refreshes (and until the next one). A suspension already
   * running longer is kept: a second fault never shortens the first one's penalty.
   */
  suspend(key: string, penalty: number, cause: string): Suspension {
    if (!Number.isInteger(penalty) || penalty < 0) throw new RangeError(`penalty must be a whole number ≥ 0, got ${penalty}`);
    const untilRefresh = this.count + penalty;
    const old = this.list.get(key);
    if (old && old.untilRefresh > untilRefresh) return this.view(old);
    this.list.delete(key); // re-insert at the end: the map's order is the eviction order
    const e: Entry = { untilRefresh, cause, since: this.now(), penalty };
    this.list.set(key, e);
    while (this.list.size > this.maxEntries) this.list.delete(this.list.keys().next().value!);
    return this.view(e);
  }

  /** One discovery refresh happened (n of them: go-livepeer releases everybody by signalling `penalty` times). */
  signalRefresh(n = 1): void {
    this.count += n;
    this.lastRefreshAt = this.now();
    for (const [k, e] of this.list) if (e.untilRefresh < this.count) this.list.delete(k);
  }

  /** The running suspension of `key`, or undefined (then the entry, if any, is dropped). */
  suspended(key: string): Suspension | undefined {
    const e = this.list.get(key);
    if (!e) return undefined;
    if (e.untilRefresh < this.count) {
      this.list.delete(key);
      return undefined;
    }
    return this.view(e);
  }

  /** Lifts a suspension early (e.g. the orchestrator answered a health check). */
  release(key: string): boolean {
    return this.list.delete(key);
  }

  /**
   * When the suspension of `key` should end on the wall clock, if refreshes come every
   * `refreshIntervalMs` (counted from the last one): for display only, refreshes decide.
   */
  estimateUntil(key: string, refreshIntervalMs: number): number | undefined {
    const s = this.suspended(key);
    return s === undefined ? undefined : this.lastRefreshAt + s.refreshesLeft * refreshIntervalMs;
  }

  /** A gate detail for people: "until about 12:00:05Z (3 refreshes) after RUNNER_FAILED". */
  describe(key: string, refreshIntervalMs?: number): string | undefined {
    const s = this.suspended(key);
    if (s === undefined) return undefined;
    const n = `${s.refreshesLeft} refresh${s.refreshesLeft === 1 ? '' : 'es'}`;
    const when = refreshIntervalMs === undefined ? '' : `until about ${new Date(this.lastRefreshAt + s.refreshesLeft * refreshIntervalMs).toISOString()} `;
    return `suspended ${when}(${n}) after ${s.cause}`;
  }

  private view(e: Entry): Suspension {
    return { untilRefresh: e.untilRefresh, refreshesLeft: e.untilRefresh - this.count + 1, cause: e.cause, since: e.since, penalty: e.penalty };
  }
}
