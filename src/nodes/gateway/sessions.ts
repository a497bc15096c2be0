// The session cache. A session is one orchestrator's answer to GetOrchestrator for one (capability,
// model): where to send jobs, its price, ticket params and auth token. Sessions are cached per
// (orchestrator, capability, model) and refreshed when the auth token is in its last 10 % (go-livepeer
// refreshSessionIfNeeded), the ticket params expired, or a job on it failed. Which orchestrators
// exist is the discovery registry's (src/market/discovery); survey() asks the ones without a usable
// session with go-livepeer's fan-out timing; which one a job gets is the market's choice (market.ts).
import type { Address } from 'viem';
import type { Logger } from 'pino';
import type { PriceInfo } from '../../money/index.js';
import type { Rat } from '../../money/index.js';
import type { AiPipeline, CapabilityId, Capabilities as JobCapabilities } from '../../market/index.js';
import type { ChainView, Hex32, Sender, TicketParams } from '../../pm/index.js';
import { MAX_SENDER_NONCES, PARAMS_EXPIRY_BUFFER } from '../../pm/index.js';
import { SessionCache, type Entry } from './session-cache.js';
export { MAX_RETIRING_PM_SESSIONS, PM_SESSION_GRACE_MS } from './pm-session-refs.js';
import type { Capabilities, Hash32Signer, OrchestratorClient, OrchestratorInfo, WirePriceInfo } from '../../wire/index.js';
import {
  AUTH_TOKEN_VALIDITY_SECONDS,
  addressFromWire,
} from '../../wire/index.js';
import { fanOut, getOrchestratorInfo, type Discovery } from '../../market/index.js';

import { SessionRefusedError, discoveryRefusal } from './refused.js';
import type { StatsRecorder } from './stats.js';
import { FailureBackoff } from './backoff.js';
import { acceptSession } from './session-accept.js';

export { SessionRefusedError, discoveryRefusal } from './refused.js';

/** What one job needs from an orchestrator. */
export interface JobTarget {
  pipeline: AiPipeline;
  modelId: string;
  capability: CapabilityId;
  /** The job's capabilities (market form) and their wire message, sent in GetOrchestrator and SegData. */
  capabilities: JobCapabilities;
  capabilitiesWire: Capabilities;
  /** Max wei per unit; undefined = any price. */
  maxPrice: Rat | undefined;
}

export interface OrchestratorSession {
  /** The -orchAddr entry this came from (discovery address; suspension key). */
  url: string;
  /** OrchestratorInfo.transcoder: where job requests go. */
  transcoder: string;
  info: OrchestratorInfo;
  price: PriceInfo;
  /** The price message exactly as received (echoed in Payment.expected_price). */
  priceWire: WirePriceInfo;
  /** Ticket recipient (on-chain) or the orchestrator's address; balances are keyed by it. */
  recipient: Address | undefined;
  ticketParams: TicketParams | undefined;
  /** pm Sender session id (recipientRandHash), on-chain only. */
  pmSessionId: Hex32 | undefined;
  authSessionId: string;
  /** Unix seconds. */
  authExpiration: bigint;
  /** The GetOrchestrator round trip this session came from, ms. */
  latencyMs: number;
  /** When it answered (ms since the epoch): its "last seen". */
  answeredAt: number;
}

/** One orchestrator's state for one job target, as survey() leaves it. */
export type SurveyState =
  | { kind: 'session'; session: OrchestratorSession }
  | { kind: 'refused'; refused: SessionRefusedError; at: number }
  /** Asked, no answer yet when the fan-out's wait ended (it may still land in the cache). */
  | { kind: 'pending' };

/** What the pool needs of the discovery registry (src/market Discovery has it). */
export type OrchestratorDirectory = Pick<Discovery, 'entries' | 'learnAddress'>;

/** A fixed list as a directory (tools and tests; the gateway uses the discovery registry). */
export function staticDirectory(urls: readonly string[]): OrchestratorDirectory {
  return { entries: () => urls.map((url) => ({ url }) as ReturnType<Discovery['entries']>[number]), learnAddress: () => {} };
}

