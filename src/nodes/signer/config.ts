// The signer node's configuration (go-livepeer -remoteSigner's HTTP-side flags): where it listens,
// who may call it (-authToken, the auth webhook), TLS, and /discover-orchestrators. The signer
// service's own settings (key, chain, prices, EV caps, spend caps) are the service's
// (createRemoteSigner in src/signer); this file only checks what the HTTP node needs.
import { readFileSync } from 'node:fs';
import { bindAddress, isLoopback } from '../common/index.js';
import { SignerNodeConfigError } from './errors.js';

/** go-livepeer's signer -httpAddr default: 127.0.0.1 and OrchestratorRpcPort. */
export const DEFAULT_SIGNER_HTTP_ADDR = '127.0.0.1:8935';
const DEFAULT_PORT = '8935';
/** go-livepeer's -liveAICapReportInterval default (the refresh of /discover-orchestrators' snapshot). */
export const DEFAULT_CAP_REPORT_INTERVAL_MS = 25 * 60_000;
/** go-livepeer's fallback when -liveAICapReportInterval ≤ 0 (common.WebhookDiscoveryRefreshInterval). */
export const FALLBACK_CAP_REPORT_INTERVAL_MS = 60_000;
/** go-livepeer HTTPIdleTimeout: a keep-alive connection idle this long is closed. */
export const SIGNER_IDLE_TIMEOUT_MS = 10 * 60_000;

export interface SignerNodeConfigInput {
  /** host:port (go-livepeer's defaultAddr rules: ":8935" → 127.0.0.1:8935, "host" → host:8935); port 0 = any free port. */
  httpAddr?: string;
  /** Bearer token every caller must send (ours; go-livepeer's signer has none). */
  authToken?: string;
  /** -remoteSignerWebhookUrl: the auth webhook called on /generate-live-payment. */
  remoteSignerWebhookUrl?: string;
  /** -remoteSignerWebhookHeaders: "k:v,k2:v2" (go-livepeer parseHeaderMap) or a map. */
  remoteSignerWebhookHeaders?: string | Record<string, string>;
  /** -remoteSignerAllowNoAuth: listen off loopback with neither a token nor a webhook (unsafe). */
  remoteSignerAllowNoAuth?: boolean;
  /** -remoteDiscovery: serve GET /discover-orchestrators. */
  remoteDiscovery?: boolean;
  /** -liveAICapReportInterval in ms: how long a non-empty discovery snapshot is served (≤ 0 → 1 min). */
  liveAICapReportIntervalMs?: number;
  /** TLS: PEM text or a path to a PEM file; both or neither. Without them the node speaks plain HTTP, as go-livepeer. */
  tlsCert?: string;
  tlsKey?: string;
  /** Request headers must be complete within this (ms). */
  headersTimeoutMs?: number;
  /** A request body must be complete within this after its headers (ms). */
  bodyTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (ms); go-livepeer: 10 min. */
  idleTimeoutMs?: number;
}

export interface ResolvedSignerNodeConfig {
  host: string;
  port: number;
  /** The listen address as given after go-livepeer's defaults (for messages). */
  httpAddr: string;
  authToken: string | undefined;
  webhookUrl: string | undefined;
  webhookHeaders: Record<string, string>;
  allowNoAuth: boolean;
  remoteDiscovery: boolean;
  capReportIntervalMs: number;
  tls: { cert: string; key: string } | undefined;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  idleTimeoutMs: number;
  /** Warnings to log at start (e.g. no webhook auth). */
  warnings: string[];
}

/** go-livepeer defaultAddr(addr, "127.0.0.1", "8935"). */
export function defaultSignerAddr(addr: string | undefined): string {
  if (addr === undefined || addr === '') return DEFAULT_SIGNER_HTTP_ADDR;
  if (addr.startsWith(':')) return `127.0.0.1${addr}`;
  if (!addr.includes(':')) return `${addr}:${DEFAULT_PORT}`;
  return addr;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new SignerNodeConfigError(`-httpAddr ${JSON.stringify(addr)} must be host:port (e.g. 127.0.0.1:8935; port 0 = any free port)`);
  const port = Number(m[2]);
  if (port > 65535) throw new SignerNodeConfigError(`-httpAddr port ${port} is out of range`);
  return { host: m[1] || '0.0.0.0', port };
}

