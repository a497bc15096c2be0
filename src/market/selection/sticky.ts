// Session stickiness: a stream or a client's session key stays on the orchestrator it was given
// until that orchestrator fails or the session goes quiet. A bounded LRU with a sliding TTL: each
// use moves the entry to the back of the Map and pushes its expiry, so the front is always the
// least recently used and the first to expire — eviction and expiry sweeps only look at the front.

export interface StickyOptions {
  /** An entry unused for this long is forgotten (default 10 min, go-livepeer's AI session TTL). */
  ttlMs?: number;
  /** Cap on sessions (default 10,000); the least recently used goes first. */
  maxEntries?: number;
  /** Clock in ms (default Date.now). */
  now?: () => number;
}

interface Entry {
  candidate: string;
  expires: number;
}

export class StickySessions {
  private readonly map = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: StickyOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.maxEntries = Math.max(1, opts.maxEntries ?? 10_000);
    this.now = opts.now ?? Date.now;
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be > 0, got ${this.ttlMs}`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The candidate key this session is on, or undefined (unknown or expired). A hit renews the TTL. */
  get(session: string): string | undefined {
    const e = this.map.get(session);
    if (!e) return undefined;
    const t = this.now();
    this.map.delete(session);
    if (e.expires <= t) return undefined;
    e.expires = t + this.ttlMs;
    this.map.set(session, e);
    return e.candidate;
  }

  /** Puts `session` on `candidate` (a new choice or a failover). */
  set(session: string, candidate: string): void {
    const t = this.now();
    this.map.delete(session);
    this.map.set(session, { candidate, expires: t + this.ttlMs });
    this.sweep(t);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
  }

  /** The session ended. */
  delete(session: string): boolean {
    return this.map.delete(session);
  }

  /** `candidate` failed: every session on it is unstuck (they choose again). Returns how many. */
  forgetCandidate(candidate: string): number {
    let n = 0;
    for (const [k, e] of this.map) {
      if (e.candidate === candidate) {
        this.map.delete(k);
        n++;
      }
    }
    return n;
  }

  /** Drops expired entries from the front (the least recently used). */
  sweep(t: number = this.now()): void {
    for (const [k, e] of this.map) {
      if (e.expires > t) break;
      this.map.delete(k);
    }
  }

  clear(): void {
    this.map.clear();
  }
}
