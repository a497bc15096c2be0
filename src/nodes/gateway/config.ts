// Gateway configuration: validated with zod, normalised into exact values (bigint wei, Rat prices).
// Flag names follow go-livepeer (-httpAddr, -orchAddr, -maxPricePerUnit, -pixelsPerUnit,
// -maxPricePerCapability, -ethUrl, -ethController, -ethPrivateKey, -network, -maxTicketEV,
// -maxTotalEV, -depositMultiplier, -orchWebhookUrl, -orchBlocklist, -aiProcessingRetryTimeout, the
// -select* weights).
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Rat } from '../../money/index.js';
import type { AiPipeline } from '../../market/index.js';
import { bindAddress, isLoopback } from '../common/index.js';
import { GatewayConfigError } from './errors.js';
import { parseDurationMs, resolveRequestTimeouts } from './timeouts.js';
import { normalizeSignerUrl, parseSignerHeaders } from './signer/index.js';
import type { CapabilityMaxPrice, DroppedEntry, PriceLimits, SelectionFlagValues, SelectionWeights } from '../../market/index.js';
import { SelectionConfigError, maxPriceFor as limitFor, parseOrchAddrList, parseOrchBlocklist, parsePriceLimits, selectionWeightsFromFlags } from '../../market/index.js';

/** go-livepeer's default gateway -httpAddr: 127.0.0.1 and BroadcasterRpcPort 9935 (8935 is the orchestrator's). */
export const DEFAULT_HTTP_ADDR = '127.0.0.1:9935';
/** go-livepeer's OrchestratorRpcPort: a bare -orchAddr host gets it. */
export const DEFAULT_ORCH_PORT = 8935;
export const PRIVATE_KEY_ENV = 'LIVEPEER_TS_PRIVATE_KEY';

const numberish = z.union([z.bigint(), z.number(), z.string()]);

