// Gateway configuration: validated with zod, normalised into exact values (bigint wei, Rat prices).
// Flag names follow go-livepeer (-httpAddr, -orchAddr, -maxPricePerUnit, -pixelsPerUnit,
// -maxPricePerCapability, -ethUrl, -ethController, -ethPrivateKey, -network, -maxTicketEV,
// -maxTotalEV, -depositMultiplier).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Rat } from '../../money/index.js';
import type { AiPipeline } from '../../market/index.js';
import { JsonNumber, isAiPipeline, parseDecimal, parseJsonKeepingNumbers } from '../../market/index.js';
import { GatewayConfigError } from './errors.js';

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
  /** Per-attempt timeout of the job request to the orchestrator (no response headers by then → next orchestrator). */
  requestTimeoutMs: z.number().int().min(1).default(15 * 60_000),
  /** TLS + HTTP/2 connect timeout to an orchestrator (go-livepeer: 2 s TLS dial). */
  connectTimeoutMs: z.number().int().min(1).default(3_000),
  /** GetOrchestrator timeout (go-livepeer's session refresh uses 2.5 s; discovery up to 8 s). */
  discoveryTimeoutMs: z.number().int().min(1).default(8_000),
  /** Chain poll period (on-chain mode). */
  chainPollMs: z.number().int().min(50).default(500),
  /** Largest accepted client body (multipart files included). */
  bodyLimitBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  /** Where the gateway keeps its credit view (go-livepeer -datadir); none = in memory only. */
  dataDir: z.string().min(1).optional(),
});

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema> & {
  /** A pino logger to use instead of creating one (logLevel is then ignored). */
  logger?: Logger;
};

export interface CapabilityMaxPrice {
  pipeline: AiPipeline;
  /** 'default' = any model of the pipeline. */
  modelId: string;
  price: Rat;
}

export interface ResolvedGatewayConfig {
  host: string;
  port: number;
  orchestrators: string[];
  offchain: boolean;
  ethUrl: string | undefined;
  ethController: `0x${string}` | undefined;
  privateKey: `0x${string}` | undefined;
  /** undefined = no global max (accept any price). */
  maxPrice: Rat | undefined;
  capabilityMaxPrices: CapabilityMaxPrice[];
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
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  discoveryTimeoutMs: number;
  chainPollMs: number;
  bodyLimitBytes: number;
  dataDir: string | undefined;
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

/** A price amount: decimal, optionally suffixed "wei". Other currencies need a price feed we do not have. */
function parsePriceAmount(name: string, v: bigint | number | string | JsonNumber): Rat {
  if (typeof v === 'bigint') return Rat.from(v);
  const text = String(v).trim();
  const m = /^(\d+(?:\.\d+)?)([A-Za-z][A-Za-z0-9]*)?$/.exec(text);
  if (!m) throw new GatewayConfigError(`${name} ${JSON.stringify(text)} is not a price: expected e.g. 1000, 0.5 or 100wei`);
  if (m[2] !== undefined && m[2].toLowerCase() !== 'wei') {
    throw new GatewayConfigError(`${name} in ${m[2]} needs a price feed, which this gateway does not support yet: give the price in wei`);
  }
  const r = parseDecimal(m[1]!);
  if (!r) throw new GatewayConfigError(`${name} ${JSON.stringify(text)} is not a decimal number`);
  return r;
}

function positiveInt(name: string, v: unknown): bigint {
  const r = parsePriceAmount(name, v as string);
  if (r.den !== 1n || r.num <= 0n) throw new GatewayConfigError(`${name} must be a positive whole number, got ${String(v)}`);
  return r.num;
}

/** go-livepeer parseOrchAddrs: comma split, bare host → :8935, ":port" → 127.0.0.1, no scheme → https. */
export function parseOrchAddrs(input: string | readonly string[]): string[] {
  const parts = (typeof input === 'string' ? input.split(',') : input.flatMap((s) => s.split(','))).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    let s = p.startsWith(':') ? `127.0.0.1${p}` : p;
    if (!s.includes('://')) s = `https://${s}`;
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new GatewayConfigError(`-orchAddr entry ${JSON.stringify(p)} is not a URL or host:port`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new GatewayConfigError(`-orchAddr entry ${p} must be https:// (or http://)`);
    if (u.port === '') u.port = String(DEFAULT_ORCH_PORT);
    const url = `${u.protocol}//${u.host}`;
    if (!out.includes(url)) out.push(url);
  }
  return out;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr.trim());
  if (!m) throw new GatewayConfigError(`-httpAddr ${JSON.stringify(addr)} must be host:port (e.g. 127.0.0.1:9935; port 0 = any free port)`);
  const port = Number(m[2]);
  if (port > 65535) throw new GatewayConfigError(`-httpAddr port ${port} is out of range`);
  return { host: m[1] || '0.0.0.0', port };
}

/**
 * Loopback by rule, never by resolving: literal 127.0.0.0/8 and ::1, and the name `localhost`
 * (which is then bound as 127.0.0.1 itself, see bindAddress), so a tampered hosts file cannot
 * turn an unauthenticated "loopback" bind into a public one.
 */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** The address to listen on: `localhost` becomes 127.0.0.1 so listen() never looks it up in /etc/hosts. */
