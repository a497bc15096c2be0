// startOrchestrator's configuration, validated with zod. Names follow go-livepeer's flags.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isAddress, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { OrchestratorConfigError } from './errors.js';

const bigintLike = z.union([z.bigint(), z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => BigInt(v));
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
     * Attempts per winning ticket, at most one per new block, before it is dropped with an error log
     * (non-retryable reverts such as "ticket is used" / "ticket is expired" drop at once).
     */
    /**
     * Largest request body of a multipart AI route (image, audio, video uploads), bytes; JSON
     * routes take at most min(this, 4 MiB). go-livepeer has no such flag (its AI routes read any
     * size); a body above it is answered 413 before its payment is looked at.
     */
    maxBodyBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
    /** An HTTP/2 request whose body sends nothing for this long is answered 408 (slowloris); ms. */
    bodyIdleTimeoutMs: z.number().int().positive().default(30_000),
    maxRedeemAttempts: z.number().int().positive().default(200),
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
    /** Node version advertised in capabilities. */
    version: z.string().default('0.1.0'),
  })
  .strict();

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
    if (!key) throw new OrchestratorConfigError('the orchestrator needs its key on chain: pass -ethPrivateKey or set LIVEPEER_TS_PRIVATE_KEY');
  }
  if (!/^[^:\s]+:\d{1,5}$/.test(c.serviceAddr) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(c.serviceAddr)) {
    throw new OrchestratorConfigError(`-serviceAddr ${c.serviceAddr} must be host:port (e.g. 127.0.0.1:8935)`);
  }
  return { ...c, ethPrivateKey: key, dataDir: c.dataDir ?? join(homedir(), '.lpData-ts'), offchain };
}

export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  return { host, port: Number(addr.slice(i + 1)) };
}