export const gatewayConfigSchema = z.object({
  /** host:port for the client API; port 0 picks a free port. */
  httpAddr: z.string().default(DEFAULT_HTTP_ADDR),
  /** Orchestrator URLs or host:port, as a list or one comma-separated string. */
  orchAddr: z.union([z.string(), z.array(z.string())]).default([]),
  /** go-livepeer -orchWebhookUrl: GET → [{"address": "https://…", "score": …}], cached 1 min, 3 s timeout. */
  orchWebhookUrl: z.string().url().optional(),
  /** go-livepeer -orchBlocklist: ETH addresses never used (comma-separated or a list). */
  orchBlocklist: z.union([z.string(), z.array(z.string())]).optional(),
  /**
   * go-livepeer -remoteSignerUrl: the remote signer that signs this gateway's tickets and
   * OrchestratorRequest (the gateway then holds no key), and lists orchestrators. No scheme →
   * "https://" is prepended, as go-livepeer does.
   */
  remoteSignerUrl: z.string().min(1).optional(),
  /** Headers sent to the remote signer, "k:v,k2:v2" or a record (go-livepeer -remoteSignerHeaders); never to -orchWebhookUrl or orchestrators. */
  remoteSignerHeaders: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
  /** How often the discovery sources are read again (0 = only at start and on demand). */
  discoveryRefreshMs: z.number().int().min(0).default(60_000),
  /** An orchestrator no source has confirmed for this long is `stale`: shown, never chosen. */
  discoveryTtlMs: z.number().int().min(1).default(30 * 60_000),
  /** go-livepeer -aiProcessingRetryTimeout: no new attempt starts after the job has run this long ("30s", ms). */
  aiProcessingRetryTimeout: z.union([z.string(), z.number()]).default('30s'),
  /** The selection weights and latency band (-selectStakeWeight, -selectPriceWeight, -selectRandWeight, -selectPriceExpFactor, -selectLatencyBand). */
  selection: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  /** 'offchain' (no tickets, price ignored for payment) or an on-chain network name (default 'offchain' without -ethUrl). */
  network: z.string().optional(),
  ethUrl: z.string().optional(),
  ethController: z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'ethController must be a 0x address').optional(),
  /** 0x 32-byte hex; default: env LIVEPEER_TS_PRIVATE_KEY. Never logged. */
  ethPrivateKey: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'ethPrivateKey must be 32 bytes of hex').optional(),
  /** Max wei per pixelsPerUnit units; "0" (default) accepts any price. Decimal allowed ("0.5"), optional "wei" suffix. */
  maxPricePerUnit: numberish.default('0'),
  pixelsPerUnit: numberish.default('1'),
  /** JSON text, a path to a JSON file, or the parsed object: {"capabilities_prices":[{pipeline, model_id, price_per_unit, pixels_per_unit}]}. */
  maxPricePerCapability: z.union([z.string(), z.object({ capabilities_prices: z.array(z.unknown()) })]).optional(),
  maxTicketEV: numberish.default('3000000000000'),
  maxTotalEV: numberish.default('20000000000000'),
  depositMultiplier: numberish.default('1'),
  /** Bearer token clients must send; required when httpAddr is not a loopback address. */
  authToken: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** Orchestrators tried per job (bounded failover). */
  maxAttempts: z.number().int().min(1).max(20).default(4),
  /** When every orchestrator is at capacity: retries after a wait (bounded), and the wait. */
  capacityWaits: z.number().int().min(0).max(100).default(20),
  capacityWaitMs: z.number().int().min(1).max(10_000).default(100),
  /** Cap of the backoff after an orchestrator's own faults, per (orchestrator, capability) (backoff.ts). */
  suspendMs: z.number().int().min(0).default(60_000),
  /** The backoff after the first such fault; doubles per consecutive fault up to suspendMs, reset on success. */
  suspendBaseMs: z.number().int().min(0).default(1_000),
  /**
   * Per-attempt deadline of a job at an orchestrator, headers and body (then the next orchestrator
   * is tried), by pipeline: "llm=10m,text-to-image=90s" or {"llm": 600000}; pipelines not named keep
   * their default (timeouts.ts).
   */
  aiRequestTimeouts: z.union([z.string(), z.record(z.string(), z.union([z.number(), z.string()]))]).optional(),
  /** One deadline for every pipeline not in aiRequestTimeouts (instead of the per-pipeline defaults). */
  requestTimeoutMs: z.number().int().min(1).optional(),
  /** While a connection to an orchestrator carries jobs, an HTTP/2 PING this often (0 = none): a hung peer is found without waiting for the deadline. */
  pingIntervalMs: z.number().int().min(0).default(3_000),
  /** A PING unanswered this long ends the connection; its jobs are retried elsewhere (Go http2.Transport's PingTimeout). */
  pingTimeoutMs: z.number().int().min(1).default(3_000),
  /** TLS + HTTP/2 connect timeout to an orchestrator (go-livepeer: 2 s TLS dial). */
  connectTimeoutMs: z.number().int().min(1).default(3_000),
  /** GetOrchestrator timeout (go-livepeer's session refresh uses 2.5 s; discovery up to 8 s). */
  discoveryTimeoutMs: z.number().int().min(1).default(8_000),
  /** Chain poll period (on-chain mode). */
  chainPollMs: z.number().int().min(50).default(500),
  /** Largest client body of a multipart route, all parts together; JSON routes take at most min(this, 4 MiB). 413 above it. */
  maxBodyBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  /** A client body that sends nothing for this long is answered 408 GW_REQUEST_TIMEOUT (slowloris). */
  bodyIdleTimeoutMs: z.number().int().positive().default(30_000),
  /** A client body not complete this long after its headers is answered 408 GW_REQUEST_TIMEOUT. */
  bodyTimeoutMs: z.number().int().positive().default(300_000),
  /** Request headers not complete within this are answered 408 GW_REQUEST_TIMEOUT (node's headersTimeout). */
  headersTimeoutMs: z.number().int().positive().default(30_000),
  /** An idle keep-alive client connection is closed after this (fastify's default keepAliveTimeout). */
  idleTimeoutMs: z.number().int().positive().default(72_000),
  /** Client requests being read and counted at once (before any orchestrator is paid); more get 503 with Retry-After. */
  maxUnpaidRequests: z.number().int().positive().default(128),
  /** Where the gateway keeps its credit view (go-livepeer -datadir); none = in memory only. */
  dataDir: z.string().min(1).optional(),
  /** go-livepeer's -livePaymentInterval: live streams pay at most this often (ms or "5s"). */
  livePaymentInterval: z.union([z.number(), z.string()]).default('5s'),
  /** Seconds of streaming the initial live payment covers (go-livepeer: 60, fixed). */
  livePreloadSeconds: z.number().int().min(1).max(3600).default(60),
  /** Live streams run at once; more are refused with 503. */
  maxLiveStreams: z.number().int().min(1).max(10_000).default(64),
  /** A live stream whose orchestrator sends no event this long is swapped (go-livepeer: 30 s). */
  liveEventTimeoutMs: z.number().int().min(100).default(30_000),
  /** No output segment this long while the input flows → swapped (go-livepeer's outSegmentTimeout, 30 s when unset). */
  liveOutputTimeoutMs: z.number().int().min(100).default(30_000),
  /** Control keepalive period of a live stream (go-livepeer: 10 s). */
  liveKeepaliveMs: z.number().int().min(10).default(10_000),
  /** go-livepeer's recentSwapInterval (3 min): a third orchestrator swap with less than this between consecutive swaps stops the stream. */
  liveRecentSwapIntervalMs: z.number().int().min(0).default(180_000),
});

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema> & {
  /** A pino logger to use instead of creating one (logLevel is then ignored). */
  logger?: Logger;
};

