// The gateway's market: for one job target, every known orchestrator (the discovery registry) with
// its facts from the session cache (price, latency, warm model) and the chain or webhook (stake) and
// its gates from this gateway's view (blocklist, stale listing, no answer, no capability, no
// capacity, suspension) — prepared once per change of the registry or the cache as a selection
// snapshot — plus, per job, this request's gates (already tried, include/exclude, answers still
// pending); then src/market/selection's evaluation and weighted draw, with session stickiness on top.
// A job costs the evaluation over the snapshot's columns, not 10,000 Candidate objects. The
// per-target snapshot (rows, bounds, match index) is target-snapshot.ts.
import { priceRat } from '../../money/index.js';
import type { Capabilities, Discovery, Evaluation, MarketEntry, ModelConstraint, PreparedFacts, PreparedGates, Qualified, Rng, SelectionWeights } from '../../market/index.js';
import { CandidateSnapshot, JobGates, StickySessions, draw, evaluatePrepared, findQualified } from '../../market/index.js';
import { capabilitiesFromWire, realSignal, type AbortSignalLike } from '../common/index.js';
import type { JobTarget, OrchestratorSession, SessionPool, SurveyState } from './sessions.js';
import { TargetSnapshot, matches, type TargetRow } from './target-snapshot.js';
import type { SessionRefusedError } from './refused.js';

/** A client's per-request list (go-livepeer PR #3634: {"orchestrators": {"include": [...], "exclude": [...]}}). */
export interface OrchestratorFilter {
  /** Service URIs (or ETH addresses); when non-empty, only these may take the job. */
  include?: readonly string[];
  exclude?: readonly string[];
}

export interface PickRequest {
  /** Already tried for this job: left out of the candidates. */
  tried?: ReadonlySet<string>;
  filter?: OrchestratorFilter;
  /** A stream or client session key: the job stays on the orchestrator the key is on while it qualifies. */
  sessionKey?: string;
  /**
   * Retry on this orchestrator if it still qualifies, waiting for its fresh answer (go-livepeer
   * retries "ticketparams expired" on the same orchestrator with refreshed params).
   */
  prefer?: string;
  /** The client's going-away (a real AbortSignal is built from it only when orchestrators are asked). */
  signal?: AbortSignalLike;
}

export interface MarketView {
  evaluation: Evaluation;
  /** The session this view holds for the orchestrator (the qualified ones, and any other answer we hold). */
  session(url: string): OrchestratorSession | undefined;
  /** The discovery entry (fresh: with an address learnt from an answer). */
  entry(url: string): MarketEntry | undefined;
  /** What this view knows of its answer: a cached session or refusal, or pending (asked, no answer yet). */
  state(url: string): SurveyState | undefined;
}

export interface Pick extends MarketView {
  chosen: { session: OrchestratorSession; qualified: Qualified; sticky: boolean } | undefined;
}

export interface GatewayMarketOptions {
  discovery: Discovery;
  pool: SessionPool;
  weights: SelectionWeights;
  rng?: Rng;
  sticky?: StickySessions;
}

/** The gate a discovery refusal stands for: an orchestrator that answered badly is as good as silent. */
function refusalGate(r: SessionRefusedError): 'no-answer' | 'no-capability' | 'capacity' {
  switch (r.code) {
    case 'GW_INCOMPATIBLE':
    case 'GW_MODEL_MISSING':
      return 'no-capability';
    case 'GW_ORCHESTRATOR_BUSY':
      return 'capacity';
    default:
      return 'no-answer';
  }
}

/** Normalised forms a filter entry can match: a service URI (scheme://host:port) or a bare lower-case address. */
function filterKeys(list: readonly string[] | undefined): Set<string> | undefined {
  if (!list || list.length === 0) return undefined;
  const out = new Set<string>();
  for (const raw of list) {
    const s = raw.trim().toLowerCase().replace(/\/+$/, '');
    if (s === '') continue;
    out.add(s);
    if (/^0x[0-9a-f]{40}$/.test(s)) out.add(s.slice(2));
  }
  return out;
}

function hasAddress(keys: Set<string>): boolean {
  for (const k of keys) if (/^[0-9a-f]{40}$/.test(k)) return true;
  return false;
}

/**
 * A session's capabilities, decoded once per answer (they were decoded twice per candidate per job):
 * an OrchestratorInfo is never changed after it is received; a new answer is a new object.
 */
