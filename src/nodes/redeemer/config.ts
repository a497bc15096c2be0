// startRedeemer's configuration, validated with zod. Names follow go-livepeer's flags (a -redeemer
// node listens on -httpAddr, default 127.0.0.1:8935, and serves -ethOrchAddr or its own account).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { getAddress, isAddress, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { addressOfPrivateKey, hexToBytes } from '../../pm/index.js';
import { isLoopback } from '../common/index.js';
import { bigintLike, redemptionBatchFields, ticketStoreFields } from '../common/redemption-config.js';
import { RedeemerConfigError } from './errors.js';

/** Where the redeemer's shared secret may come from instead of the -redeemerSecret flag. */
export const REDEEMER_SECRET_ENV = 'LIVEPEER_TS_REDEEMER_SECRET';
import { DEFAULT_SUBSCRIPTION_LIMITS } from './subscriptions.js';

const address = z.string().refine((s) => isAddress(s), 'must be a 0x-prefixed 20-byte address').transform((s) => s as Address);
const privateKey = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex')
  .transform((s) => (s.startsWith('0x') ? s : `0x${s}`) as Hex);

export const redeemerConfigSchema = z
  .object({
    /** host:port to listen on (go-livepeer -httpAddr for a -redeemer node). Port 0 = any free port. */
    httpAddr: z.string().default('127.0.0.1:8935'),
    /** TLS certificate and key, and the SQLite winning-ticket store (livepeer-ts.sqlite), live here. */
    dataDir: z.string().optional(),
    /** A network name (go-livepeer -network); "offchain" has nothing to redeem. */
    network: z.string().optional(),
    ethUrl: z.string().min(1),
    ethController: address.optional(),
    /** Explicit contract addresses (override the Controller's). */
    contracts: z.record(z.string(), address).optional(),
    /** The key that pays for redemptions; falls back to env LIVEPEER_TS_PRIVATE_KEY. Never logged. */
    ethPrivateKey: privateKey.optional(),
    /** The ticket recipient served (go-livepeer -ethOrchAddr); default: the key's own address. */
    ethOrchAddr: address.optional(),
    /** Initialise new rounds when this node sees them (go-livepeer -initializeRound). */
    initializeRound: z.boolean().default(false),
    /**
     * Call reward() for the key's account once per round while it is an active transcoder
     * (go-livepeer -reward). Default: on when the key is the recipient's (no other -ethOrchAddr).
     */
    reward: z.boolean().optional(),
    pollMs: z.number().int().positive().default(500),
    /** go-livepeer -maxGasPrice, wei (0 = none): no redemption is sent while gas is above it (the tickets wait). */
    maxGasPrice: bigintLike.default(0n),
    ...redemptionBatchFields,
    ...ticketStoreFields,
    /** Open MonitorMaxFloat streams in all / per sender; the oldest is ended to make room. */
    maxSubscribers: z.number().int().positive().default(DEFAULT_SUBSCRIPTION_LIMITS.maxSubscribers),
    maxSubscribersPerSender: z.number().int().positive().default(DEFAULT_SUBSCRIPTION_LIMITS.maxPerSender),
    /**
     * Shared secret every orchestrator must present (`authorization: Bearer …`), from
     * -redeemerSecret or env LIVEPEER_TS_REDEEMER_SECRET. Required off loopback: the redeemer's key
     * pays gas, and go-livepeer's redeemer authenticates nobody.
     */
    redeemerSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
  })
  .strict();

export type RedeemerConfigInput = z.input<typeof redeemerConfigSchema>;
export type RedeemerConfig = Omit<z.output<typeof redeemerConfigSchema>, 'reward'> & {
  dataDir: string;
  ethPrivateKey: Hex;
  /** The key's address (pays gas). */
  account: Address;
  /** The recipient whose tickets are accepted. */
  recipient: Address;
  reward: boolean;
};

export function parseRedeemerConfig(input: RedeemerConfigInput, env: NodeJS.ProcessEnv = process.env): RedeemerConfig {
  const r = redeemerConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new RedeemerConfigError(`invalid redeemer config: ${lines.join('; ')}`);
  }
  const c = r.data;
  if (c.network === 'offchain') throw new RedeemerConfigError('a redeemer redeems on chain: -network offchain has nothing to redeem (pass -ethUrl and -ethController)');
  if (!c.ethController && !c.contracts) throw new RedeemerConfigError('-ethController is required (the protocol Controller address)');
  let key = c.ethPrivateKey;
  if (!key && env.LIVEPEER_TS_PRIVATE_KEY) {
    const k = privateKey.safeParse(env.LIVEPEER_TS_PRIVATE_KEY.trim());
    if (!k.success) throw new RedeemerConfigError('LIVEPEER_TS_PRIVATE_KEY must be 32 bytes of hex');
    key = k.data;
  }
  if (!key) throw new RedeemerConfigError('the redeemer needs the key that pays for redemptions: pass -ethPrivateKey or set LIVEPEER_TS_PRIVATE_KEY');
  const secretEnv = env[REDEEMER_SECRET_ENV]?.trim();
  const redeemerSecret = c.redeemerSecret ?? (secretEnv ? secretEnv : undefined);
  if (redeemerSecret !== undefined && redeemerSecret.length < 16) throw new RedeemerConfigError(`${REDEEMER_SECRET_ENV} must be at least 16 characters`);
  const host = /^\[?([^\]]*)\]?:\d+$/.exec(c.httpAddr)?.[1] ?? c.httpAddr;
  if (!isLoopback(host) && redeemerSecret === undefined) {
    throw new RedeemerConfigError(
      `-httpAddr ${c.httpAddr} is not a loopback address: a redeemer there would spend its key's gas for anyone who connects; set -redeemerSecret (or ${REDEEMER_SECRET_ENV}) and give the orchestrators the same secret`,
    );
  }
  const account = addressOfPrivateKey(hexToBytes(key));
  const recipient = getAddress(c.ethOrchAddr ?? account);
  const ownRecipient = recipient.toLowerCase() === account.toLowerCase();
  return { ...c, redeemerSecret, ethPrivateKey: key, account, recipient, reward: c.reward ?? ownRecipient, dataDir: c.dataDir ?? join(homedir(), '.lpData-ts') };
}
