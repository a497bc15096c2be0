// Discovery from -orchAddr and the session cache. A session is one orchestrator's answer to
// GetOrchestrator for one (capability, model): where to send jobs, its price, ticket params and
// auth token. Sessions are cached per (orchestrator, capability, model) and refreshed when the auth
// token is in its last 10 % (go-livepeer refreshSessionIfNeeded), the ticket params expired, or a
// job on it failed. Which acceptable session a job gets is the Selector's choice (a seam: full
// selection comes in a later issue); orchestrators over the max price are never candidates.
import type { Address } from 'viem';
import type { Logger } from 'pino';
import type { PriceInfo } from '../../money/index.js';
import type { Rat } from '../../money/index.js';
import { priceRat } from '../../money/index.js';
import type { AiPipeline, CapabilityId, Capabilities as JobCapabilities } from '../../market/index.js';
import { incompatibility } from '../../market/index.js';
import type { ChainView, Hex32, Sender, TicketParams } from '../../pm/index.js';
import { MAX_SENDER_NONCES, PARAMS_EXPIRY_BUFFER, PmError } from '../../pm/index.js';
import type { Capabilities, Hash32Signer, OrchestratorClient, OrchestratorInfo, WirePriceInfo } from '../../wire/index.js';
import {
  AUTH_TOKEN_VALIDITY_SECONDS,
  addressFromWire,
  createOrchestratorRequest,
  priceInfoFromWire,
  priceInfoToWire,
  refusalFromConnectError,
  ticketParamsFromWire,
} from '../../wire/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import { LivepeerError } from '../../errors/index.js';
import type { GatewayErrorCode } from './errors.js';
import { goLivepeerRpcRefusal } from './golivepeer-errors.js';
import type { StatsRecorder } from './stats.js';
import { FailureBackoff } from './backoff.js';

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
}

/** Picks one of the acceptable sessions (compatible, within max price, not suspended, not yet tried for this job). */
export interface Selector {
  select(candidates: readonly OrchestratorSession[], job: JobTarget): OrchestratorSession | undefined;
}

/** The first acceptable orchestrator in -orchAddr order. */
export const firstAcceptableSelector: Selector = { select: (c) => c[0] };

export class SessionRefusedError extends LivepeerError<GatewayErrorCode> {
  override name = 'SessionRefusedError';
  /** The orchestrator's own refusal code (gRPC ErrorDetail, or recognised from go-livepeer's text). */
  readonly remoteCode: string | undefined;
  constructor(code: GatewayErrorCode, message: string, opts: { remoteCode?: string; cause?: unknown } = {}) {
    super(code, message, opts.cause === undefined ? {} : { cause: opts.cause });
    this.remoteCode = opts.remoteCode;
  }
}

/**
 * Why GetOrchestrator failed, from the code in the gRPC status details (a livepeer-ts orchestrator)
 * or go-livepeer's text (golivepeer-errors.ts). A capped orchestrator is busy, not broken: it is
 * left out for this (capability, model) for a while but not suspended.
 */
export function discoveryRefusal(url: string, err: unknown): SessionRefusedError {
  const remote = refusalFromConnectError(err);
  const remoteCode = remote.code ?? goLivepeerRpcRefusal(err instanceof Error ? err.message : String(err))?.code;
  const message = `GetOrchestrator on ${url} failed: ${err instanceof Error ? err.message : String(err)}`;
  const code = remoteCode === 'ORCHESTRATOR_CAPPED' ? 'GW_ORCHESTRATOR_BUSY' : 'GW_DISCOVERY_FAILED';
  return new SessionRefusedError(code, message, { cause: err, ...(remoteCode === undefined ? {} : { remoteCode }) });
}