export interface SessionPoolOptions {
  /** Where the orchestrators come from: the discovery registry, or a fixed list of URLs. */
  discovery: OrchestratorDirectory | readonly string[];
  client(url: string): OrchestratorClient;
  signer: Hash32Signer;
  /** On-chain: validates ticket params and keeps the PM sessions. */
  sender: Sender | undefined;
  chain: ChainView | undefined;
  stats: StatsRecorder;
  log: Logger;
  /** Backoff cap per (orchestrator, capability); also how long a discovery refusal is cached. */
  suspendMs: number;
  /** First backoff step (default min(1 s, suspendMs)). */
  suspendBaseMs?: number;
  discoveryTimeoutMs: number;
  /** Fan-out timing (defaults: go-livepeer's 500 ms first checkpoint, 6 s cut-off). */
  firstCheckpointMs?: number;
  cutoffMs?: number;
  /** Most cached (orchestrator, capability, model) entries; the least recently used go first (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

/** The model id is the client's: without a cap, any client could grow the cache without end. */
export const DEFAULT_MAX_SESSION_ENTRIES = 10_000;

/** Map sizes, for stats and soak checks. */
export interface SessionPoolSizes {
  cached: number;
  refused: number;
  inflight: number;
  suspended: number;
  /** Distinct pm Sender sessions the cache refers to. */
  pmSessions: number;
  /** pm sessions no longer cached, ended once PM_SESSION_GRACE_MS has passed. */
  pmRetiring: number;
}


/** Refresh when less than 10 % of the auth token's validity is left. */
const AUTH_REFRESH_MARGIN_S = BigInt(Math.floor(AUTH_TOKEN_VALIDITY_SECONDS / 10));

export class SessionPool {
  /** Answers and refusals by `url|capability|model` (session-cache.ts). */
  private readonly cache: SessionCache;
  private readonly inflight = new Map<string, Promise<Entry>>();
  /**
   * Discoveries refused for this gateway's own funding, by cache key: never cached as a refusal (the
   * next job asks again, so a top-up reopens the orchestrator at once), kept only to tell the client
   * why (senderFundsRefusal). Same keys and cap as the cache; a later answer for the key drops it.
   */
  private readonly fundsRefused = new Map<string, SessionRefusedError>();
  private readonly backoff: FailureBackoff;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly directory: OrchestratorDirectory;

  constructor(private readonly o: SessionPoolOptions) {
    this.now = o.now ?? Date.now;
    this.directory = isUrlList(o.discovery) ? staticDirectory(o.discovery) : o.discovery;
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_SESSION_ENTRIES;
    if (!(this.maxEntries >= 1)) throw new RangeError(`maxEntries must be ≥ 1, got ${this.maxEntries}`);
    this.backoff = new FailureBackoff({ baseMs: Math.min(o.suspendBaseMs ?? 1000, o.suspendMs), maxMs: o.suspendMs, now: this.now });
    this.cache = new SessionCache(this.maxEntries, this.now, (id) => o.sender?.endSession(id));
  }

  sizes(): SessionPoolSizes {
    const refused = this.fundsRefused.size + this.cache.refusedCount();
    return { cached: this.cache.size, refused, inflight: this.inflight.size, suspended: this.backoff.size, pmSessions: this.cache.pmSessions, pmRetiring: this.cache.pmRetiring };
  }

  /**
   * Counts the changes to what cached(), suspension() and isSuspended() answer, other than the clock
   * and the chain's block passing an entry's end (see cachedUntil) or the Sender ending a pm session:
   * an entry stored or dropped, a fault, a streak ended. The gateway's selection snapshot is rebuilt
   * when it moves.
   */
  get version(): number {
    return this.cache.version;
  }

  /** The orchestrator URLs of the changes since `version` (repeats possible), or undefined when they are no longer all remembered. */
  changedSince(version: number): string[] | undefined {
    return this.cache.changedSince(version);
  }

  /** This pool's clock (ms since the epoch). */
  clock(): number {
    return this.now();
  }

  /** The L1 block the ticket params' expiry is judged by (on-chain), else undefined. */
  chainBlock(): bigint | undefined {
    return this.o.chain?.lastSeenL1Block();
  }

  private key(url: string, job: JobTarget): string {
    return `${url}|${job.capability}|${job.modelId}`;
  }

  isSuspended(url: string, capability: CapabilityId): boolean {
    return this.backoff.isSuspended(url, capability);
  }

  /** The suspension of (url, capability), if one is running: until when, how many faults, which code. */
  suspension(url: string, capability: CapabilityId) {
    return this.backoff.suspension(url, capability);
  }

  private urls(): string[] {
    return this.directory.entries().map((e) => e.url);
  }

  /**
   * When every orchestrator left out of `job` was refused for this gateway's own funding (and at
   * least one was): the first such refusal, so the client gets 402 naming the shortfall, not 503.
   */
  senderFundsRefusal(job: JobTarget): SessionRefusedError | undefined {
    let first: SessionRefusedError | undefined;
    for (const url of this.urls()) {
      if (this.isSuspended(url, job.capability)) return undefined;
      const k = this.key(url, job);
      const funds = this.fundsRefused.get(k);
      if (funds) {
        first ??= funds;
        continue;
      }
      const e = this.cache.get(k);
      if (e && 'refused' in e) return undefined;
    }
    return first;
  }

