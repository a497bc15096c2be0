// The gateway's market: for one job target, every known orchestrator (the discovery registry) turned
// into a selection Candidate — its facts from the session cache (price, latency, warm model) and the
// chain or webhook (stake), its gates from this gateway's view (blocklist, this request's
// include/exclude, stale listing, no answer, no capability, no capacity, suspension) — then
// src/market/selection's evaluate() and weighted draw, with session stickiness on top.
import type { Address } from 'viem';
import { priceRat } from '../../money/index.js';
import type { Candidate, Capabilities, Discovery, Evaluation, MarketEntry, Qualified, Rng, SelectionWeights } from '../../market/index.js';
import { StickySessions, draw, evaluate, findQualified } from '../../market/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import type { JobTarget, OrchestratorSession, SessionPool, SurveyState } from './sessions.js';
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
  signal?: AbortSignal;
}

export interface MarketView {
  evaluation: Evaluation;
  /** Sessions by candidate key, for the qualified ones (and any other answer we hold). */
  sessions: Map<string, OrchestratorSession>;
  entries: Map<string, MarketEntry>;
  states: Map<string, SurveyState>;
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
  now?: () => number;
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

function matches(keys: Set<string>, url: string, transcoder: string | undefined, address: Address | undefined): boolean {
  if (keys.has(url.toLowerCase())) return true;
  if (transcoder && keys.has(transcoder.toLowerCase())) return true;
  return address !== undefined && keys.has(address.toLowerCase().slice(2));
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

export class GatewayMarket {
  readonly sticky: StickySessions;
  private readonly rng: Rng;
  private readonly now: () => number;

  constructor(private readonly o: GatewayMarketOptions) {
    this.sticky = o.sticky ?? new StickySessions();
    this.rng = o.rng ?? Math.random;
    this.now = o.now ?? Date.now;
  }

  get weights(): SelectionWeights {
    return this.o.weights;
  }

  /** Every known orchestrator for `job`, evaluated; asks GetOrchestrator where nothing usable is cached. */
  async view(job: JobTarget, req: PickRequest = {}): Promise<MarketView> {
    const { discovery, pool } = this.o;
    const tried = req.tried ?? new Set<string>();
    const include = filterKeys(req.filter?.include);
    const exclude = filterKeys(req.filter?.exclude);
    const entries = new Map<string, MarketEntry>();
    for (const e of discovery.entries()) if (!tried.has(e.url)) entries.set(e.url, e);
    // Who is worth asking: not stale, suspended or excluded by URI (blocklist and address filters
    // need the answer's address, so those are asked).
    const ask: string[] = [];
    const states = new Map<string, SurveyState>();
    for (const e of entries.values()) {
      // An include list naming addresses must learn an unknown address from the answer first.
      const outOfInclude = include !== undefined && !matches(include, e.url, undefined, e.address) && (e.address !== undefined || !hasAddress(include));
      const filteredOut = outOfInclude || (exclude !== undefined && matches(exclude, e.url, undefined, e.address));
      if (discovery.isStale(e) || pool.isSuspended(e.url, job.capability) || filteredOut || discovery.isBlocklisted(e)) {
        const c = pool.cached(e.url, job);
        if (c) states.set(e.url, c);
      } else ask.push(e.url);
    }
    if (req.prefer !== undefined && ask.includes(req.prefer)) await pool.ask(req.prefer, job);
    for (const [u, s] of await pool.survey(job, ask, req.signal)) states.set(u, s);
    const candidates: Candidate[] = [];
    const sessions = new Map<string, OrchestratorSession>();
    for (const e of entries.values()) {
      const st = states.get(e.url);
      const session = st?.kind === 'session' ? st.session : undefined;
      if (session) sessions.set(e.url, session);
      const fresh = discovery.get(e.url) ?? e; // the answer may have taught the registry its address
      candidates.push(this.candidate(job, fresh, st, session, include, exclude));
    }
    return { evaluation: evaluate(candidates, job.maxPrice ? { maxPrice: job.maxPrice } : {}, this.o.weights), sessions, entries, states };
  }

  private candidate(
    job: JobTarget,
    e: MarketEntry,
    st: SurveyState | undefined,
    session: OrchestratorSession | undefined,
    include: Set<string> | undefined,
    exclude: Set<string> | undefined,
  ): Candidate {
    const { discovery, pool } = this.o;
    const address = e.address ?? session?.recipient;
    const gates: Candidate['gates'] = {};
    if (discovery.isBlocklisted({ address })) gates.blocklisted = `${address} is on -orchBlocklist`;
    if (include && !matches(include, e.url, session?.transcoder, address)) gates.excluded = 'not in this request\'s "include" list';
    else if (exclude && matches(exclude, e.url, session?.transcoder, address)) gates.excluded = 'in this request\'s "exclude" list';
    if (discovery.isStale(e)) gates.stale = `no source has listed it since ${new Date(e.lastListed).toISOString()} (TTL ${Math.round(discovery.ttlMs / 1000)} s)`;
    const susp = pool.suspension(e.url, job.capability);
    if (susp) gates.suspended = `until ${new Date(susp.until).toISOString()} after ${susp.cause} (${susp.faults} fault${susp.faults === 1 ? '' : 's'} in a row)`;
    if (!session) {
      if (st?.kind === 'refused') {
        const g = refusalGate(st.refused);
        gates[g] = st.refused.message;
      } else if (st?.kind === 'pending') gates['no-answer'] = 'asked GetOrchestrator; no answer yet';
      // Not asked because of another gate (stale, suspended, filtered): that gate is the reason.
      else if (Object.keys(gates).length === 0) gates['no-answer'] = 'not asked';
    } else {
      const m = sessionCapabilities(session).perCapability.get(job.capability)?.get(job.modelId);
      // Full by its own account: no free slot and some in use (0/0 is "not reported", not "full").
      if (m && m.capacity === 0 && m.capacityInUse > 0) gates.capacity = `advertises no free capacity for ${job.modelId} (${m.capacityInUse} in use)`;
    }
    const m = session && sessionCapabilities(session).perCapability.get(job.capability)?.get(job.modelId);
    return {
      key: e.url,
      ...(address ? { address } : {}),
      stake: e.stake ?? 0n,
      ...(session ? { price: priceRat(session.price), latencyMs: Math.round(session.latencyMs * 10) / 10 } : {}),
      warm: m?.warm ?? false,
      gates,
    };
  }

  /** The orchestrator for the job's next attempt: the sticky one if it still qualifies, else a weighted draw. */
  async pick(job: JobTarget, req: PickRequest = {}): Promise<Pick> {
    const view = await this.view(job, req);
    if (req.prefer !== undefined) {
      const q = findQualified(view.evaluation, req.prefer);
      const s = q && view.sessions.get(q.candidate.key);
      if (q && s) return { ...view, chosen: { session: s, qualified: q, sticky: false } };
    }
    if (req.sessionKey !== undefined) {
      const key = this.sticky.get(req.sessionKey);
      // Stuck to one that still qualifies (a standby one too: the stream must not move for a tier).
      const q = key === undefined ? undefined : findQualified(view.evaluation, key);
      const s = q && view.sessions.get(q.candidate.key);
      if (q && s) return { ...view, chosen: { session: s, qualified: q, sticky: true } };
    }
    const q = draw(view.evaluation, this.rng);
    const s = q && view.sessions.get(q.candidate.key);
    return { ...view, chosen: q && s ? { session: s, qualified: q, sticky: false } : undefined };
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
