// -orchWebhookUrl (go-livepeer discovery/wh_discovery.go) and the remote signer's
// GET /discover-orchestrators (server/remote_discovery.go), which go-livepeer reads with the same
// webhook pool: GET with a 3 s timeout, a JSON array of {"address", "score"} (other keys such as
// "capabilities" ignored, invalid addresses skipped), refreshed at most once a minute; an identical
// body only bumps the time; a successful empty array clears the list. A failed fetch (transport,
// non-2xx, bad JSON) keeps the previous list and does NOT move the time, so the next call retries;
// with nothing cached the error propagates.
import { createHash } from 'node:crypto';
import { DiscoveryError } from './errors.js';
import { normalizeServiceUri } from './orch-addr.js';
import type { DiscoverySource, SourceEntry, SourceKind } from './types.js';

/** go-livepeer common.WebhookDiscoveryRefreshInterval. */
export const WEBHOOK_REFRESH_MS = 60_000;
/** go-livepeer's http.Client{Timeout: 3s} for the webhook. */
export const WEBHOOK_TIMEOUT_MS = 3_000;
/** A webhook body larger than this is refused (go-livepeer reads it whole; we bound it). */
export const WEBHOOK_MAX_BYTES = 4 * 1024 * 1024;
/** Entries taken from one answer; the rest are ignored (bounded state). */
export const WEBHOOK_MAX_ENTRIES = 10_000;

export interface WebhookSourceOptions {
  url: string;
  kind?: Extract<SourceKind, 'webhook' | 'signer'>;
  /** Sent with every request (go-livepeer forwards -remoteSignerHeaders to the signer only). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  refreshMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/** Parses go-livepeer's webhook JSON; `stake` (wei, decimal string or integer) is our extension. */
export function parseWebhookBody(text: string, maxEntries = WEBHOOK_MAX_ENTRIES): SourceEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DiscoveryError('DISCOVERY_BAD_RESPONSE', `not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new DiscoveryError('DISCOVERY_BAD_RESPONSE', 'expected a JSON array of {"address": "https://host:port"}');
  const out: SourceEntry[] = [];
  const seen = new Set<string>();
  for (const item of doc) {
    if (out.length >= maxEntries) break;
    if (item === null || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    // go-livepeer requires an absolute URL here (url.ParseRequestURI), no host:port shorthand.
    if (typeof o.address !== 'string' || !/^https?:\/\//i.test(o.address)) continue;
    const url = normalizeServiceUri(o.address);
    if (url === undefined || seen.has(url)) continue;
    seen.add(url);
    const e: SourceEntry = { url };
    if (typeof o.score === 'number' && Number.isFinite(o.score)) e.score = o.score;
    const stake = stakeOf(o.stake);
    if (stake !== undefined) e.stake = stake;
    out.push(e);
  }
  return out;
}

function stakeOf(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d{1,78}$/.test(v)) return BigInt(v);
  return undefined;
}

export class WebhookSource implements DiscoverySource {
  readonly kind: Extract<SourceKind, 'webhook' | 'signer'>;
  readonly description: string;
  private cache: SourceEntry[] | undefined;
  private hash = '';
  private lastRequest = Number.NEGATIVE_INFINITY;
  private running: Promise<SourceEntry[]> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: WebhookSourceOptions) {
    this.kind = o.kind ?? 'webhook';
    const u = new URL(o.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new DiscoveryError('DISCOVERY_CONFIG', `${o.url} is not an http(s) URL`);
    // Never show credentials from the URL in logs or the table.
    u.username = '';
    u.password = '';
    this.description = `${this.kind === 'signer' ? 'remote signer' : 'webhook'} ${u.origin}${u.pathname}`;
    this.now = o.now ?? Date.now;
  }

  /** Time of the last successful fetch (ms); -Infinity before the first. */
  get lastSuccess(): number {
    return this.lastRequest;
  }

  list(signal?: AbortSignal): Promise<SourceEntry[]> {
    if (this.cache && this.now() - this.lastRequest < (this.o.refreshMs ?? WEBHOOK_REFRESH_MS)) return Promise.resolve(this.cache);
    this.running ??= this.fetchList(signal).finally(() => (this.running = undefined));
    return this.running;
  }

  private async fetchList(signal: AbortSignal | undefined): Promise<SourceEntry[]> {
    const timeoutMs = this.o.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let text: string;
    try {
      const res = await fetch(this.o.url, { headers: this.o.headers ?? {}, signal: sig, redirect: 'error' });
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        throw new DiscoveryError('DISCOVERY_SOURCE_FAILED', `${this.description} answered HTTP ${res.status}`);
      }
      text = await readBounded(res, WEBHOOK_MAX_BYTES);
    } catch (err) {
      return this.failed(err instanceof DiscoveryError ? err : new DiscoveryError('DISCOVERY_SOURCE_FAILED', `${this.description}: ${timeout.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message}`, { cause: err }));
    }
    const hash = createHash('sha256').update(text).digest('hex');
    if (this.cache && hash === this.hash) {
      this.lastRequest = this.now();
      return this.cache;
    }
    let entries: SourceEntry[];
    try {
      entries = parseWebhookBody(text, this.o.maxEntries ?? WEBHOOK_MAX_ENTRIES);
    } catch (err) {
      return this.failed(new DiscoveryError('DISCOVERY_BAD_RESPONSE', `${this.description}: ${(err as Error).message}`, { cause: err }));
    }
    this.cache = entries;
    this.hash = hash;
    this.lastRequest = this.now();
    return entries;
  }

  /** Keep the last good list (the time unchanged, so the next call retries); nothing cached → the error. */
  private failed(err: DiscoveryError): SourceEntry[] {
    if (this.cache) return this.cache;
    throw err;
  }
}

async function readBounded(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new DiscoveryError('DISCOVERY_BAD_RESPONSE', `body of ${declared} bytes is above the ${max}-byte limit`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
    n += c.byteLength;
    if (n > max) throw new DiscoveryError('DISCOVERY_BAD_RESPONSE', `body above the ${max}-byte limit`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The remote signer's discovery (go-livepeer: a webhook pool on <signer>/discover-orchestrators with -remoteSignerHeaders). */
export function remoteSignerSource(signerUrl: string, opts: Omit<WebhookSourceOptions, 'url' | 'kind'> = {}): WebhookSource {
  const base = signerUrl.replace(/\/+$/, '');
  return new WebhookSource({ ...opts, url: `${base}/discover-orchestrators`, kind: 'signer' });
}