export type { CapabilityMaxPrice };

export interface ResolvedGatewayConfig {
  host: string;
  port: number;
  orchestrators: string[];
  /** -orchAddr entries dropped as unusable (logged at start, as go-livepeer). */
  droppedOrchAddrs: DroppedEntry[];
  orchWebhookUrl: string | undefined;
  /** Lower-case hex without 0x. */
  orchBlocklist: string[];
  remoteSignerUrl: string | undefined;
  remoteSignerHeaders: Record<string, string> | undefined;
  discoveryRefreshMs: number;
  discoveryTtlMs: number;
  retryTimeoutMs: number;
  selection: SelectionWeights;
  offchain: boolean;
  ethUrl: string | undefined;
  ethController: `0x${string}` | undefined;
  privateKey: `0x${string}` | undefined;
  /** undefined = no global max (accept any price). */
  maxPrice: Rat | undefined;
  capabilityMaxPrices: readonly CapabilityMaxPrice[];
  /** -maxPricePerUnit, -pixelsPerUnit and -maxPricePerCapability as src/market/selection parses them. */
  priceLimits: PriceLimits;
  maxTicketEV: bigint;
  maxTotalEV: bigint;
  depositMultiplier: bigint;
  authToken: string | undefined;
  logLevel: string;
  maxAttempts: number;
  capacityWaits: number;
  capacityWaitMs: number;
  suspendMs: number;
  suspendBaseMs: number;
  /** Per-attempt deadline (ms) by pipeline. */
  requestTimeouts: Readonly<Record<AiPipeline, number>>;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  connectTimeoutMs: number;
  discoveryTimeoutMs: number;
  chainPollMs: number;
  maxBodyBytes: number;
  bodyIdleTimeoutMs: number;
  bodyTimeoutMs: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  maxUnpaidRequests: number;
  dataDir: string | undefined;
  livePaymentIntervalMs: number;
  livePreloadSeconds: number;
  maxLiveStreams: number;
  liveEventTimeoutMs: number;
  liveOutputTimeoutMs: number;
  liveKeepaliveMs: number;
  liveRecentSwapIntervalMs: number;
}

