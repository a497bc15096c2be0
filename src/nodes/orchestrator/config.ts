// startOrchestrator's configuration, validated with zod. Names follow go-livepeer's flags.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isAddress, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { bigintLike, redemptionBatchFields, ticketStoreFields } from '../common/redemption-config.js';
import { OrchestratorConfigError } from './errors.js';

const address = z.string().refine((s) => isAddress(s), 'must be a 0x-prefixed 20-byte address').transform((s) => s as Address);
const privateKey = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex')
  .transform((s) => (s.startsWith('0x') ? s : `0x${s}`) as Hex);

export const orchestratorConfigSchema = z
  .object({
    /** host:port to bind and advertise (`transcoder` = https://serviceAddr). Port 0 = any free port. */
    serviceAddr: z.string().default('127.0.0.1:8935'),
    /** TLS certificate and key live here. */
    dataDir: z.string().optional(),
    /** Path to aiModels.json or inline JSON / `pipeline:model:warm` list (go-livepeer -aiModels). */
    aiModels: z.string().min(1),
    /** "offchain" for no chain; anything else needs ethUrl + ethController (or contracts). */
    network: z.string().default('offchain'),
    ethUrl: z.string().optional(),
    ethController: address.optional(),
    /** Explicit contract addresses (override the Controller's). */
    contracts: z.record(z.string(), address).optional(),
    /** Orchestrator key; falls back to env LIVEPEER_TS_PRIVATE_KEY. Never logged. */
    ethPrivateKey: privateKey.optional(),
    /**
     * The ticket recipient (go-livepeer -ethOrchAddr: the on-chain orchestrator); default the key's
     * address. With -redeemerAddr it must be the recipient the redeemer serves.
     */
    ethOrchAddr: address.optional(),
    /**
     * go-livepeer -redeemerAddr: host:port of a ticket redemption service (`livepeer-ts redeemer`).
     * Winning tickets go there (awaited before the payment is acknowledged) and max float comes
     * from there; this node then needs no key of its own (with -ethOrchAddr), and without one it
     * signs nothing on chain (no -reward, no -initializeRound).
     */
    redeemerAddr: z.string().min(1).optional(),
    /** The redeemer's shared secret (-redeemerSecret, or env LIVEPEER_TS_REDEEMER_SECRET): a bearer token on every call. */
    redeemerSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    ticketEV: bigintLike.default(8_000_000_000n),
    maxFaceValue: bigintLike.default(0n),
    txCostMultiplier: bigintLike.default(100n),
    /** Gas of one redemption; go-livepeer: 350 000 on L1, 1 200 000 on Arbitrum One. */
    redeemGas: bigintLike.default(350_000n),
    /** Base price (wei per pixelsPerUnit units), used for entries without a price and for caps-less GetOrchestrator. */
    pricePerUnit: z.union([z.string(), z.number(), z.bigint()]).optional(),
    pixelsPerUnit: z.union([z.string(), z.number(), z.bigint()]).optional(),
    /**
     * go-livepeer -maxSessions: concurrent *transcoding* sessions (a number ≥ 1 or "auto"). This node
     * runs none, so it limits nothing here; AI jobs are limited per model by aiModels `capacity`.
     */
    maxSessions: z.union([z.number().int().positive(), z.literal('auto')]).default(10),
    /** go-livepeer -autoAdjustPrice: quote prices × (1 + 1/txCostMultiplier), to 0.001 wei (on chain). */
    autoAdjustPrice: z.boolean().default(true),
    /** Accepted for go-livepeer compatibility (remote workers); unused by this node. */
    orchSecret: z.string().optional(),
    /** pino level (default "silent"). */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
    /** Chain poll period, ms. */
    pollMs: z.number().int().positive().default(500),
    /**
     * Largest request body of a multipart AI route (image, audio, video uploads), bytes; JSON
     * routes take at most min(this, 4 MiB). go-livepeer has no such flag (its AI routes read any
     * size); a body above it is answered 413 before its payment is looked at.
     */
    maxBodyBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
    /** A request whose body sends nothing for this long is answered 408 BODY_TIMEOUT (slowloris; HTTP/1 and HTTP/2); ms. */
    bodyIdleTimeoutMs: z.number().int().positive().default(30_000),
    /** A request whose body is not complete this long after its headers is answered 408 BODY_TIMEOUT (node's requestTimeout default); ms. */
    bodyTimeoutMs: z.number().int().positive().default(300_000),
    /** HTTP/1: headers not complete within this are answered 408 BODY_TIMEOUT (reason headers); ms. */
    headersTimeoutMs: z.number().int().positive().default(30_000),
    /** An idle connection (HTTP/2 session without activity, HTTP/1 keep-alive) is closed after this; go-livepeer's HTTPIdleTimeout (10 min); ms. */
    idleTimeoutMs: z.number().int().positive().default(600_000),
    /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per session (250: Go's HTTP/2 server, so go-livepeer's). */
    maxConcurrentStreams: z.number().int().positive().default(250),
    /**
     * AI requests admitted before their payment is validated (read, decoded, tickets checked);
     * one more is answered 503 TOO_MANY_UNPAID_REQUESTS with Retry-After before its body is read.
     * Memory held by them is at most this × the route's body limit.
     */
    maxUnpaidRequests: z.number().int().positive().default(128),
    /**
     * go-livepeer -maxGasPrice, wei (0 = none): caps the gas price tickets are priced with, and no
     * redemption is sent while the estimated price is above it (the tickets wait; go-livepeer
     * fails the redemption instead).
     */
    maxGasPrice: bigintLike.default(0n),
    /** go-livepeer -minGasPrice, wei: floor of the gas price tickets are priced with. */
    minGasPrice: bigintLike.default(0n),
    ...redemptionBatchFields,
    ...ticketStoreFields,
    /** Initialise new rounds when this node sees them (go-livepeer -initializeRound). */
    initializeRound: z.boolean().default(false),
    /** Call BondingManager.reward() once per round while active (go-livepeer -reward). */
    reward: z.boolean().default(true),
    /**
     * The AI service registry (go-livepeer -aiServiceRegistry, a boolean there): true = the
     * network's (Arbitrum One: go-livepeer's address; devnet: the Controller's AIServiceRegistry),
     * false = the Controller's ServiceRegistry, or an address. Unset: the network's AI registry, or
     * the ServiceRegistry on a chain that has none.
     */
    aiServiceRegistry: z.union([z.boolean(), address]).optional(),
    /**
     * Once listening, set this node's own URL as its service URI in the AI service registry when the
     * registered one differs (sent through the node's one-at-a-time wallet, so it never races the
     * node's own reward/round/redemption transactions). Library option (the demo uses it with port 0);
     * operators register with `livepeer-ts chain register`.
     */
    registerServiceURI: z.boolean().default(false),
    /**
     * go-livepeer -livePaymentInterval: how often a live stream's time is debited (ms, or a Go
     * duration such as "5s", "500ms"); a stream whose credit cannot cover an interval is stopped.
     */
    livePaymentInterval: z
      .union([z.number(), z.string()])
      .default(5_000)
      .transform((v, ctx) => {
        const ms = durationMs(v);
        if (ms === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(v)} is not a duration between 1 ms and 1 h (ms, or e.g. 5s, 500ms)` });
        return ms ?? 5_000;
      }),
    /** go-livepeer -liveAITrickleHostForRunner: host[:port] put in the trickle URLs given to live runners. */
    liveAITrickleHostForRunner: z.string().min(1).optional(),
    /** How long a live runner has to accept a stream start, ms. */
    liveRunnerStartTimeoutMs: z.number().int().positive().default(10_000),
    /** Node version advertised in capabilities. */
    version: z.string().default('0.1.0'),
  })
  .strict();

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** ms from a number of ms or a Go-style duration ("5s", "1500ms", "1m"); undefined outside 1 ms – 1 h. */
function durationMs(v: number | string): number | undefined {
  let ms: number | undefined;
  if (typeof v === 'number') ms = v;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
    if (m) ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 1 || ms > 3_600_000) return undefined;
  return Math.round(ms);
}

export type OrchestratorConfigInput = z.input<typeof orchestratorConfigSchema>;
export type OrchestratorConfig = z.output<typeof orchestratorConfigSchema> & { dataDir: string; offchain: boolean };

export function parseOrchestratorConfig(input: OrchestratorConfigInput, env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  const r = orchestratorConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new OrchestratorConfigError(`invalid orchestrator config: ${lines.join('; ')}`);
  }
  const c = r.data;
  let key = c.ethPrivateKey;
  if (!key && env.LIVEPEER_TS_PRIVATE_KEY) {
    const k = privateKey.safeParse(env.LIVEPEER_TS_PRIVATE_KEY.trim());
    if (!k.success) throw new OrchestratorConfigError('LIVEPEER_TS_PRIVATE_KEY must be 32 bytes of hex');
    key = k.data;
  }
  const offchain = c.network === 'offchain';
  if (!offchain) {
    if (!c.ethUrl) throw new OrchestratorConfigError(`-network ${c.network} needs -ethUrl (a JSON-RPC URL); use -network offchain for no chain`);
    if (!c.ethController && !c.contracts) throw new OrchestratorConfigError('-ethController is required on chain (the protocol Controller address)');
    if (!key && !c.redeemerAddr) throw new OrchestratorConfigError('the orchestrator needs its key on chain: pass -ethPrivateKey or set LIVEPEER_TS_PRIVATE_KEY (or redeem through -redeemerAddr with -ethOrchAddr)');
    if (!key && !c.ethOrchAddr) throw new OrchestratorConfigError('-redeemerAddr without a key needs -ethOrchAddr: the ticket recipient, the address the redeemer serves');
    if (!key && c.initializeRound) throw new OrchestratorConfigError('-initializeRound sends transactions: it needs the orchestrator\'s key (or run it on the redeemer)');
  }
  if (!/^[^:\s]+:\d{1,5}$/.test(c.serviceAddr) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(c.serviceAddr)) {
    throw new OrchestratorConfigError(`-serviceAddr ${c.serviceAddr} must be host:port (e.g. 127.0.0.1:8935)`);
  }
  const secretEnv = env.LIVEPEER_TS_REDEEMER_SECRET?.trim();
  const redeemerSecret = c.redeemerSecret ?? (c.redeemerAddr && secretEnv ? secretEnv : undefined);
  return { ...c, redeemerSecret, ethPrivateKey: key, dataDir: c.dataDir ?? join(homedir(), '.lpData-ts'), offchain };
}

export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return { host, port: Number(addr.slice(i + 1)) };
}
