// `livepeer-ts signer` (go-livepeer `livepeer -remoteSigner`): the remote signer. Holds the
// gateway-side ETH key and signs PM tickets for off-chain gateways over HTTP (POST
// /sign-orchestrator-info, POST /generate-live-payment, GET /discover-orchestrators with
// -remoteDiscovery, GET /metrics). Prints ONE JSON line {url, address, tls} on stdout, then runs
// until SIGTERM/SIGINT, which close it cleanly.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { zeroAddress } from 'viem';
import { ChainPoolSource, SelectionConfigError, parsePriceLimits, type DiscoverySource, type PriceLimits } from '../market/index.js';
import { DEFAULT_SIGNER_HTTP_ADDR, SignerNodeError, resolveSignerNodeConfig, startSignerNode, type SignerNodeConfigInput, type SignerNodeHandle } from '../nodes/signer/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import { storeFlags } from './store-flags.js';
import type { Command } from './main.js';
import { createSignerService, type SignerServiceFlags } from './signer-service.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';
import { stopSignal } from './stop-signal.js';

const PRIVATE_KEY_ENV = 'LIVEPEER_TS_PRIVATE_KEY';

const specs = {
  httpAddr: { kind: 'string', description: 'host:port to listen on (":8935" = 127.0.0.1:8935; port 0 = any free port); off loopback it needs -authToken or -remoteSignerWebhookUrl', default: DEFAULT_SIGNER_HTTP_ADDR },
  authToken: { kind: 'string', description: 'bearer token every caller must send (Authorization: Bearer <token>); ours, go-livepeer\'s signer has none' },
  remoteSignerWebhookUrl: { kind: 'string', description: 'auth webhook called on /generate-live-payment (POST {headers, state}, 5 s timeout)' },
  remoteSignerWebhookHeaders: { kind: 'string', description: 'headers for the webhook requests, "header:val,header2:val2"' },
  remoteSignerAllowNoAuth: { kind: 'boolean', description: 'UNSAFE: listen on a public -httpAddr with neither -authToken nor a webhook' },
  remoteDiscovery: { kind: 'boolean', description: 'serve GET /discover-orchestrators from -orchWebhookUrl or -orchAddr' },
  orchAddr: { kind: 'string', description: 'orchestrators listed by /discover-orchestrators (comma-separated URLs or host:port)' },
  orchWebhookUrl: { kind: 'string', description: 'discovery webhook listing orchestrators for /discover-orchestrators (takes precedence over -orchAddr, as go-livepeer)' },
  orchBlocklist: { kind: 'string', description: 'comma-separated orchestrator ETH addresses never listed' },
  liveAICapReportInterval: { kind: 'string', description: 'how often /discover-orchestrators asks the orchestrators again (Go duration: 25m, 30s; ≤ 0 → 1m)', default: '25m' },
  tlsCert: { kind: 'string', description: 'TLS certificate (PEM file) to serve https; with -tlsKey (default: plain HTTP, as go-livepeer)' },
  tlsKey: { kind: 'string', description: 'TLS private key (PEM file) for -tlsCert' },
  network: { kind: 'string', description: 'on-chain network name (go-livepeer: a signer needs a chain; "offchain" is refused)', default: 'onchain' },
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL' },
  ethController: { kind: 'string', description: 'protocol Controller address (the other contracts are resolved from it)' },
  ethPrivateKey: { kind: 'string', description: `the signer's key, 0x hex (prefer env ${PRIVATE_KEY_ENV}; never logged)` },
  dataDir: { kind: 'string', description: 'data directory: the replay store (SQLite) lives here (default ~/.lpData-ts)' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  storeUrl: { kind: 'string', description: 'PostgreSQL URL for the replay store, shared by several signer replicas (default: SQLite in -dataDir)' },
  storeDurability: { kind: 'string', description: 'full: an issued state\'s sequence number survives a power loss (fsync per commit); normal: a process crash only', default: 'full' },
  maxPricePerUnit: { kind: 'string', description: 'max wei per -pixelsPerUnit units; 0 = accept any price', default: '0' },
  pixelsPerUnit: { kind: 'string', description: 'units the max price is for', default: '1' },
  maxPricePerCapability: { kind: 'string', description: 'JSON or a file: {"capabilities_prices":[{"pipeline","model_id","price_per_unit","pixels_per_unit"}]}' },
  maxTicketEV: { kind: 'bigint', description: 'max EV of one ticket, wei', default: 3_000_000_000_000n },
  maxTotalEV: { kind: 'bigint', description: 'max EV of one payment, wei', default: 20_000_000_000_000n },
  depositMultiplier: { kind: 'bigint', description: 'max face value = deposit / depositMultiplier', default: 1n },
  statelessSigner: { kind: 'boolean', description: 'go-livepeer\'s exact behaviour: no replay store, a replayed state is accepted (default: refused with 409)' },
  maxSpendPerSession: { kind: 'bigint', description: 'EV one session may be signed in all, wei (0 = no cap)', default: 0n },
  maxSpendPerAuthId: { kind: 'bigint', description: 'EV one auth id may be signed within -maxSpendAuthIdWindow, wei (0 = no cap)', default: 0n },
  maxSpendAuthIdWindow: { kind: 'string', description: 'the window of -maxSpendPerAuthId (Go duration)', default: '24h' },
  maxSpendTotal: { kind: 'bigint', description: 'EV this signer may sign in all, wei (0 = no cap)', default: 0n },
  v: { kind: 'string', description: 'glog verbosity: 3 info, 5 debug, 6 trace (or a level name: warn, error, silent, ...)', default: DEFAULT_VERBOSITY },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Run a remote signer (go-livepeer -remoteSigner): signs PM tickets for off-chain gateways over HTTP; prints one JSON line, then runs until killed.';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("25m", "1h30m", "500ms", "0"), in ms. */
export function parseGoDurationMs(flag: string, text: string): number {
  const t = text.trim();
  if (t === '0' || t === '-0') return 0;
  const m = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(t);
  if (!m) throw new UsageError(`-${flag} takes a duration such as 25m, 30s or 1h30m, got "${text}"`);
  let ms = 0;
  for (const p of t.replace(/^[+-]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(p[1]) * UNIT_MS[p[2]!]!;
  return m[1] === '-' ? -ms : ms;
}

function hexKey(raw: string | undefined): `0x${string}` {
  if (raw === undefined) throw new UsageError(`the signer needs its key: -ethPrivateKey or env ${PRIVATE_KEY_ENV}`);
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(raw.trim())) throw new UsageError(`-ethPrivateKey (or ${PRIVATE_KEY_ENV}) must be 32 bytes of hex`);
  return `0x${raw.trim().replace(/^0x/, '')}`;
}

const capOrNone = (v: bigint | undefined): bigint | undefined => (v === undefined || v === 0n ? undefined : v);

export const signerCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('signer -ethUrl <url> -ethController <addr> [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const network = flags.network ?? 'onchain';
    // go-livepeer: a remote signer needs an on-chain -network; offchain exits.
    if (network === 'offchain') throw new UsageError('-network offchain: a remote signer signs tickets against a deposit on chain; give an on-chain network with -ethUrl');
    if (flags.tlsKey !== undefined && flags.tlsCert === undefined) throw new UsageError('-tlsKey needs -tlsCert');
    const capIntervalMs = parseGoDurationMs('liveAICapReportInterval', flags.liveAICapReportInterval ?? '25m');
    const nodeInput: SignerNodeConfigInput = {
      httpAddr: flags.httpAddr ?? DEFAULT_SIGNER_HTTP_ADDR,
      ...(flags.authToken !== undefined ? { authToken: flags.authToken } : {}),
      ...(flags.remoteSignerWebhookUrl ? { remoteSignerWebhookUrl: flags.remoteSignerWebhookUrl } : {}),
      ...(flags.remoteSignerWebhookHeaders ? { remoteSignerWebhookHeaders: flags.remoteSignerWebhookHeaders } : {}),
      remoteSignerAllowNoAuth: flags.remoteSignerAllowNoAuth,
      remoteDiscovery: flags.remoteDiscovery,
      // ≤ 0 → go-livepeer's 1 min fallback (resolveSignerNodeConfig).
      liveAICapReportIntervalMs: Math.round(capIntervalMs),
      ...(flags.tlsCert !== undefined ? { tlsCert: flags.tlsCert } : {}),
      ...(flags.tlsKey !== undefined ? { tlsKey: flags.tlsKey } : {}),
    };
    let priceLimits: PriceLimits;
    try {
      // Fail closed before anything else: a public bind without auth never gets as far as the key.
      resolveSignerNodeConfig(nodeInput);
      priceLimits = parsePriceLimits({
        maxPricePerUnit: flags.maxPricePerUnit ?? '0',
        pixelsPerUnit: flags.pixelsPerUnit ?? '1',
        ...(flags.maxPricePerCapability ? { maxPricePerCapability: flags.maxPricePerCapability } : {}),
      });
    } catch (err) {
      if (err instanceof SignerNodeError || err instanceof SelectionConfigError) {
        console.error(`livepeer-ts signer: ${err.message}`);
        return 1;
      }
      throw err;
    }
    if (!flags.ethUrl) throw new UsageError('-ethUrl is required (the Ethereum JSON-RPC URL the signer reads deposits and rounds from)');
    if (flags.ethController !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(flags.ethController)) throw new UsageError('-ethController must be a 0x address');
    if ((flags.depositMultiplier ?? 1n) < 1n) throw new UsageError('-depositMultiplier must be ≥ 1');
    const serviceFlags: SignerServiceFlags = {
      network,
      ethUrl: flags.ethUrl,
      ethController: flags.ethController as `0x${string}` | undefined,
      privateKey: hexKey(flags.ethPrivateKey ?? (process.env[PRIVATE_KEY_ENV] || undefined)),
      dataDir: flags.dataDir ?? flags.datadir ?? join(homedir(), '.lpData-ts'),
      storeUrl: flags.storeUrl,
      storeDurability: storeFlags(flags).storeDurability,
      priceLimits,
      maxTicketEV: flags.maxTicketEV ?? 3_000_000_000_000n,
      maxTotalEV: flags.maxTotalEV ?? 20_000_000_000_000n,
      depositMultiplier: flags.depositMultiplier ?? 1n,
      statelessSigner: flags.statelessSigner,
      maxSpendPerSession: capOrNone(flags.maxSpendPerSession),
      maxSpendPerAuthId: capOrNone(flags.maxSpendPerAuthId),
      maxSpendAuthIdWindowMs: parseGoDurationMs('maxSpendAuthIdWindow', flags.maxSpendAuthIdWindow ?? '24h'),
      maxSpendTotal: capOrNone(flags.maxSpendTotal),
    };
    let chainSource: DiscoverySource | undefined;
    const { stopped, dispose: disposeStop } = stopSignal();
    try {
      let node: SignerNodeHandle;
      try {
        node = await startSignerNode({
          ...nodeInput,
          ...(flags.orchAddr ? { orchAddr: flags.orchAddr } : {}),
          ...(flags.orchWebhookUrl ? { orchWebhookUrl: flags.orchWebhookUrl } : {}),
          ...(flags.orchBlocklist ? { orchBlocklist: flags.orchBlocklist } : {}),
          priceLimits,
          logLevel: verbosityToLevel(flags.v ?? DEFAULT_VERBOSITY),
          service: (seams) =>
            createSignerService(serviceFlags, seams, (chain) => {
              // -remoteDiscovery without -orchAddr / -orchWebhookUrl lists the on-chain pool, as go-livepeer.
              if (chain.contracts.BondingManager !== zeroAddress) {
                chainSource = new ChainPoolSource({
                  publicClient: chain.publicClient,
                  bondingManager: chain.contracts.BondingManager,
                  serviceRegistry: chain.contracts.ServiceRegistry,
                  aiServiceRegistry: chain.contracts.AIServiceRegistry,
                });
              }
            }),
          chainSource: () => chainSource,
        });
      } catch (err) {
        if (!(err instanceof SignerNodeError)) throw err;
        console.error(`livepeer-ts signer: ${err.message}`);
        return 1;
      }
      try {
        process.stdout.write(`${JSON.stringify({ url: node.url, address: node.address, tls: node.tls })}\n`);
        await stopped;
      } finally {
        await node.close();
      }
    } finally {
      disposeStop();
    }
    return 0;
  },
};