function bindAddress(host: string): string {
  return host.toLowerCase() === 'localhost' ? '127.0.0.1' : host;
}

function parseCapabilityPrices(raw: NonNullable<z.output<typeof gatewayConfigSchema>['maxPricePerCapability']>, globalMax: Rat | undefined, pixelsPerUnit: bigint): CapabilityMaxPrice[] {
  let doc: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim().startsWith('{') ? raw : readText(raw);
    try {
      doc = parseJsonKeepingNumbers(text);
    } catch (err) {
      throw new GatewayConfigError(`-maxPricePerCapability is not valid JSON: ${(err as Error).message}`);
    }
  }
  const list = (doc as { capabilities_prices?: unknown }).capabilities_prices;
  if (!Array.isArray(list)) throw new GatewayConfigError('-maxPricePerCapability must be {"capabilities_prices":[…]}');
  const out: CapabilityMaxPrice[] = [];
  list.forEach((e: unknown, i) => {
    const entry = (e ?? {}) as Record<string, unknown>;
    const where = `-maxPricePerCapability entry ${i}`;
    const pipeline = entry.pipeline;
    if (typeof pipeline !== 'string' || !isAiPipeline(pipeline)) throw new GatewayConfigError(`${where}: unknown pipeline ${JSON.stringify(pipeline)}`);
    const modelId = typeof entry.model_id === 'string' && entry.model_id !== '' ? entry.model_id : 'default';
    if (entry.currency !== undefined && String(entry.currency).toLowerCase() !== 'wei') {
      throw new GatewayConfigError(`${where}: currency ${String(entry.currency)} needs a price feed, which this gateway does not support yet: use wei`);
    }
    const ppuRaw = entry.pixels_per_unit;
    const ppu = ppuRaw === undefined ? 0n : positiveOrZero(`${where} pixels_per_unit`, ppuRaw);
    const pixels = ppu > 0n ? ppu : pixelsPerUnit;
    const priceRaw = entry.price_per_unit;
    const amount = priceRaw === undefined ? Rat.ZERO : priceAmountOf(`${where} price_per_unit`, priceRaw);
    let price: Rat;
    if (amount.gt(0n)) price = amount.div(pixels);
    else if (globalMax) price = globalMax;
    else return; // go-livepeer: no price and no global max → any price for this entry
    out.push({ pipeline, modelId, price });
  });
  return out;
}

function priceAmountOf(name: string, v: unknown): Rat {
  if (typeof v === 'string') throw new GatewayConfigError(`${name} must be a JSON number, not a string (go-livepeer's JSONRat)`);
  if (v instanceof JsonNumber || typeof v === 'number' || typeof v === 'bigint') return parsePriceAmount(name, v);
  throw new GatewayConfigError(`${name} must be a number`);
}

function positiveOrZero(name: string, v: unknown): bigint {
  const r = priceAmountOf(name, v);
  if (r.den !== 1n) throw new GatewayConfigError(`${name} must be a whole number`);
  return r.num > 0n ? r.num : 0n;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new GatewayConfigError(`cannot read -maxPricePerCapability file ${path}: ${(err as Error).message}`);
  }
}

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
  const orchestrators = parseOrchAddrs(c.orchAddr);
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
    if (!privateKey) throw new GatewayConfigError(`on-chain mode needs the gateway's key: -ethPrivateKey or env ${PRIVATE_KEY_ENV}`);
  }
  const pixelsPerUnit = positiveInt('-pixelsPerUnit', c.pixelsPerUnit);
  const maxAmount = parsePriceAmount('-maxPricePerUnit', c.maxPricePerUnit);
  const maxPrice = maxAmount.gt(0n) ? maxAmount.div(pixelsPerUnit) : undefined;
  const depositMultiplier = toBigInt('-depositMultiplier', c.depositMultiplier, 1n);
  return {
    host: bindAddress(host),
    port,
    orchestrators,
    offchain,
    ethUrl: c.ethUrl,
    ethController: c.ethController as `0x${string}` | undefined,
    privateKey,
    maxPrice,
    capabilityMaxPrices: c.maxPricePerCapability === undefined ? [] : parseCapabilityPrices(c.maxPricePerCapability, maxPrice, pixelsPerUnit),
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
    requestTimeoutMs: c.requestTimeoutMs,
    connectTimeoutMs: c.connectTimeoutMs,
    discoveryTimeoutMs: c.discoveryTimeoutMs,
    chainPollMs: c.chainPollMs,
    bodyLimitBytes: c.bodyLimitBytes,
    dataDir: c.dataDir,
  };
}

/**
 * The max price for a job (go-livepeer GetCapabilitiesMaxPrice): the model's entry, else the
 * pipeline's "default", else the global max; undefined = no limit.
 */
export function maxPriceFor(cfg: Pick<ResolvedGatewayConfig, 'maxPrice' | 'capabilityMaxPrices'>, pipeline: string, modelId: string): Rat | undefined {
  const own = cfg.capabilityMaxPrices.find((e) => e.pipeline === pipeline && e.modelId === modelId);
  if (own) return own.price;
  const dflt = cfg.capabilityMaxPrices.find((e) => e.pipeline === pipeline && e.modelId === 'default');
  return dflt ? dflt.price : cfg.maxPrice;
}
