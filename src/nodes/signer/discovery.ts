// GET /discover-orchestrators (go-livepeer -remoteDiscovery, server/remote_discovery.go): the
// orchestrators the market's discovery sources list (-orchWebhookUrl, -orchAddr, the on-chain pool;
// src/market's registry), asked GetOrchestrator (IgnoreCapacityCheck) with the signer's own
// OrchestratorRequest signature, and listed with the capabilities they price within the signer's
// max prices, in go-livepeer's webhook-compatible JSON.
//
// Differences from go-livepeer, on purpose (docs/differences.md): a round's answers are served as
// soon as the fan-out's first checkpoint has one (go-livepeer's poll runs every
// -liveAICapReportInterval, so a fresh signer answered 503 for up to 25 min, #3974); an orchestrator
// that fails a round keeps its last good entry until the sources stop listing it; the snapshot is
// rebuilt as later answers land. 503 "cache empty" only while nothing has answered yet. Runners
// (each orchestrator's GET /discovery) are not read: entries carry no `runners` (omitempty).
import type { Logger } from 'pino';
import type { OrchestratorInfo } from '../../wire/index.js';
import { capabilityToPipeline, fanOut, maxPriceFor, type Discovery, type PriceLimits } from '../../market/index.js';
import { Rat } from '../../money/index.js';

/** go-livepeer discoveryResponse (address, score, capabilities, runners; all omitempty). */
export interface DiscoveredOrchestratorWire {
  address: string;
  /** common.Score_Trusted. */
  score: 1;
  capabilities: string[];
}

export interface DiscoveryAnswer {
  /** No orchestrator known at all (503 "cache empty"); a filter matching none is not empty. */
  empty: boolean;
  orchestrators: DiscoveredOrchestratorWire[];
}

export interface RemoteDiscoveryOptions {
  /** The sources' registry; started, refreshed and closed here (construct it with refreshMs 0). */
  discovery: Discovery;
  /** GetOrchestrator for one listed URL (the node signs it with the signer's key, IgnoreCapacityCheck). */
  getOrchestrator(url: string, signal: AbortSignal): Promise<OrchestratorInfo>;
  /** Called when a URL leaves the registry (its client can be closed). */
  forget?(url: string): void;
  priceLimits: PriceLimits;
  /** A new round this often (-liveAICapReportInterval). */
  refreshMs: number;
  log?: Logger;
  firstCheckpointMs?: number;
  cutoffMs?: number;
}

interface Known {
  /** The transcoder URI (go-livepeer OrchURI), trailing '/' trimmed for merging. */
  key: string;
  address: string;
  capabilities: string[];
}

/** go-livepeer capabilityPrice: the model's capabilities_prices entry, else the global price; undefined when none. */
function capabilityPrice(info: OrchestratorInfo, capability: number, modelId: string): Rat | undefined {
  for (const p of info.capabilitiesPrices) {
    if (p.pixelsPerUnit <= 0n || p.capability !== capability) continue;
    if (p.constraint === modelId) return Rat.of(p.pricePerUnit, p.pixelsPerUnit);
  }
  const g = info.priceInfo;
  if (!g || g.pixelsPerUnit <= 0n) return undefined;
  return Rat.of(g.pricePerUnit, g.pixelsPerUnit);
}

/** `pipeline/model` keys an orchestrator prices within the limits (forEachRemoteDiscoveryCapability + the price filter). */
export function eligibleCapabilities(info: OrchestratorInfo, limits: PriceLimits): string[] {
  const out = new Set<string>();
  const per = info.capabilities?.constraints?.PerCapability ?? {};
  for (const [capText, constraints] of Object.entries(per)) {
    const capability = Number(capText);
    const pipeline = capabilityToPipeline(capability);
    if (!pipeline || !constraints) continue;
    for (const modelId of Object.keys(constraints.models)) {
      if (modelId === '') continue;
      const price = capabilityPrice(info, capability, modelId);
      if (price === undefined) continue;
      const max = maxPriceFor(limits, pipeline, modelId);
      if (max !== undefined && price.gt(max)) continue;
      out.add(`${pipeline}/${modelId}`);
    }
  }
  return [...out].sort();
}

/** The orchestrator's transcoder URI when it is an absolute http(s) URL (go-livepeer url.ParseRequestURI). */
function serviceUri(info: OrchestratorInfo): string | undefined {
  const t = info.transcoder;
  if (t === '') return undefined;
  try {
    const u = new URL(t);
    return u.protocol === 'https:' || u.protocol === 'http:' ? t : undefined;
  } catch {
    return undefined;
  }
}

export class RemoteDiscoveryPool {
  /** Last good answer per listed URL (bounded by the registry: entries it forgets go). */
  private readonly known = new Map<string, Known>();
  private snapshot: { list: DiscoveredOrchestratorWire[]; byCap: Map<string, DiscoveredOrchestratorWire[]> } | undefined;
  private round: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly rounds = new AbortController();
  private closed = false;

