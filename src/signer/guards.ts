// In-process guards: one call at a time per session (a promise chain per StateID, its entry
// removed when the session goes idle), and the spend caps (EV signed per session, per auth id over
// a sliding window, in total), checked and reserved synchronously so two calls cannot both pass a cap.
import { Rat } from '../money/index.js';

export class SessionLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier call for `key` has settled. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      // Idle: nobody queued behind us, so the entry goes (the map holds only busy sessions).
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  get size(): number {
    return this.tails.size;
  }
}

export interface SpendCaps {
  /** Most EV (wei) signed for one session (StateID). */
  maxSpendPerSession?: bigint | undefined;
  /** Most EV (wei) signed for one auth id within `authIdWindowMs`. */
  maxSpendPerAuthId?: bigint | undefined;
  /** The window of maxSpendPerAuthId; default 1 h. */
  authIdWindowMs?: number | undefined;
  /** Most EV (wei) this signer process signs in total. */
  maxSpendTotal?: bigint | undefined;
  /** Auth ids tracked at once (oldest dropped first); default 10,000. */
  maxAuthIds?: number | undefined;
}

interface Window {
  /** [ms, spend] in time order. */
  entries: [number, Rat][];
  sum: Rat;
}

export class SpendLedger {
  private total = Rat.ZERO;
  private readonly byAuth = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxAuthIds: number;

  constructor(private readonly caps: SpendCaps) {
    this.windowMs = caps.authIdWindowMs ?? 3_600_000;
    this.maxAuthIds = caps.maxAuthIds ?? 10_000;
  }

  get spentTotal(): Rat {
    return this.total;
  }

  private window(authId: string, nowMs: number): Window | undefined {
    const w = this.byAuth.get(authId);
    if (!w) return undefined;
    while (w.entries.length > 0 && w.entries[0]![0] <= nowMs - this.windowMs) w.sum = w.sum.sub(w.entries.shift()![1]);
    if (w.entries.length === 0) {
      this.byAuth.delete(authId);
      return undefined;
    }
    return w;
  }

  /**
   * Which cap `spend` would pass, or undefined; on undefined the spend is reserved (call `release`
   * if the call then fails). `sessionSpent` is what the session has signed so far.
   */
  reserve(spend: Rat, sessionSpent: Rat, authId: string, nowMs: number): string | undefined {
    const c = this.caps;
    if (c.maxSpendPerSession !== undefined && sessionSpent.add(spend).gt(c.maxSpendPerSession)) return `session spend cap: ${sessionSpent.add(spend).ceil()} wei of EV > -maxSpendPerSession ${c.maxSpendPerSession}`;
    const w = authId === '' ? undefined : this.window(authId, nowMs);
    if (c.maxSpendPerAuthId !== undefined && authId !== '' && (w?.sum ?? Rat.ZERO).add(spend).gt(c.maxSpendPerAuthId)) {
      return `auth id spend cap: ${(w?.sum ?? Rat.ZERO).add(spend).ceil()} wei of EV within ${this.windowMs} ms > -maxSpendPerAuthId ${c.maxSpendPerAuthId}`;
    }
    if (c.maxSpendTotal !== undefined && this.total.add(spend).gt(c.maxSpendTotal)) return `total spend cap: ${this.total.add(spend).ceil()} wei of EV > -maxSpendTotal ${c.maxSpendTotal}`;
    this.total = this.total.add(spend);
    if (authId !== '') {
      const win = w ?? { entries: [], sum: Rat.ZERO };
      win.entries.push([nowMs, spend]);
      win.sum = win.sum.add(spend);
      this.byAuth.delete(authId);
      this.byAuth.set(authId, win);
      if (this.byAuth.size > this.maxAuthIds) this.byAuth.delete(this.byAuth.keys().next().value!);
    }
    return undefined;
  }

  release(spend: Rat, authId: string): void {
    this.total = this.total.sub(spend);
    const w = this.byAuth.get(authId);
    if (w) {
      w.sum = w.sum.sub(spend);
      const i = w.entries.findIndex(([, s]) => s.eq(spend));
      if (i >= 0) w.entries.splice(i, 1);
    }
  }

  /** Auth ids with spend inside the window (bounded by maxAuthIds). */
  get authIds(): number {
    return this.byAuth.size;
  }
}
