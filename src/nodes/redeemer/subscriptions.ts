// MonitorMaxFloat's subscribers: one per open stream, bounded in total and per sender (the oldest
// stream is ended first, with RESOURCE_EXHAUSTED, to make room: a client whose stream ends drops
// its cache and subscribes again on its next MaxFloat, as go-livepeer's RedeemerClient does).
//
// go-livepeer wakes each stream on a per-sender event feed and sends on every wake. Here a wake
// ("max float may have changed for this sender, or for all") re-reads the value once per sender,
// however many streams follow it, and a stream sends only a value different from its last one;
// a stream holds at most one unsent value (the newest), so a slow reader costs no memory.
import { Code } from '@connectrpc/connect';
import type { Address } from 'viem';
import type { MaxFloatSource } from '../../pm/index.js';
import { refusalConnectError } from '../../wire/index.js';

export interface SubscriptionLimits {
  /** Open MonitorMaxFloat streams in all (default 1024). */
  maxSubscribers: number;
  /** Open streams for one sender (default 64: one per orchestrator that pays it is plenty). */
  maxPerSender: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: Readonly<SubscriptionLimits> = Object.freeze({ maxSubscribers: 1024, maxPerSender: 64 });

export class Subscription {
  private lastSent: bigint | undefined;
  private pending: bigint | undefined;
  private ended: { error?: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly sender: Address,
    readonly key: string,
  ) {}

  offer(v: bigint): void {
    if (this.ended) return;
    this.pending = v;
    this.wake?.();
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = error === undefined ? {} : { error };
    this.wake?.();
  }

  get isEnded(): boolean {
    return this.ended !== undefined;
  }

  /** The next value to send; undefined once the stream is over (ended, or `signal` aborted). Throws the end's error. */
  async next(signal: AbortSignal): Promise<bigint | undefined> {
    for (;;) {
      if (this.ended) {
        if (this.ended.error !== undefined) throw this.ended.error;
        return undefined;
      }
      if (signal.aborted) return undefined;
      const v = this.pending;
      this.pending = undefined;
      if (v !== undefined && v !== this.lastSent) {
        this.lastSent = v;
        return v;
      }
      if (v !== undefined) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}

export class MaxFloatSubscriptions {
  /** Every open subscription, oldest first (Set keeps insertion order). */
  private readonly all = new Set<Subscription>();
  private readonly bySender = new Map<string, Set<Subscription>>();
  /** Senders whose value is being re-read; `again` asks for one more read after it. */
  private readonly reading = new Map<string, { again: boolean }>();
  private closed = false;
  private readonly limits: SubscriptionLimits;

  constructor(
    private readonly source: MaxFloatSource,
    limits: Partial<SubscriptionLimits> = {},
    private readonly onError?: (sender: Address, err: unknown) => void,
  ) {
    this.limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...limits };
    if (!(this.limits.maxSubscribers >= 1 && this.limits.maxPerSender >= 1)) throw new RangeError('subscription limits must be ≥ 1');
  }

  get size(): number {
    return this.all.size;
  }

  get senderCount(): number {
    return this.bySender.size;
  }

  /** A new subscription, ending the oldest one (of this sender, then overall) when a limit is reached. */
  add(sender: Address): Subscription {
    const key = sender.toLowerCase();
    const sub = new Subscription(sender, key);
    if (this.closed) {
      sub.end(refusalConnectError('the redeemer is shutting down', Code.Unavailable, 'REDEEMER_CLOSED'));
      return sub;
    }
    const mine = this.bySender.get(key);
    if (mine && mine.size >= this.limits.maxPerSender) this.evict(mine.values().next().value!, `more than ${this.limits.maxPerSender} streams for sender ${sender}`);
    if (this.all.size >= this.limits.maxSubscribers) this.evict(this.all.values().next().value!, `more than ${this.limits.maxSubscribers} streams`);
    this.all.add(sub);
    let set = this.bySender.get(key);
    if (!set) this.bySender.set(key, (set = new Set()));
    set.add(sub);
    return sub;
  }

  remove(sub: Subscription): void {
    sub.end();
    this.all.delete(sub);
    const set = this.bySender.get(sub.key);
    if (!set) return;
    set.delete(sub);
    if (set.size === 0) this.bySender.delete(sub.key);
  }

  /** Max float may have changed for `sender` (undefined: for every followed sender); re-reads and offers it. */
  notify(sender?: Address): void {
    if (this.closed) return;
    if (sender === undefined) {
      for (const set of this.bySender.values()) {
        const first = set.values().next().value;
        if (first) this.refresh(first.key, first.sender);
      }
      return;
    }
    const key = sender.toLowerCase();
    if (this.bySender.has(key)) this.refresh(key, sender);
  }

  /** Ends every stream (they finish with OK, as go-livepeer's on quit) and takes no more. */
  close(): void {
    this.closed = true;
    for (const sub of [...this.all]) this.remove(sub);
  }

  private evict(sub: Subscription, why: string): void {
    sub.end(refusalConnectError(`MonitorMaxFloat stream ended to make room (${why}): call MonitorMaxFloat again`, Code.ResourceExhausted, 'REDEEMER_SUBSCRIBER_EVICTED'));
    this.remove(sub);
  }

  private refresh(key: string, sender: Address): void {
    const running = this.reading.get(key);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.reading.set(key, state);
    void (async () => {
      try {
        do {
          state.again = false;
          let v: bigint;
          try {
            const r = this.source.maxFloat(sender);
            v = typeof r === 'bigint' ? r : await r;
          } catch (err) {
            // go-livepeer logs and keeps the stream: the next wake tries again.
            this.onError?.(sender, err);
            continue;
          }
          for (const sub of this.bySender.get(key) ?? []) sub.offer(v);
        } while (state.again && !this.closed && this.bySender.has(key));
      } finally {
        this.reading.delete(key);
      }
    })();
  }
}
