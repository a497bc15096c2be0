// The discovery registry: merges the sources' lists into one bounded set of entries, refreshed on a
// schedule and on demand. A source that fails keeps the entries it listed last (never "one timeout
// empties the pool", go-livepeer #4087); an entry is `stale` once no source has confirmed it for
// ttlMs; it is forgotten only when every source that listed it says it is gone (a successful list
// without it), or beyond the cap (least recently listed first).
import type { Address } from 'viem';
import { errorCode } from '../../errors/index.js';
import { isBlocklisted } from './orch-addr.js';
import type { DiscoverySource, SourceEntry, SourceKind } from './types.js';

export const DEFAULT_REFRESH_MS = 60_000;
/** An entry no source has confirmed for this long is `stale` (still shown, not chosen). */
export const DEFAULT_ENTRY_TTL_MS = 30 * 60_000;
export const DEFAULT_MAX_ENTRIES = 10_000;

export interface MarketEntry {
  url: string;
  /** From the source, or learnt from a GetOrchestrator answer. */
  address: Address | undefined;
  /** Wei; undefined = no source knows it. */
  stake: bigint | undefined;
  score: number | undefined;
  sources: SourceKind[];
  firstSeen: number;
  /** The last time a source listed it successfully (ms since the epoch). */
  lastListed: number;
}

export interface SourceStatus {
  kind: SourceKind;
  description: string;
  /** Entries in its last good list. */
  entries: number;
  lastOk: number | undefined;
  lastError: { code: string; message: string; at: number } | undefined;
}

export interface DiscoveryOptions {
  sources: readonly DiscoverySource[];
  /**
   * Sources read for stakes only (their URIs are not candidates): an on-chain gateway with
   * -orchAddr still takes stakes from the chain, as go-livepeer's DB cache does.
   */
  stakeSources?: readonly DiscoverySource[];
  blocklist?: ReadonlySet<string>;
  /** 0 = no timer (refresh on demand only). */
  refreshMs?: number;
  ttlMs?: number;
  maxEntries?: number;
  onError?: (source: DiscoverySource, err: unknown) => void;
  now?: () => number;
}

interface SourceState {
  source: DiscoverySource;
  good: SourceEntry[] | undefined;
  lastOk: number | undefined;
  lastError: SourceStatus['lastError'];
}

export class Discovery {
  private readonly states: SourceState[];
  private readonly stakeStates: SourceState[];
  private readonly byUrl = new Map<string, MarketEntry>();
  private readonly stakeByAddress = new Map<string, bigint>();
  /** Addresses learnt from GetOrchestrator answers, by URL (bounded with the entries). */
  private readonly learnt = new Map<string, Address>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly now: () => number;
  readonly blocklist: ReadonlySet<string>;
  readonly ttlMs: number;
  private readonly maxEntries: number;
  private changes = 0;

