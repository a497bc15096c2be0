// One job target's snapshot of the market (GatewayMarket keeps one per pipeline/model): per known
// orchestrator, its row (registry entry, cached answer, whether it is worth asking, until when the
// row holds) beside the selection snapshot of its facts, the bounds that say when rows must be
// computed again, and the index an include/exclude list is matched through.
import type { Address } from 'viem';
import type { CandidateSnapshot, MarketEntry } from '../../market/index.js';
import type { OrchestratorSession, SurveyState } from './sessions.js';

/** Whether an include/exclude list (filterKeys() form) names the orchestrator: its service URI, transcoder or address. */
export function matches(keys: Set<string>, url: string, transcoder: string | undefined, address: Address | undefined): boolean {
  if (keys.has(url.toLowerCase())) return true;
  if (transcoder && keys.has(transcoder.toLowerCase())) return true;
  return address !== undefined && keys.has(address.toLowerCase().slice(2));
}

/** One orchestrator's row in a target's snapshot. */
export interface TargetRow {
  entry: MarketEntry;
  state: SurveyState | undefined;
  session: OrchestratorSession | undefined;
  /** Worth asking (or counting as a usable answer): not stale, suspended or blocklisted by its listed address. */
  askable: boolean;
  stale: boolean;
  /** Until when (the pool's clock) and below which L1 block (Infinity: no limit) this row holds. */
  untilMs: number;
  untilBlock: number;
}

/**
 * Every known orchestrator's slow-changing facts for one job target, prepared for selection
 * (src/market/selection/snapshot.ts). Immutable: a change makes a new one. Built from scratch when
 * the discovery registry changes (its version); when the session cache changes (its version), only
 * the rows of the orchestrators it changed are computed again (the pool's change log), and so are
 * the rows the clock or the chain has passed the end of (a listing turning stale, a session's auth
 * token or ticket params, a refusal, a suspension).
 */
export class TargetSnapshot {
  /** Askable rows with nothing cached (to ask), ascending. */
  readonly uncached: readonly number[];
  /**
   * Bounds on the rows' ends: the earliest untilMs and untilBlock, the oldest listing among the
   * rows not stale yet. Exact when built from scratch; a patch takes the smaller of its base's and
   * its new rows' (the row that set a bound may have moved later), so they may be early, never
   * late: an early one costs one scan that finds nothing to redo and tightens it (tighten()).
   */
  untilMs = Infinity;
  untilBlock = Infinity;
  oldestListed = Infinity;

  /** Built from `rows`, or patched from `from` where the rows in `redo` changed (O(redo), not O(rows)). */
  constructor(
    readonly sel: CandidateSnapshot,
    readonly rows: readonly TargetRow[],
    readonly discoveryVersion: number,
    public poolVersion: number,
    from?: { prev: TargetSnapshot; redo: ReadonlySet<number> },
  ) {
    if (from) {
      const { prev, redo } = from;
      let untilMs = prev.untilMs;
      let untilBlock = prev.untilBlock;
      let oldest = prev.oldestListed;
      const uncached = prev.uncached.filter((i) => !redo.has(i));
      let added = false;
      for (const i of redo) {
        const r = rows[i]!;
        if (r.untilMs < untilMs) untilMs = r.untilMs;
        if (r.untilBlock < untilBlock) untilBlock = r.untilBlock;
        if (!r.stale && r.entry.lastListed < oldest) oldest = r.entry.lastListed;
        if (r.askable && r.state === undefined) {
          uncached.push(i);
          added = true;
        }
      }
      if (added) uncached.sort((a, b) => a - b);
      this.uncached = uncached;
      this.untilMs = untilMs;
      this.untilBlock = untilBlock;
      this.oldestListed = oldest;
      return;
    }
    const uncached: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.askable && r.state === undefined) uncached.push(i);
    }
    this.uncached = uncached;
    this.tighten();
  }

  /** The bounds made exact again (O(rows)): after a scan they sent found less to redo than they promised. */
  tighten(): void {
    let untilMs = Infinity;
    let untilBlock = Infinity;
    let oldest = Infinity;
    for (let i = 0; i < this.rows.length; i++) {
      const r = this.rows[i]!;
      if (r.untilMs < untilMs) untilMs = r.untilMs;
      if (r.untilBlock < untilBlock) untilBlock = r.untilBlock;
      if (!r.stale && r.entry.lastListed < oldest) oldest = r.entry.lastListed;
    }
    this.untilMs = untilMs;
    this.untilBlock = untilBlock;
    this.oldestListed = oldest;
  }

  /**
   * URI/transcoder/address → rows, built on the first filtered job; a patched snapshot inherits it
   * with the rows patched since (`unindexed`), which are checked directly.
   */
  private matchIndex: Map<string, number[]> | undefined;
  private unindexed: number[] = [];

  /** Hands the match index on to `next`, a patch of this snapshot in which `patched` rows changed. */
  handOn(next: TargetSnapshot, patched: Iterable<number>): void {
    if (!this.matchIndex) return;
    const unindexed = [...this.unindexed, ...patched];
    if (unindexed.length > 1024) return; // rebuilt on the next filtered job
    next.matchIndex = this.matchIndex;
    next.unindexed = unindexed;
  }

  /**
   * The rows an include/exclude list matches (matches(): the service URI, the answer's transcoder or
   * the address, lower-cased), through the index: each row it names is checked against its current
   * facts, and so is every row patched since the index was built.
   */
  matching(keys: Set<string>): Set<number> {
    if (!this.matchIndex) {
      const index = new Map<string, number[]>();
      const add = (k: string, i: number) => {
        const l = index.get(k);
        if (!l) index.set(k, [i]);
        else if (l[l.length - 1] !== i) l.push(i);
      };
      this.rows.forEach(({ entry: e, session }, i) => {
        add(e.url.toLowerCase(), i);
        if (session?.transcoder) add(session.transcoder.toLowerCase(), i);
        const address = e.address ?? session?.recipient;
        if (address !== undefined) add(address.toLowerCase().slice(2), i);
      });
      this.matchIndex = index;
    }
    const out = new Set<number>();
    const check = (i: number) => {
      const { entry: e, session } = this.rows[i]!;
      if (matches(keys, e.url, session?.transcoder, e.address ?? session?.recipient)) out.add(i);
    };
    for (const k of keys) for (const i of this.matchIndex.get(k) ?? []) check(i);
    for (const i of this.unindexed) check(i);
    return out;
  }
}