  /** One fault of `url`'s own for `capability`: left out for that capability only (backoff.ts), its sessions for it dropped. */
  suspend(url: string, capability: CapabilityId, cause?: string): void {
    this.cache.changed(url);
    this.backoff.fault(url, capability, cause);
    this.cache.removePrefix(`${url}|${capability}|`);
  }

  /** A job succeeded: the backoff of (url, capability) starts over. */
  succeeded(url: string, capability: CapabilityId): void {
    if (this.backoff.success(url, capability)) this.cache.changed(url);
  }

  /** Drops a cached session so the next job re-discovers it (fresh params and auth token). */
  invalidate(s: OrchestratorSession, job: JobTarget): void {
    const k = this.key(s.url, job);
    const e = this.cache.get(k);
    if (e && 'session' in e && e.session === s) this.cache.remove(k);
  }

  private fresh(s: OrchestratorSession): boolean {
    const nowS = BigInt(Math.floor(this.now() / 1000));
    if (s.authExpiration - nowS <= AUTH_REFRESH_MARGIN_S) return false;
    if (s.ticketParams && this.o.chain) {
      if (s.ticketParams.expirationBlock - this.o.chain.lastSeenL1Block() <= PARAMS_EXPIRY_BUFFER) return false;
    }
    if (s.pmSessionId && this.o.sender) {
      // The Sender drops sessions whose params expired (its chain view may be a block ahead of ours).
      if (!this.o.sender.hasSession(s.pmSessionId)) return false;
      // The orchestrator remembers at most MAX_SENDER_NONCES nonces per params: get fresh ones well before.
      if (this.o.sender.nonce(s.pmSessionId) >= BigInt(MAX_SENDER_NONCES - 100)) return false;
    }
    return true;
  }

  /**
   * cached(), and how long its answer holds without a change to the pool (version): until `untilMs`
   * on this pool's clock and, on-chain, while the chain's block is below `untilBlock`. Not covered:
   * the Sender ending a session's pm session or its nonces running out (checked again by cached()
   * when the session is chosen).
   */
  cachedUntil(url: string, job: JobTarget): { state: SurveyState | undefined; untilMs: number; untilBlock: bigint | undefined } {
    const state = this.cached(url, job);
    if (state?.kind === 'session') {
      const s = state.session;
      const untilMs = Number(s.authExpiration - AUTH_REFRESH_MARGIN_S) * 1000;
      const untilBlock = s.ticketParams && this.o.chain ? s.ticketParams.expirationBlock - PARAMS_EXPIRY_BUFFER : undefined;
      return { state, untilMs, untilBlock };
    }
    if (state?.kind === 'refused') {
      const e = this.cache.get(this.key(url, job));
      return { state, untilMs: e && 'refused' in e ? e.until : 0, untilBlock: undefined };
    }
    // Nothing usable stays so until something is stored (a version change).
    return { state, untilMs: Infinity, untilBlock: undefined };
  }

  /** What the cache holds for (url, job) now, without asking anyone; undefined = nothing usable. */
  cached(url: string, job: JobTarget): SurveyState | undefined {
    const e = this.cache.get(this.key(url, job));
    if (!e) return undefined;
    if ('session' in e) return this.fresh(e.session) ? { kind: 'session', session: e.session } : undefined;
    return e.until > this.now() ? { kind: 'refused', refused: e.refused, at: e.at } : undefined;
  }

  /**
   * The state of every orchestrator in `urls` for `job`: cached sessions and refusals as they are;
   * the others are asked GetOrchestrator with go-livepeer's fan-out timing, the cached sessions
   * counting as answers: with one cached, the wait ends at the first checkpoint (0.5 s) at the
   * latest, else at the first checkpoint with an answer (0.5, 1, 2, 4 s) or at 6 s — and always as
   * soon as everybody asked has answered. Questions still open run on and land in the cache.
   * `usableElsewhere`: usable cached sessions the caller holds outside `urls` (they count as answers).
   */
  async survey(job: JobTarget, urls: readonly string[], signal?: AbortSignal, usableElsewhere = 0): Promise<Map<string, SurveyState>> {
    this.cache.endRetired();
    const out = new Map<string, SurveyState>();
    const ask: string[] = [];
    let usable = usableElsewhere;
    for (const u of urls) {
      const c = this.cached(u, job);
      if (c) {
        out.set(u, c);
        if (c.kind === 'session') usable++;
      } else ask.push(u);
    }
    if (ask.length === 0) return out;
    const r = await fanOut(ask, (u) => this.entry(u, job), (_u, e) => 'session' in e, {
      acceptedBefore: usable,
      ...(this.o.firstCheckpointMs === undefined ? {} : { firstCheckpointMs: this.o.firstCheckpointMs }),
      ...(this.o.cutoffMs === undefined ? {} : { cutoffMs: this.o.cutoffMs }),
      ...(signal ? { signal } : {}),
    });
    for (const a of r.answers) {
      const e = a.value;
      if (e === undefined) out.set(a.target, { kind: 'pending' });
      else out.set(a.target, 'session' in e ? { kind: 'session', session: e.session } : { kind: 'refused', refused: e.refused, at: e.at });
    }
    for (const u of r.pending) out.set(u, { kind: 'pending' });
    return out;
  }