  constructor(private readonly o: RemoteDiscoveryOptions) {}

  /** The first round in the background (a request waits for its first answers), then one per refreshMs. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs);
    this.timer.unref();
  }

  /** Reads the sources and asks every listed orchestrator; resolves at the fan-out's first checkpoint with an answer. Concurrent calls share one round. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.round ??= this.runRound().finally(() => (this.round = undefined));
    return this.round;
  }

  private async runRound(): Promise<void> {
    try {
      await this.o.discovery.refresh();
    } catch (err) {
      this.o.log?.warn({ err }, 'discovery sources failed; keeping the last lists');
    }
    if (this.closed) return;
    const listed = this.o.discovery.entries().filter((e) => !this.o.discovery.isStale(e) && !this.o.discovery.isBlocklisted(e));
    const urls = new Set(listed.map((e) => e.url));
    for (const url of [...this.known.keys()]) {
      if (!urls.has(url)) {
        this.known.delete(url);
        this.o.forget?.(url);
        this.snapshot = undefined;
      }
    }
    await fanOut(
      [...urls],
      async (url, signal) => {
        const info = await this.o.getOrchestrator(url, AbortSignal.any([signal, this.rounds.signal]));
        this.learn(url, info);
        return info;
      },
      (url) => this.known.has(url),
      {
        signal: this.rounds.signal,
        ...(this.o.firstCheckpointMs === undefined ? {} : { firstCheckpointMs: this.o.firstCheckpointMs }),
        ...(this.o.cutoffMs === undefined ? {} : { cutoffMs: this.o.cutoffMs }),
      },
    ).then((r) => {
      for (const a of r.answers) if (a.error !== undefined) this.o.log?.debug({ url: a.target, err: a.error }, 'GetOrchestrator failed; keeping its last answer');
    });
  }

  /** One answer: replaces the URL's entry, or drops it when it no longer prices anything within the limits. A failure changes nothing. */
  private learn(url: string, info: OrchestratorInfo): void {
    if (this.closed || !this.o.discovery.get(url)) return;
    const address = serviceUri(info);
    const capabilities = address === undefined ? [] : eligibleCapabilities(info, this.o.priceLimits);
    if (address === undefined || capabilities.length === 0) this.known.delete(url);
    else this.known.set(url, { key: address.replace(/\/+$/, ''), address, capabilities });
    this.snapshot = undefined;
  }

  private build(): NonNullable<RemoteDiscoveryPool['snapshot']> {
    // Merged by service URI (trailing slash trimmed), first address wins, capabilities united.
    const merged = new Map<string, { address: string; caps: Set<string> }>();
    for (const k of this.known.values()) {
      const m = merged.get(k.key);
      if (m) for (const c of k.capabilities) m.caps.add(c);
      else merged.set(k.key, { address: k.address, caps: new Set(k.capabilities) });
    }
    const list: DiscoveredOrchestratorWire[] = [];
    const byCap = new Map<string, DiscoveredOrchestratorWire[]>();
    for (const m of merged.values()) {
      const entry: DiscoveredOrchestratorWire = { address: m.address, score: 1, capabilities: [...m.caps].sort() };
      list.push(entry);
      for (const c of entry.capabilities) {
        const l = byCap.get(c);
        if (l) l.push(entry);
        else byCap.set(c, [entry]);
      }
    }
    return { list, byCap };
  }

  /** Known orchestrators (waiting for the current round's first answers while none is known), filtered by `caps` (OR, exact). */
  async orchestrators(caps: readonly string[], signal?: AbortSignal): Promise<DiscoveryAnswer> {
    if (this.known.size === 0 && !this.closed) {
      const round = this.refresh();
      await (signal ? Promise.race([round, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]) : round);
    }
    this.snapshot ??= this.build();
    const s = this.snapshot;
    if (s.list.length === 0) return { empty: true, orchestrators: [] };
    if (caps.length === 0) return { empty: false, orchestrators: s.list.map(copy) };
    const seen = new Set<string>();
    const out: DiscoveredOrchestratorWire[] = [];
    for (const c of caps) {
      for (const e of s.byCap.get(c) ?? []) {
        if (seen.has(e.address)) continue;
        seen.add(e.address);
        out.push(copy(e));
      }
    }
    return { empty: false, orchestrators: out };
  }

  get size(): number {
    return this.known.size;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.rounds.abort(new Error('signer closing'));
    this.o.discovery.close();
    for (const url of this.known.keys()) this.o.forget?.(url);
    this.known.clear();
  }
}

function copy(e: DiscoveredOrchestratorWire): DiscoveredOrchestratorWire {
  return { address: e.address, score: 1, capabilities: [...e.capabilities] };
}
