// The sessions SessionPool (sessions.ts) holds, by `url|capability|model`: answers and refusals,
// least recently used first and at most `maxEntries`, with what depends on them kept in step —
// the pm Sender sessions they pay with (ended after a grace once no entry uses them), an index by
// `url|capability|` prefix (suspend() drops one orchestrator's entries for a capability without a
// scan) and a change log the gateway's selection snapshot follows (version, changedSince).
import { PmSessionRefs } from './pm-session-refs.js';
import type { SessionRefusedError } from './refused.js';
import type { OrchestratorSession } from './sessions.js';

export type Entry = { session: OrchestratorSession } | { refused: SessionRefusedError; until: number; at: number };
const pmIdOf = (e: Entry): string | undefined => ('session' in e ? e.session.pmSessionId : undefined);

/** How many changes changedSince() can list (a reader further behind rebuilds from scratch). */
const CHANGE_LOG = 512;
/** Expired refusals are swept at most this often (each lookup of one also replaces it). */
const REFUSAL_SWEEP_MS = 1_000;

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * The keys by their `url|capability|` prefix: with 10,000 entries, scanning (and copying) the
   * whole cache cost ~2 ms per fault. Kept in step by set/delete, the only writers.
   */
  private readonly keysByPrefix = new Map<string, Set<string>>();
  /** The pm sessions the cached sessions pay with; one no longer used is ended after a grace. */
  private readonly pm: PmSessionRefs;
  private lastRefusalSweep = 0;
  private changes = 0;
  /** The orchestrator URL of each of the last changes (the last CHANGE_LOG at most), oldest first. */
  private readonly changeLog: string[] = [];

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
    endPmSession: (id: string) => void,
  ) {
    this.pm = new PmSessionRefs(endPmSession, now, maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Cached refusals (expired ones not swept yet included). */
  refusedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if ('refused' in e) n++;
    return n;
  }

  get pmSessions(): number {
    return this.pm.size;
  }

  get pmRetiring(): number {
    return this.pm.retiringCount;
  }

  get(k: string): Entry | undefined {
    return this.entries.get(k);
  }

  /** `k` (holding `e`) becomes the most recently used: the cap evicts from the front. */
  touch(k: string, e: Entry): void {
    this.entries.delete(k);
    this.entries.set(k, e);
  }

  /** Ends the pm sessions retired longer than the grace. */
  endRetired(now?: number): void {
    this.pm.endRetired(now);
  }

  /** See SessionPool.version. */
  get version(): number {
    return this.changes;
  }

  changed(url: string): void {
    this.changes++;
    this.changeLog.push(url);
    if (this.changeLog.length > 2 * CHANGE_LOG) this.changeLog.splice(0, this.changeLog.length - CHANGE_LOG);
  }

  /** The orchestrator URLs of the changes since `version` (repeats possible), or undefined when they are no longer all remembered. */
  changedSince(version: number): string[] | undefined {
    const n = this.changes - version;
    if (n < 0 || n > this.changeLog.length) return undefined;
    return this.changeLog.slice(this.changeLog.length - n);
  }

  /** Caches `e` as the most recently used, ending the pm session of what it replaces and evicting beyond the cap. */
  store(k: string, e: Entry): void {
    this.changed(k.slice(0, k.indexOf('|')));
    const old = this.entries.get(k);
    this.delete(k);
    this.set(k, e);
    this.pm.retain(pmIdOf(e)); // before releasing `old`: a refresh often gets the same params back
    if (old) this.pm.release(pmIdOf(old));
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
    const now = this.now();
    this.pm.endRetired(now);
    if (now - this.lastRefusalSweep >= REFUSAL_SWEEP_MS) {
      this.lastRefusalSweep = now;
      for (const [key, v] of this.entries) if ('refused' in v && v.until <= now) this.delete(key);
    }
  }

  remove(k: string): void {
    const e = this.entries.get(k);
    if (!e) return;
    this.changed(k.slice(0, k.indexOf('|')));
    this.delete(k);
    this.pm.release(pmIdOf(e));
  }

  /** Removes every entry of (url, capability). */
  removePrefix(prefix: string): void {
    const keys = this.keysByPrefix.get(prefix);
    if (keys) for (const k of [...keys]) this.remove(k);
  }

  private static prefixOf(k: string): string {
    return k.slice(0, k.indexOf('|', k.indexOf('|') + 1) + 1);
  }

  private set(k: string, e: Entry): void {
    this.entries.set(k, e);
    const p = SessionCache.prefixOf(k);
    let keys = this.keysByPrefix.get(p);
    if (!keys) this.keysByPrefix.set(p, (keys = new Set()));
    keys.add(k);
  }

  private delete(k: string): void {
    if (!this.entries.delete(k)) return;
    const p = SessionCache.prefixOf(k);
    const keys = this.keysByPrefix.get(p);
    if (keys?.delete(k) && keys.size === 0) this.keysByPrefix.delete(p);
  }
}