  /** Asks `url` now (or joins the question already open) and waits for its answer. */
  async ask(url: string, job: JobTarget): Promise<SurveyState> {
    const c = this.cached(url, job);
    if (c) return c;
    const e = await this.entry(url, job);
    return 'session' in e ? { kind: 'session', session: e.session } : { kind: 'refused', refused: e.refused, at: e.at };
  }

  /** The first usable session in directory order, skipping `exclude` and suspended ones (tools and tests; jobs go through the market). */
  async select(job: JobTarget, exclude: ReadonlySet<string> = new Set()): Promise<OrchestratorSession | undefined> {
    this.cache.endRetired();
    const urls = this.urls().filter((u) => !exclude.has(u) && !this.isSuspended(u, job.capability));
    const entries = await Promise.all(urls.map((u) => this.entry(u, job)));
    for (const e of entries) if ('session' in e) return e.session;
    return undefined;
  }

  private entry(url: string, job: JobTarget): Promise<Entry> {
    const k = this.key(url, job);
    const cached = this.cache.get(k);
    if (cached) {
      const usable = 'session' in cached ? this.fresh(cached.session) : cached.until > this.now();
      if (usable) {
        this.cache.touch(k, cached);
        return Promise.resolve(cached);
      }
    }
    const running = this.inflight.get(k);
    if (running) return running;
    const p = this.discover(url, job)
      .then((session): Entry => ({ session }))
      .catch((err: unknown): Entry => {
        const refused = err instanceof SessionRefusedError ? err : new SessionRefusedError('GW_DISCOVERY_FAILED', String(err), { cause: err });
        this.o.stats.refusal(refused.code, url);
        this.o.log.warn({ orchestrator: url, code: refused.code, remoteCode: refused.remoteCode }, `orchestrator not used: ${refused.message}`);
        const backoffMs = refused.code === 'GW_DISCOVERY_FAILED' ? this.backoff.fault(url, job.capability, refused.remoteCode ?? refused.code) : this.o.suspendMs;
        return { refused, until: this.now() + backoffMs, at: this.now() };
      })
      .then((e) => {
        this.fundsRefused.delete(k);
        if ('refused' in e && e.refused.senderFunds) {
          // Our own funding shortfall: asked again at the next job (see fundsRefused).
          this.cache.remove(k);
          this.fundsRefused.set(k, e.refused);
          if (this.fundsRefused.size > this.maxEntries) this.fundsRefused.delete(this.fundsRefused.keys().next().value!);
        } else {
          this.cache.store(k, e);
        }
        this.inflight.delete(k);
        return e;
      });
    this.inflight.set(k, p);
    return p;
  }

  /**
   * GetOrchestrator + the acceptance checks (the price is the market's to judge, so it is not
   * checked here). Throws SessionRefusedError.
   */
  private async discover(url: string, job: JobTarget): Promise<OrchestratorSession> {
    let answer;
    try {
      answer = await getOrchestratorInfo(this.o.client(url), this.o.signer, { capabilities: job.capabilitiesWire, timeoutMs: this.o.discoveryTimeoutMs });
      this.o.stats.discovery(url, true);
    } catch (err) {
      this.o.stats.discovery(url, false);
      throw discoveryRefusal(url, err);
    }
    const { info } = answer;
    // go-livepeer applies -orchBlocklist to OrchestratorInfo.address: remember who answered.
    if (info.address.length === 20) this.directory.learnAddress(url, addressFromWire(info.address, 'address'));
    const session = await this.accept(url, info, { ...job, maxPrice: undefined });
    session.latencyMs = answer.latencyMs;
    session.answeredAt = answer.at;
    return session;
  }

  /** go-livepeer's acceptance rules for an AI session, the max-price filter (when `job.maxPrice` is set) and ticket-param validation (session-accept.ts). */
  accept(url: string, info: OrchestratorInfo, job: JobTarget): Promise<OrchestratorSession> {
    return acceptSession(url, info, job, this.o.sender, this.now());
  }

}


function isUrlList(d: OrchestratorDirectory | readonly string[]): d is readonly string[] {
  return Array.isArray(d);
}