  constructor(private readonly o: DiscoveryOptions) {
    this.states = o.sources.map((source) => ({ source, good: undefined, lastOk: undefined, lastError: undefined }));
    this.stakeStates = (o.stakeSources ?? []).map((source) => ({ source, good: undefined, lastOk: undefined, lastError: undefined }));
    this.now = o.now ?? Date.now;
    this.blocklist = o.blocklist ?? new Set();
    this.ttlMs = o.ttlMs ?? DEFAULT_ENTRY_TTL_MS;
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The first refresh (awaited), then the schedule. */
  async start(): Promise<void> {
    await this.refresh();
    const every = this.o.refreshMs ?? DEFAULT_REFRESH_MS;
    if (every > 0 && !this.closed) {
      this.timer = setInterval(() => void this.refresh(), every);
      this.timer.unref();
    }
  }

  /** Reads every source now (concurrent calls share one round). */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.refreshOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async readAll(states: SourceState[]): Promise<void> {
    await Promise.all(
      states.map(async (s) => {
        try {
          s.good = await s.source.list();
          s.lastOk = this.now();
          s.lastError = undefined;
        } catch (err) {
          s.lastError = { code: errorCode(err) ?? 'DISCOVERY_SOURCE_FAILED', message: (err as Error).message, at: this.now() };
          this.o.onError?.(s.source, err);
        }
      }),
    );
  }

  private async refreshOnce(): Promise<void> {
    await Promise.all([this.readAll(this.states), this.readAll(this.stakeStates)]);
    if (this.closed) return;
    this.stakeByAddress.clear();
    for (const s of [...this.stakeStates, ...this.states]) {
      for (const e of s.good ?? []) if (e.address && e.stake !== undefined && this.stakeByAddress.size < this.maxEntries) this.stakeByAddress.set(e.address.toLowerCase(), e.stake);
    }
    const merged = new Map<string, MarketEntry>();
    for (const s of this.states) {
      if (!s.good || s.lastOk === undefined) continue;
      for (const e of s.good) {
        let m = merged.get(e.url);
        if (!m) {
          const old = this.byUrl.get(e.url);
          m = { url: e.url, address: undefined, stake: undefined, score: undefined, sources: [], firstSeen: old?.firstSeen ?? this.now(), lastListed: s.lastOk };
          merged.set(e.url, m);
        }
        if (!m.sources.includes(s.source.kind)) m.sources.push(s.source.kind);
        m.lastListed = Math.max(m.lastListed, s.lastOk);
        m.address ??= e.address;
        if (e.stake !== undefined) m.stake = m.stake === undefined ? e.stake : m.stake > e.stake ? m.stake : e.stake;
        if (e.score !== undefined) m.score = Math.max(m.score ?? e.score, e.score);
      }
    }
    // Over the cap: the least recently listed go first.
    let list = [...merged.values()];
    if (list.length > this.maxEntries) list = list.sort((a, b) => b.lastListed - a.lastListed).slice(0, this.maxEntries);
    this.byUrl.clear();
    for (const m of list) this.byUrl.set(m.url, m);
    for (const url of this.learnt.keys()) if (!this.byUrl.has(url)) this.learnt.delete(url);
    this.changes++;
  }

  /**
   * Counts the changes to what entries() and get() return (a refresh, a newly learnt address): a
   * reader that prepared something from the entries (the gateway's selection snapshot) rebuilds it
   * when this moves. Staleness is the clock's (isStale), not a change.
   */
  get version(): number {
    return this.changes;
  }

  /** A GetOrchestrator answer told us the ETH address behind `url` (for the blocklist and stakes). */
  learnAddress(url: string, address: Address): void {
    if (this.byUrl.has(url) && this.learnt.get(url) !== address) {
      this.learnt.set(url, address);
      this.changes++;
    }
  }

  private view(m: MarketEntry): MarketEntry {
    const address = m.address ?? this.learnt.get(m.url);
    const stake = m.stake ?? (address ? this.stakeByAddress.get(address.toLowerCase()) : undefined);
    return { ...m, address, stake, sources: [...m.sources] };
  }

  /** Every known entry, in the order the sources listed them. */
  entries(): MarketEntry[] {
    return [...this.byUrl.values()].map((m) => this.view(m));
  }

  get(url: string): MarketEntry | undefined {
    const m = this.byUrl.get(url);
    return m && this.view(m);
  }

  get size(): number {
    return this.byUrl.size;
  }

  /** No source has confirmed the entry for ttlMs (its sources keep failing). */
  isStale(e: Pick<MarketEntry, 'lastListed'>): boolean {
    return this.now() - e.lastListed > this.ttlMs;
  }

  isBlocklisted(e: Pick<MarketEntry, 'address'>): boolean {
    return isBlocklisted(this.blocklist, e.address);
  }

  status(): SourceStatus[] {
    return [...this.states, ...this.stakeStates].map((s) => ({ kind: s.source.kind, description: s.source.description, entries: s.good?.length ?? 0, lastOk: s.lastOk, lastError: s.lastError }));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const s of [...this.states, ...this.stakeStates]) s.source.close?.();
  }
}