export interface SessionPoolOptions {
  orchestrators: readonly string[];
  client(url: string): OrchestratorClient;
  signer: Hash32Signer;
  /** On-chain: validates ticket params and keeps the PM sessions. */
  sender: Sender | undefined;
  chain: ChainView | undefined;
  selector: Selector;
  stats: StatsRecorder;
  log: Logger;
  /** Backoff cap per (orchestrator, capability); also how long a discovery refusal is cached. */
  suspendMs: number;
  /** First backoff step (default min(1 s, suspendMs)). */
  suspendBaseMs?: number;
  discoveryTimeoutMs: number;
  /** Most cached (orchestrator, capability, model) entries; the least recently used go first (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

/** The model id is the client's: without a cap, any client could grow the cache without end. */
export const DEFAULT_MAX_SESSION_ENTRIES = 10_000;
/**
 * A job that selected a session just before it was replaced may still be about to sign its
 * tickets: the pm session is ended this long after no cached session uses it.
 */
export const PM_SESSION_GRACE_MS = 5_000;
/** Expired refusals are swept at most this often (each lookup of one also replaces it). */
const REFUSAL_SWEEP_MS = 1_000;

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

type Entry = { session: OrchestratorSession } | { refused: SessionRefusedError; until: number };

/** Refresh when less than 10 % of the auth token's validity is left. */
const AUTH_REFRESH_MARGIN_S = BigInt(Math.floor(AUTH_TOKEN_VALIDITY_SECONDS / 10));

export class SessionPool {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly backoff: FailureBackoff;
  /** pm session id (lower-case) → how many cached sessions use it; at 0 the Sender's session is ended. */
  private readonly pmRefs = new Map<string, number>();
  /** pm session id → when its last cached session went (insertion order = age). */
  private readonly pmRetiring = new Map<string, number>();
  private readonly maxEntries: number;
  private lastRefusalSweep = 0;
  private readonly now: () => number;

  constructor(private readonly o: SessionPoolOptions) {
    this.now = o.now ?? Date.now;
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_SESSION_ENTRIES;
    if (!(this.maxEntries >= 1)) throw new RangeError(`maxEntries must be ≥ 1, got ${this.maxEntries}`);
    this.backoff = new FailureBackoff({ baseMs: Math.min(o.suspendBaseMs ?? 1000, o.suspendMs), maxMs: o.suspendMs, now: this.now });
  }

  sizes(): SessionPoolSizes {
    let refused = 0;
    for (const e of this.cache.values()) if ('refused' in e) refused++;
    return { cached: this.cache.size, refused, inflight: this.inflight.size, suspended: this.backoff.size, pmSessions: this.pmRefs.size, pmRetiring: this.pmRetiring.size };
  }

  /** Caches `e` as the most recently used, ending the pm session of what it replaces and evicting beyond the cap. */
  private store(k: string, e: Entry): void {
    const old = this.cache.get(k);
    this.cache.delete(k);
    this.cache.set(k, e);
    this.retain(e); // before releasing `old`: a refresh often gets the same params back
    if (old) this.release(old);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.remove(oldest);
    }
    const now = this.now();
    this.endRetired(now);
    if (now - this.lastRefusalSweep >= REFUSAL_SWEEP_MS) {
      this.lastRefusalSweep = now;
      for (const [key, v] of this.cache) if ('refused' in v && v.until <= now) this.cache.delete(key);
    }
  }

  private remove(k: string): void {
    const e = this.cache.get(k);
    if (!e) return;
    this.cache.delete(k);
    this.release(e);
  }

  /** Ends the pm sessions retired more than PM_SESSION_GRACE_MS ago (runs on every cache store). */
  private endRetired(now: number): void {
    for (const [id, at] of this.pmRetiring) {
      if (now - at < PM_SESSION_GRACE_MS) break;
      this.pmRetiring.delete(id);
      // No cached session pays with these params any more: the Sender need not keep their nonces.
      this.o.sender?.endSession(id);
    }
  }

  private retain(e: Entry): void {
    if (!('session' in e) || !e.session.pmSessionId) return;
    const id = e.session.pmSessionId.toLowerCase();
    this.pmRetiring.delete(id);
    this.pmRefs.set(id, (this.pmRefs.get(id) ?? 0) + 1);
  }