const decodedCaps = new WeakMap<object, Capabilities>();
function sessionCapabilities(session: OrchestratorSession): Capabilities {
  const w = session.info.capabilities;
  if (!w) return capabilitiesFromWire(w);
  let c = decodedCaps.get(w);
  if (!c) {
    c = capabilitiesFromWire(w);
    decodedCaps.set(w, c);
  }
  return c;
}

/** Snapshots kept (one per pipeline/model asked for; the model id is the client's, so bounded). */
const MAX_SNAPSHOTS = 32;

export class GatewayMarket {
  readonly sticky: StickySessions;
  private readonly rng: Rng;
  private readonly snapshots = new Map<string, TargetSnapshot>();
  /** Snapshots built from scratch, and patched (some rows computed again): for the bench and stats. */
  rebuilds = 0;
  patches = 0;

  constructor(private readonly o: GatewayMarketOptions) {
    this.sticky = o.sticky ?? new StickySessions();
    this.rng = o.rng ?? Math.random;
  }

  get weights(): SelectionWeights {
    return this.o.weights;
  }

  /** The snapshot for `job`: as it was, patched, or rebuilt (see TargetSnapshot). */
  private snapshot(job: JobTarget): TargetSnapshot {
    const k = `${job.capability}|${job.modelId}`;
    const s = this.snapshots.get(k);
    const next = s ? this.refreshed(job, s) : this.build(job);
    if (next !== s) {
      this.snapshots.delete(k);
      this.snapshots.set(k, next);
      if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return next;
  }

  private refreshed(job: JobTarget, s: TargetSnapshot): TargetSnapshot {
    const { discovery, pool } = this.o;
    if (discovery.version !== s.discoveryVersion) return this.build(job);
    const redo = new Set<number>();
    const pv = pool.version;
    if (pv !== s.poolVersion) {
      const urls = pool.changedSince(s.poolVersion);
      if (!urls) return this.build(job);
      for (const u of urls) {
        const i = s.sel.indexOf(u);
        if (i >= 0) redo.add(i);
      }
    }
    // The clock or the chain passing a bound: the rows it passed are computed again. A bound may be
    // early (see TargetSnapshot); one that finds nothing is made exact so the next job does not scan.
    const now = pool.clock();
    let scanned = false;
    let passed = 0;
    if (now >= s.untilMs) {
      scanned = true;
      s.rows.forEach((r, i) => r.untilMs <= now && ++passed && redo.add(i));
    }
    if (s.untilBlock !== Infinity) {
      const block = Number(pool.chainBlock()!);
      if (block >= s.untilBlock) {
        scanned = true;
        s.rows.forEach((r, i) => r.untilBlock <= block && ++passed && redo.add(i));
      }
    }
    if (s.oldestListed !== Infinity && discovery.isStale({ lastListed: s.oldestListed })) {
      scanned = true;
      s.rows.forEach((r, i) => !r.stale && discovery.isStale(r.entry) && ++passed && redo.add(i));
    }
    if (scanned && passed === 0) s.tighten();
    if (redo.size === 0) {
      s.poolVersion = pv; // the changes were for other targets
      return s;
    }
    if (redo.size > 64 && redo.size > s.rows.length / 4) return this.build(job); // most rows changed: start over
    const rows = s.rows.slice();
    const changed = new Map<number, PreparedFacts>();
    for (const i of redo) {
      const [row, facts] = this.row(job, rows[i]!.entry);
      rows[i] = row;
      changed.set(i, facts);
    }
    this.patches++;
    const next = new TargetSnapshot(s.sel.withRows(changed), rows, s.discoveryVersion, pv, { prev: s, redo });
    s.handOn(next, redo);
    // the bound the scan passed is still in `next` (its base's): the scan's job makes them exact
    if (scanned) next.tighten();
    return next;
  }

  private build(job: JobTarget): TargetSnapshot {
    const { discovery, pool } = this.o;
    const dv = discovery.version;
    const pv = pool.version;
    const rows: TargetRow[] = [];
    const facts: PreparedFacts[] = [];
    for (const e of discovery.entries()) {
      const [row, f] = this.row(job, e);
      rows.push(row);
      facts.push(f);
    }
    this.rebuilds++;
    return new TargetSnapshot(new CandidateSnapshot(facts), rows, dv, pv);
  }

  /** One orchestrator's row and facts for `job`, from the registry's entry and the cache. */
  private row(job: JobTarget, e: MarketEntry): [TargetRow, PreparedFacts] {
    const { discovery, pool } = this.o;
    const c = pool.cachedUntil(e.url, job);
    const st = c.state;
    const session = st?.kind === 'session' ? st.session : undefined;
    const stale = discovery.isStale(e);
    const susp = pool.suspension(e.url, job.capability);
    const untilMs = susp && susp.until < c.untilMs ? susp.until : c.untilMs;
    const askable = !stale && !susp && !discovery.isBlocklisted(e);
    const row: TargetRow = { entry: e, state: st, session, askable, stale, untilMs, untilBlock: c.untilBlock === undefined ? Infinity : Number(c.untilBlock) };
    return [row, this.facts(job, e, st, session, stale, susp)];
  }

  /** An orchestrator's facts for `job` from the registry and the cache; the job's own gates (filter, pending answers) come per job. */
  private facts(job: JobTarget, e: MarketEntry, st: SurveyState | undefined, session: OrchestratorSession | undefined, stale: boolean, susp: ReturnType<SessionPool['suspension']>): PreparedFacts {
    const { discovery } = this.o;
    const address = e.address ?? session?.recipient;
    const gates: PreparedGates = {};
    if (discovery.isBlocklisted({ address })) gates.blocklisted = () => `${address} is on -orchBlocklist`;
    if (stale) gates.stale = () => `no source has listed it since ${new Date(e.lastListed).toISOString()} (TTL ${Math.round(discovery.ttlMs / 1000)} s)`;
    if (susp) gates.suspended = () => `until ${new Date(susp.until).toISOString()} after ${susp.cause} (${susp.faults} fault${susp.faults === 1 ? '' : 's'} in a row)`;
    let fallback: PreparedFacts['fallback'];
    let m: ModelConstraint | undefined;
    if (!session) {
      if (st?.kind === 'refused') gates[refusalGate(st.refused)] = st.refused.message;
      // Not asked because of another gate (stale, suspended, filtered): that gate is the reason.
      else fallback = { reason: 'no-answer', detail: 'not asked' };
    } else {
      m = sessionCapabilities(session).perCapability.get(job.capability)?.get(job.modelId);
      // Full by its own account: no free slot and some in use (0/0 is "not reported", not "full").
      if (m && m.capacity === 0 && m.capacityInUse > 0) {
        const inUse = m.capacityInUse;
        gates.capacity = () => `advertises no free capacity for ${job.modelId} (${inUse} in use)`;
      }
    }
    return {
      key: e.url,
      ...(address ? { address } : {}),
      stake: e.stake ?? 0n,
      ...(session ? { price: priceRat(session.price), latencyMs: Math.round(session.latencyMs * 10) / 10 } : {}),
      warm: m?.warm ?? false,
      gates,
      ...(fallback ? { fallback } : {}),
    };
  }

  /**
   * Every known orchestrator for `job`, evaluated; asks GetOrchestrator where nothing usable is
   * cached. Per job: the snapshot (rebuilt only when something changed), this request's gates (tried,
   * include/exclude, answers still pending) as a small override, and the evaluation.
   */
  async view(job: JobTarget, req: PickRequest = {}): Promise<MarketView> {
    const { pool } = this.o;
    const tried = req.tried ?? new Set<string>();
    const include = filterKeys(req.filter?.include);
    const exclude = filterKeys(req.filter?.exclude);
    const filtered = include !== undefined || exclude !== undefined;
    // Who is worth asking: not stale, suspended or excluded by URI (blocklist and address filters
    // need the answer's address, so those are asked).
    const filteredOut = (e: MarketEntry): boolean => {
      if (!filtered) return false;
      // An include list naming addresses must learn an unknown address from the answer first.
      const outOfInclude = include !== undefined && !matches(include, e.url, undefined, e.address) && (e.address !== undefined || !hasAddress(include));
      return outOfInclude || (exclude !== undefined && matches(exclude, e.url, undefined, e.address));
    };
    const first = this.snapshot(job);
    const ask: string[] = [];
    for (const i of first.uncached) {
      const e = first.rows[i]!.entry;
      if (!tried.has(e.url) && !filteredOut(e)) ask.push(e.url);
    }
    let surveyed: Map<string, SurveyState> | undefined;
    if (ask.length > 0) {
      // The usable answers already held count as answers for the fan-out's timing.
      let usable = 0;
      for (const r of first.rows) {
        if (r.askable && r.session && !tried.has(r.entry.url) && !filteredOut(r.entry)) {
          usable = 1;
          break;
        }
      }
      if (req.prefer !== undefined && ask.includes(req.prefer)) await pool.ask(req.prefer, job);
      surveyed = await pool.survey(job, ask, realSignal(req.signal), usable);
    }
    // The answers changed the cache (and maybe taught the registry addresses): the snapshot follows.
    const snap = surveyed ? this.snapshot(job) : first;
    const gates = new JobGates();
    for (const url of tried) {
      const i = snap.sel.indexOf(url);
      if (i >= 0) gates.omit(i);
    }
    if (surveyed) {
      for (const [url, st] of surveyed) {
        const i = snap.sel.indexOf(url);
        if (i < 0 || gates.omitted.has(i)) continue;
        const held = snap.rows[i]!.state;
        if (st.kind === 'pending') gates.set(i, 'no-answer', 'asked GetOrchestrator; no answer yet');
        else if (st.kind === 'refused' && !(held?.kind === 'refused' && held.refused === st.refused)) gates.set(i, refusalGate(st.refused), st.refused.message);
        else if (st.kind === 'session' && !(held?.kind === 'session' && held.session === st.session)) gates.set(i, 'no-answer', 'answered, but its session is no longer cached');
      }
    }
    const excluded = exclude && snap.matching(exclude);
    if (include) {
      const included = snap.matching(include);
      for (let i = 0; i < snap.rows.length; i++) {
        if (gates.omitted.has(i)) continue;
        if (!included.has(i)) gates.set(i, 'excluded', 'not in this request\'s "include" list');
        else if (excluded?.has(i)) gates.set(i, 'excluded', 'in this request\'s "exclude" list');
      }
    } else if (excluded) {
      for (const i of excluded) if (!gates.omitted.has(i)) gates.set(i, 'excluded', 'in this request\'s "exclude" list');
    }
    const evaluation = evaluatePrepared(snap.sel, gates.size > 0 ? gates : undefined, job.maxPrice ? { maxPrice: job.maxPrice } : {}, this.o.weights);
    const state = (url: string): SurveyState | undefined => {
      const i = snap.sel.indexOf(url);
      if (i < 0 || gates.omitted.has(i)) return undefined;
      return surveyed?.get(url) ?? snap.rows[i]!.state;
    };
    return {
      evaluation,
      state,
      session: (url) => {
        const st = state(url);
        return st?.kind === 'session' ? st.session : undefined;
      },
      entry: (url) => {
        const i = snap.sel.indexOf(url);
        return i < 0 || gates.omitted.has(i) ? undefined : snap.rows[i]!.entry;
      },
    };
  }

  /** The orchestrator for the job's next attempt: the sticky one if it still qualifies, else a weighted draw. */
  async pick(job: JobTarget, req: PickRequest = {}): Promise<Pick> {
    for (let round = 0; ; round++) {
      const view = await this.view(job, req);
      const chosen = this.choose(view, req);
      // The snapshot trusts a session until the clock or the chain passes its end; whether the
      // Sender still holds its pm session with nonces to spare is checked here, for the one chosen.
      // One that no longer is usable is dropped (asked again by the next view) and the choice made again.
      const held = chosen && this.o.pool.cached(chosen.session.url, job);
      if (!chosen || round >= 2 || (held?.kind === 'session' && held.session === chosen.session)) return { ...view, chosen };
      this.o.pool.invalidate(chosen.session, job); // a no-op when a newer answer replaced it: the next view has that one
    }
  }

  private choose(view: MarketView, req: PickRequest): Pick['chosen'] {
    if (req.prefer !== undefined) {
      const q = findQualified(view.evaluation, req.prefer);
      const s = q && view.session(q.candidate.key);
      if (q && s) return { session: s, qualified: q, sticky: false };
    }
    if (req.sessionKey !== undefined) {
      const key = this.sticky.get(req.sessionKey);
      // Stuck to one that still qualifies (a standby one too: the stream must not move for a tier).
      const q = key === undefined ? undefined : findQualified(view.evaluation, key);
      const s = q && view.session(q.candidate.key);
      if (q && s) return { session: s, qualified: q, sticky: true };
    }
    const q = draw(view.evaluation, this.rng);
    const s = q && view.session(q.candidate.key);
    return q && s ? { session: s, qualified: q, sticky: false } : undefined;
  }

  /** The job succeeded on `url`: the session key stays there. */
  stick(sessionKey: string | undefined, url: string): void {
    if (sessionKey !== undefined) this.sticky.set(sessionKey, url);
  }

  /** `url` failed with a fault of its own: every session key on it chooses again. */
  unstick(url: string): void {
    this.sticky.forgetCandidate(url);
  }
}