/** go-livepeer parseHeaderMap: "k:v,k2:v2", split on the first ':', trimmed, empty keys dropped. */
export function parseHeaderMap(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const key = part.slice(0, i).trim();
    if (key !== '') out[key] = part.slice(i + 1).trim();
  }
  return out;
}

function pem(name: string, v: string): string {
  if (v.includes('-----BEGIN')) return v;
  try {
    return readFileSync(v, 'utf8');
  } catch (err) {
    throw new SignerNodeConfigError(`${name} ${JSON.stringify(v)} is neither PEM text nor a readable file: ${(err as Error).message}`, { cause: err });
  }
}

function positiveMs(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v <= 0) throw new SignerNodeConfigError(`${name} must be a whole number of ms > 0, got ${v}`);
  return v;
}

export function resolveSignerNodeConfig(c: SignerNodeConfigInput): ResolvedSignerNodeConfig {
  const httpAddr = defaultSignerAddr(c.httpAddr);
  const { host, port } = splitHostPort(httpAddr);
  const warnings: string[] = [];
  if (c.authToken !== undefined && c.authToken.length === 0) throw new SignerNodeConfigError('-authToken must not be empty');
  let webhookUrl: string | undefined;
  if (c.remoteSignerWebhookUrl !== undefined && c.remoteSignerWebhookUrl !== '') {
    let u: URL;
    try {
      u = new URL(c.remoteSignerWebhookUrl);
    } catch {
      throw new SignerNodeConfigError(`-remoteSignerWebhookUrl ${JSON.stringify(c.remoteSignerWebhookUrl)} is not a URL`);
    }
    // go-livepeer validateURL: an http(s) URL.
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SignerNodeConfigError(`-remoteSignerWebhookUrl ${c.remoteSignerWebhookUrl} must be an http:// or https:// URL`);
    webhookUrl = u.href;
  }
  const webhookHeaders = typeof c.remoteSignerWebhookHeaders === 'string' ? parseHeaderMap(c.remoteSignerWebhookHeaders) : { ...(c.remoteSignerWebhookHeaders ?? {}) };
  const allowNoAuth = c.remoteSignerAllowNoAuth ?? false;
  // Fail closed (go-livepeer #3959): a public signer with nothing in front of it signs payments
  // from this node's deposit for anybody. Ours also counts -authToken as auth.
  if (!isLoopback(host) && webhookUrl === undefined && c.authToken === undefined) {
    if (!allowNoAuth) {
      throw new SignerNodeConfigError(
        `refusing to start: a remote signer on the public -httpAddr ${httpAddr} with no -authToken and no -remoteSignerWebhookUrl signs payments from this node's deposit for any caller; set one of them, or pass -remoteSignerAllowNoAuth to override`,
      );
    }
  }
  if (webhookUrl === undefined && c.authToken === undefined) {
    warnings.push('the remote signer has no auth: /generate-live-payment is UNAUTHENTICATED and signs payments from this node\'s deposit; set -authToken or -remoteSignerWebhookUrl');
  }
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) throw new SignerNodeConfigError('-tlsCert and -tlsKey go together: give both or neither');
  const tls = c.tlsCert !== undefined && c.tlsKey !== undefined ? { cert: pem('-tlsCert', c.tlsCert), key: pem('-tlsKey', c.tlsKey) } : undefined;
  const interval = c.liveAICapReportIntervalMs ?? DEFAULT_CAP_REPORT_INTERVAL_MS;
  return {
    host: bindAddress(host),
    port,
    httpAddr,
    authToken: c.authToken,
    webhookUrl,
    webhookHeaders,
    allowNoAuth,
    remoteDiscovery: c.remoteDiscovery ?? false,
    capReportIntervalMs: interval > 0 ? interval : FALLBACK_CAP_REPORT_INTERVAL_MS,
    tls,
    headersTimeoutMs: positiveMs('headersTimeoutMs', c.headersTimeoutMs, 30_000),
    bodyTimeoutMs: positiveMs('bodyTimeoutMs', c.bodyTimeoutMs, 30_000),
    idleTimeoutMs: positiveMs('idleTimeoutMs', c.idleTimeoutMs, SIGNER_IDLE_TIMEOUT_MS),
    warnings,
  };
}