  private release(e: Entry): void {
    if (!('session' in e) || !e.session.pmSessionId) return;
    const id = e.session.pmSessionId.toLowerCase();
    const n = (this.pmRefs.get(id) ?? 0) - 1;
    if (n > 0) {
      this.pmRefs.set(id, n);
      return;
    }
    this.pmRefs.delete(id);
    this.pmRetiring.set(id, this.now());
  }

  private key(url: string, job: JobTarget): string {
    return `${url}|${job.capability}|${job.modelId}`;
  }

  isSuspended(url: string, capability: CapabilityId): boolean {
    return this.backoff.isSuspended(url, capability);
  }

  /** Why each orchestrator is unusable for `job` right now (suspended, or refused at discovery): the client's 503 names the real cause. */
  unusable(job: JobTarget): string[] {
    const out: string[] = [];
    for (const url of this.o.orchestrators) {
      if (this.isSuspended(url, job.capability)) {
        out.push(`${url} is suspended for ${job.pipeline} after a failure (${Math.ceil(this.backoff.remainingMs(url, job.capability) / 1000)} s left)`);
        continue;
      }
      const e = this.cache.get(this.key(url, job));
      if (e && 'refused' in e) out.push(e.refused.message);
    }
    return out;
  }

  /** One fault of `url`'s own for `capability`: left out for that capability only (backoff.ts), its sessions for it dropped. */
  suspend(url: string, capability: CapabilityId): void {
    this.backoff.fault(url, capability);
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${url}|${capability}|`)) this.remove(k);
  }

  /** A job succeeded: the backoff of (url, capability) starts over. */
  succeeded(url: string, capability: CapabilityId): void {
    this.backoff.success(url, capability);
  }

  /** Drops a cached session so the next job re-discovers it (fresh params and auth token). */
  invalidate(s: OrchestratorSession, job: JobTarget): void {
    const k = this.key(s.url, job);
    const e = this.cache.get(k);
    if (e && 'session' in e && e.session === s) this.remove(k);
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

  /** Sessions for every usable orchestrator (discovering where needed), in -orchAddr order; then the selector picks. */
  async select(job: JobTarget, exclude: ReadonlySet<string>): Promise<OrchestratorSession | undefined> {
    this.endRetired(this.now());
    const urls = this.o.orchestrators.filter((u) => !exclude.has(u) && !this.isSuspended(u, job.capability));
    const entries = await Promise.all(urls.map((u) => this.entry(u, job)));
    const candidates: OrchestratorSession[] = [];
    for (const e of entries) if ('session' in e) candidates.push(e.session);
    return this.o.selector.select(candidates, job);
  }

  private entry(url: string, job: JobTarget): Promise<Entry> {
    const k = this.key(url, job);
    const cached = this.cache.get(k);
    if (cached) {
      const usable = 'session' in cached ? this.fresh(cached.session) : cached.until > this.now();
      if (usable) {
        // Most recently used last: the cap evicts from the front.
        this.cache.delete(k);
        this.cache.set(k, cached);
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
        const backoffMs = refused.code === 'GW_DISCOVERY_FAILED' ? this.backoff.fault(url, job.capability) : this.o.suspendMs;
        return { refused, until: this.now() + backoffMs };
      })
      .then((e) => {
        this.store(k, e);
        this.inflight.delete(k);
        return e;
      });
    this.inflight.set(k, p);
    return p;
  }

  /** GetOrchestrator + the acceptance checks. Throws SessionRefusedError. */
  private async discover(url: string, job: JobTarget): Promise<OrchestratorSession> {
    const req = await createOrchestratorRequest(this.o.signer, { capabilities: job.capabilitiesWire });
    let info: OrchestratorInfo;
    try {
      info = await this.o.client(url).getOrchestrator(req, { timeoutMs: this.o.discoveryTimeoutMs });
      this.o.stats.discovery(url, true);
    } catch (err) {
      this.o.stats.discovery(url, false);
      throw discoveryRefusal(url, err);
    }
    return this.accept(url, info, job);
  }

  /** go-livepeer's acceptance rules for an AI session, plus the max-price filter and ticket-param validation. */
  async accept(url: string, info: OrchestratorInfo, job: JobTarget): Promise<OrchestratorSession> {
    if (info.transcoder === '') throw new SessionRefusedError('GW_NO_TRANSCODER', `${url} answered without a transcoder URL`);
    const orchCaps = capabilitiesFromWire(info.capabilities);
    const why = incompatibility(job.capabilities, orchCaps);
    if (why) throw new SessionRefusedError('GW_INCOMPATIBLE', `${url} cannot run ${job.pipeline}/${job.modelId}: ${JSON.stringify(why)}`);
    if (!orchCaps.perCapability.get(job.capability)?.has(job.modelId)) {
      throw new SessionRefusedError('GW_MODEL_MISSING', `${url} does not list model ${job.modelId} for ${job.pipeline}`);
    }
    if (!info.authToken) throw new SessionRefusedError('GW_NO_AUTH_TOKEN', `${url} sent no auth token`);
    // An offchain go-livepeer orchestrator sends no price_info (it has no Recipient): free when we pay nothing either.
    const priceWire = info.priceInfo ?? (this.o.sender ? undefined : priceInfoToWire({ pricePerUnit: 0n, pixelsPerUnit: 1n }));
    if (!priceWire) throw new SessionRefusedError('GW_NO_PRICE', `${url} sent no price`);
    let price: PriceInfo;
    try {
      price = priceInfoFromWire(priceWire);
    } catch (err) {
      throw new SessionRefusedError('GW_BAD_PRICE', `${url} sent an unusable price: ${(err as Error).message}`);
    }
    const perUnit = priceRat(price);
    // A price of 0 always passes (go-livepeer filterByMaxPrice); equality passes too.
    if (job.maxPrice && perUnit.gt(0n) && perUnit.gt(job.maxPrice)) {
      throw new SessionRefusedError(
        'GW_PRICE_TOO_HIGH',
        `${url} asks ${perUnit.toString()} wei/unit for ${job.pipeline}/${job.modelId}, above the max price ${job.maxPrice.toString()}: no job is sent to it`,
      );
    }
    let ticketParams: TicketParams | undefined;
    let pmSessionId: Hex32 | undefined;
    let recipient: Address | undefined = info.address.length === 20 ? addressFromWire(info.address, 'address') : undefined;
    if (this.o.sender) {
      if (!info.ticketParams) throw new SessionRefusedError('GW_NO_TICKET_PARAMS', `${url} sent no ticket params (is it running on-chain?)`);
      try {
        ticketParams = ticketParamsFromWire(info.ticketParams, price);
        await this.o.sender.validateTicketParams(ticketParams, 1);
      } catch (err) {
        const code: GatewayErrorCode = err instanceof PmError ? `PM_${err.code}` : 'GW_BAD_TICKET_PARAMS';
        throw new SessionRefusedError(code, `${url} sent ticket params this gateway will not pay with: ${(err as Error).message}`, { cause: err });
      }
      recipient = ticketParams.recipient;
      // Never restart a session we already have: that would reuse nonces (a replay to the orchestrator).
      pmSessionId = this.o.sender.hasSession(ticketParams.recipientRandHash)
        ? ticketParams.recipientRandHash
        : this.o.sender.startSession(ticketParams);
    }
    return {
      url,
      transcoder: info.transcoder.replace(/\/+$/, ''),
      info,
      price,
      priceWire,
      recipient,
      ticketParams,
      pmSessionId,
      authSessionId: info.authToken.sessionId,
      authExpiration: info.authToken.expiration,
    };
  }
}