function toBigInt(name: string, v: bigint | number | string, min = 0n): bigint {
  let out: bigint;
  if (typeof v === 'bigint') out = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) out = BigInt(v);
  else if (typeof v === 'string' && /^\s*\d+\s*$/.test(v)) out = BigInt(v.trim());
  else throw new GatewayConfigError(`${name} must be a whole number of wei, got ${JSON.stringify(String(v))}`);
  if (out < min) throw new GatewayConfigError(`${name} must be ≥ ${min}, got ${out}`);
  return out;
}

/** go-livepeer parseOrchAddrs (src/market/discovery): the usable URLs; parseOrchAddrList also names the dropped entries. */
export function parseOrchAddrs(input: string | readonly string[]): string[] {
  return parseOrchAddrList(input).urls;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new GatewayConfigError(`-httpAddr ${JSON.stringify(addr)} must be host:port (e.g. 127.0.0.1:9935; port 0 = any free port)`);
  const port = Number(m[2]);
  if (port > 65535) throw new GatewayConfigError(`-httpAddr port ${port} is out of range`);
  return { host: m[1] || '0.0.0.0', port };
}

export { isLoopback };





/** Validates and normalises a config. Throws GatewayConfigError (fatal) with a message saying what to fix. */
export function resolveGatewayConfig(input: GatewayConfigInput, env: NodeJS.ProcessEnv = process.env): ResolvedGatewayConfig {
  const parsed = gatewayConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new GatewayConfigError(`invalid gateway config: ${issues}`);
  }
  const c = parsed.data;
  const { host, port } = splitHostPort(c.httpAddr);
  if (!isLoopback(host) && c.authToken === undefined) {
    throw new GatewayConfigError(
      `refusing to listen on ${c.httpAddr}: this gateway spends ETH on every request, so a non-loopback -httpAddr needs an auth token (-authToken) that clients send as "Authorization: Bearer <token>"`,
    );
  }
  const { urls: orchestrators, dropped: droppedOrchAddrs } = parseOrchAddrList(c.orchAddr);
  let remoteSignerUrl: string | undefined;
  try {
    remoteSignerUrl = c.remoteSignerUrl === undefined ? undefined : normalizeSignerUrl(c.remoteSignerUrl);
  } catch (err) {
    throw new GatewayConfigError(`-remoteSignerUrl ${c.remoteSignerUrl}: ${(err as Error).message}`, { cause: err });
  }
  const remoteSignerHeaders = typeof c.remoteSignerHeaders === 'string' ? parseSignerHeaders(c.remoteSignerHeaders) : c.remoteSignerHeaders;
  for (const [flag, v] of [['-orchWebhookUrl', c.orchWebhookUrl], ['-remoteSignerUrl', remoteSignerUrl]] as const) {
    // go-livepeer validateURL: an http(s) URL.
    if (v !== undefined && !/^https?:\/\//i.test(v)) throw new GatewayConfigError(`${flag} ${v} must be an http:// or https:// URL`);
  }
  let selection: SelectionWeights;
  try {
    selection = selectionWeightsFromFlags((c.selection ?? {}) as SelectionFlagValues);
  } catch (err) {
    if (err instanceof SelectionConfigError) throw new GatewayConfigError(err.message, { cause: err });
    throw err;
  }
  const network = c.network ?? (c.ethUrl ? 'onchain' : 'offchain');
  const offchain = network === 'offchain';
  const keyRaw = c.ethPrivateKey ?? env[PRIVATE_KEY_ENV];
  if (keyRaw !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(keyRaw)) {
    throw new GatewayConfigError(`${PRIVATE_KEY_ENV} must be 32 bytes of hex`);
  }
  const privateKey = keyRaw === undefined ? undefined : (`0x${keyRaw.replace(/^0x/, '')}` as `0x${string}`);
  if (!offchain) {
    if (!c.ethUrl) throw new GatewayConfigError(`-network ${network} needs -ethUrl (a JSON-RPC URL); use -network offchain to run without a chain`);
    if (!c.ethController) throw new GatewayConfigError('on-chain mode needs -ethController (the protocol Controller address)');
    // With a remote signer the signer holds the key; the chain is read for discovery only.
    if (!privateKey && !remoteSignerUrl) throw new GatewayConfigError(`on-chain mode needs the gateway's key: -ethPrivateKey or env ${PRIVATE_KEY_ENV} (or a -remoteSignerUrl)`);
  }
  let priceLimits: PriceLimits;
  try {
    priceLimits = parsePriceLimits({
      maxPricePerUnit: c.maxPricePerUnit,
      pixelsPerUnit: c.pixelsPerUnit,
      ...(c.maxPricePerCapability === undefined ? {} : { maxPricePerCapability: c.maxPricePerCapability }),
    });
  } catch (err) {
    if (err instanceof SelectionConfigError) throw new GatewayConfigError(err.message, { cause: err });
    throw err;
  }
  const depositMultiplier = toBigInt('-depositMultiplier', c.depositMultiplier, 1n);
  return {
    host: bindAddress(host),
    port,
    orchestrators,
    droppedOrchAddrs,
    orchWebhookUrl: c.orchWebhookUrl,
    orchBlocklist: [...parseOrchBlocklist(c.orchBlocklist)],
    remoteSignerUrl,
    remoteSignerHeaders,
    discoveryRefreshMs: c.discoveryRefreshMs,
    discoveryTtlMs: c.discoveryTtlMs,
    retryTimeoutMs: parseDurationMs('-aiProcessingRetryTimeout', c.aiProcessingRetryTimeout),
    selection,
    offchain,
    ethUrl: c.ethUrl,
    ethController: c.ethController as `0x${string}` | undefined,
    privateKey,
    maxPrice: priceLimits.global,
    capabilityMaxPrices: priceLimits.entries,
    priceLimits,
    maxTicketEV: toBigInt('-maxTicketEV', c.maxTicketEV),
    maxTotalEV: toBigInt('-maxTotalEV', c.maxTotalEV),
    depositMultiplier,
    authToken: c.authToken,
    logLevel: c.logLevel,
    maxAttempts: c.maxAttempts,
    capacityWaits: c.capacityWaits,
    capacityWaitMs: c.capacityWaitMs,
    suspendMs: c.suspendMs,
    suspendBaseMs: Math.min(c.suspendBaseMs, c.suspendMs),
    requestTimeouts: resolveRequestTimeouts(c.aiRequestTimeouts, c.requestTimeoutMs),
    pingIntervalMs: c.pingIntervalMs,
    pingTimeoutMs: c.pingTimeoutMs,
    connectTimeoutMs: c.connectTimeoutMs,
    discoveryTimeoutMs: c.discoveryTimeoutMs,
    chainPollMs: c.chainPollMs,
    maxBodyBytes: c.maxBodyBytes,
    bodyIdleTimeoutMs: c.bodyIdleTimeoutMs,
    bodyTimeoutMs: c.bodyTimeoutMs,
    headersTimeoutMs: c.headersTimeoutMs,
    idleTimeoutMs: c.idleTimeoutMs,
    maxUnpaidRequests: c.maxUnpaidRequests,
    dataDir: c.dataDir,
    livePaymentIntervalMs: parseDurationMs('livePaymentInterval', c.livePaymentInterval),
    livePreloadSeconds: c.livePreloadSeconds,
    maxLiveStreams: c.maxLiveStreams,
    liveEventTimeoutMs: c.liveEventTimeoutMs,
    liveOutputTimeoutMs: c.liveOutputTimeoutMs,
    liveKeepaliveMs: c.liveKeepaliveMs,
    liveRecentSwapIntervalMs: c.liveRecentSwapIntervalMs,
  };
}

/**
 * The max price for a job (go-livepeer GetCapabilitiesMaxPrice, src/market/selection): the model's
 * entry, else the pipeline's "default", else the global max; undefined = no limit.
 */
export function maxPriceFor(cfg: Pick<ResolvedGatewayConfig, 'priceLimits'>, pipeline: string, modelId: string): Rat | undefined {
  return limitFor(cfg.priceLimits, pipeline, modelId);
}
