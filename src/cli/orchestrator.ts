// `livepeer-ts orchestrator`: an AI orchestrator speaking go-livepeer's protocol (gRPC
// GetOrchestrator + the HTTPS AI routes on one port), with go-livepeer's flag names. Prints ONE
// JSON line {url, address, network} on stdout, then runs until SIGTERM/SIGINT.
import { formatWei } from '../money/index.js';
import { startOrchestrator, OrchestratorError } from '../nodes/orchestrator/index.js';
import { AiModelsConfigError } from '../market/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import { AI_SERVICE_REGISTRY_FLAG, aiServiceRegistryFlagSpec, bareFlagAsTrue, parseAiServiceRegistryFlag } from './registry-flag.js';
import type { Command } from './main.js';
import { storeFlags, storeFlagSpecs } from './store-flags.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';
import { stopSignal } from './stop-signal.js';

const specs = {
  serviceAddr: { kind: 'string', description: 'host:port to bind and advertise as https://host:port', default: '127.0.0.1:8935' },
  dataDir: { kind: 'string', description: 'data directory (TLS certificate, session secrets, the SQLite winning-ticket store livepeer-ts.sqlite); default ~/.lpData-ts' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  ...storeFlagSpecs,
  aiModels: { kind: 'string', description: 'aiModels.json path, inline JSON, or pipeline:model_id:warm[,...]' },
  network: { kind: 'string', description: '"offchain" (no payments) or a network name with -ethUrl/-ethController', default: 'offchain' },
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL' },
  ethController: { kind: 'string', description: 'Livepeer Controller address (the other contracts are resolved from it)' },
  ethPrivateKey: { kind: 'string', description: 'orchestrator key (hex); prefer env LIVEPEER_TS_PRIVATE_KEY' },
  ethOrchAddr: { kind: 'string', description: 'ETH address of the on-chain orchestrator: the ticket recipient (default: the key\'s address)' },
  redeemerSecret: { kind: 'string', description: 'the redeemer\'s shared secret, sent on every call (prefer env LIVEPEER_TS_REDEEMER_SECRET)' },
  redeemerAddr: { kind: 'string', description: 'host:port of the ticket redemption service (livepeer-ts redeemer): winning tickets and max float go through it; no key needed with -ethOrchAddr' },
  ticketEV: { kind: 'bigint', description: 'expected value of one ticket, wei', default: 8_000_000_000n },
  maxFaceValue: { kind: 'bigint', description: 'cap on ticket face value, wei (0 = none)', default: 0n },
  txCostMultiplier: { kind: 'bigint', description: 'face value = redemption tx cost × this', default: 100n },
  redeemGas: { kind: 'bigint', description: 'gas of one redemption (1200000 on Arbitrum One)', default: 350_000n },
  maxGasPrice: { kind: 'bigint', description: 'gas price cap, wei (0 = none): tickets are priced at most at it, and no redemption is sent above it (the tickets wait)', default: 0n },
  minGasPrice: { kind: 'bigint', description: 'gas price floor tickets are priced with, wei', default: 0n },
  redeemCostMultiplier: { kind: 'bigint', description: 'redeem a winning ticket while it pays more than its gas cost × this (in its last round: more than its gas cost); below, it waits for gas to fall', default: 1n },
  redeemBatchSize: { kind: 'number', description: 'winning tickets per redemption transaction (batchRedeemWinningTickets)', default: 20 },
  redeemMaxInFlight: { kind: 'number', description: 'redemption transactions in flight at once (managed nonces)', default: 8 },
  pricePerUnit: { kind: 'string', description: 'base price, wei per pixelsPerUnit units (default for aiModels entries without a price)' },
  pixelsPerUnit: { kind: 'string', description: 'units the base price covers', default: '1' },
  maxSessions: { kind: 'string', description: 'concurrent transcoding sessions, or "auto" (go-livepeer; this node transcodes nothing: AI jobs are limited by aiModels capacity)', default: '10' },
  autoAdjustPrice: { kind: 'boolean', description: 'raise quoted prices by the ticket redemption overhead, 1 + 1/txCostMultiplier (on chain; -autoAdjustPrice=false to disable)', default: true },
  initializeRound: { kind: 'boolean', description: 'initialise new rounds when this node sees them (needed to redeem on a quiet chain)' },
  reward: { kind: 'boolean', description: 'call reward() once per round while an active transcoder (-reward=false to stop)', default: true },
  aiServiceRegistry: aiServiceRegistryFlagSpec,
  maxBodyBytes: { kind: 'number', description: 'largest request body of a multipart AI route, bytes (JSON routes: at most 4 MiB); larger bodies get 413 before payment', default: 64 * 1024 * 1024 },
  bodyIdleTimeoutMs: { kind: 'number', description: 'a request body idle this long (ms) is answered 408 (slowloris; HTTP/1 and HTTP/2)', default: 30_000 },
  bodyTimeoutMs: { kind: 'number', description: 'a request body not complete this long (ms) after its headers is answered 408', default: 300_000 },
  headersTimeoutMs: { kind: 'number', description: 'HTTP/1: request headers not complete within this (ms) are answered 408', default: 30_000 },
  idleTimeoutMs: { kind: 'number', description: 'an idle connection (HTTP/2 session, HTTP/1 keep-alive) is closed after this (ms)', default: 600_000 },
  maxConcurrentStreams: { kind: 'number', description: 'HTTP/2 concurrent streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS)', default: 250 },
  maxUnpaidRequests: { kind: 'number', description: 'AI requests held before their payment is validated; more are answered 503 with Retry-After', default: 128 },
  livePaymentInterval: { kind: 'string', description: 'how often a live stream\'s time is debited (Go duration, e.g. 5s, 500ms); a stream whose credit cannot cover an interval gets an insufficient_balance event and is stopped', default: '5s' },
  liveAITrickleHostForRunner: { kind: 'string', description: 'host[:port] put in the trickle URLs given to live runners, when they reach this node under another name (a container network)' },
  orchSecret: { kind: 'string', description: 'accepted for compatibility; unused (no remote workers)' },
  v: { kind: 'string', description: 'glog verbosity: 3 info, 5 debug, 6 trace (or a level name: warn, error, silent, ...)', default: DEFAULT_VERBOSITY },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Run an AI orchestrator (gRPC + HTTPS on one port); prints one JSON line, then runs until killed.';

/** go-livepeer: a number > 0 or "auto". */
function maxSessionsOf(raw: string): number | 'auto' {
  if (raw === 'auto') return 'auto';
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError('-maxSessions must be \'auto\' or greater than zero');
  return Number(raw);
}

export const orchestratorCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(bareFlagAsTrue(argv, AI_SERVICE_REGISTRY_FLAG), specs);
    if (flags.help) {
      console.log(usage('orchestrator -aiModels <file|json> [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    if (!flags.aiModels) throw new UsageError('-aiModels is required (a path to aiModels.json, inline JSON, or pipeline:model_id:warm)');
    const aiServiceRegistry = parseAiServiceRegistryFlag(flags.aiServiceRegistry);
    const maxSessions = maxSessionsOf(flags.maxSessions ?? '10');
    const logLevel = verbosityToLevel(flags.v ?? DEFAULT_VERBOSITY);
    const { stopped, dispose: disposeStop } = stopSignal();
    try {
      let orch;
      try {
        orch = await startOrchestrator({
          serviceAddr: flags.serviceAddr ?? '127.0.0.1:8935',
          ...((flags.dataDir ?? flags.datadir) ? { dataDir: flags.dataDir ?? flags.datadir } : {}),
          ...storeFlags(flags),
          aiModels: flags.aiModels,
          network: flags.network ?? 'offchain',
          ...(flags.ethUrl ? { ethUrl: flags.ethUrl } : {}),
          ...(flags.ethController ? { ethController: flags.ethController } : {}),
          ...(flags.ethPrivateKey ? { ethPrivateKey: flags.ethPrivateKey } : {}),
          ...(flags.ethOrchAddr ? { ethOrchAddr: flags.ethOrchAddr } : {}),
          ...(flags.redeemerAddr ? { redeemerAddr: flags.redeemerAddr } : {}),
          ...(flags.redeemerSecret ? { redeemerSecret: flags.redeemerSecret } : {}),
          ticketEV: flags.ticketEV ?? 8_000_000_000n,
          maxFaceValue: flags.maxFaceValue ?? 0n,
          txCostMultiplier: flags.txCostMultiplier ?? 100n,
          redeemGas: flags.redeemGas ?? 350_000n,
          maxGasPrice: flags.maxGasPrice ?? 0n,
          minGasPrice: flags.minGasPrice ?? 0n,
          redeemCostMultiplier: flags.redeemCostMultiplier ?? 1n,
          redeemBatchSize: flags.redeemBatchSize ?? 20,
          redeemMaxInFlight: flags.redeemMaxInFlight ?? 8,
          ...(flags.pricePerUnit !== undefined ? { pricePerUnit: flags.pricePerUnit, pixelsPerUnit: flags.pixelsPerUnit ?? '1' } : {}),
          maxSessions,
          maxBodyBytes: flags.maxBodyBytes ?? 64 * 1024 * 1024,
          bodyIdleTimeoutMs: flags.bodyIdleTimeoutMs ?? 30_000,
          bodyTimeoutMs: flags.bodyTimeoutMs ?? 300_000,
          headersTimeoutMs: flags.headersTimeoutMs ?? 30_000,
          idleTimeoutMs: flags.idleTimeoutMs ?? 600_000,
          maxConcurrentStreams: flags.maxConcurrentStreams ?? 250,
          maxUnpaidRequests: flags.maxUnpaidRequests ?? 128,
          autoAdjustPrice: flags.autoAdjustPrice,
          initializeRound: flags.initializeRound,
          reward: flags.reward,
          ...(aiServiceRegistry !== undefined ? { aiServiceRegistry } : {}),
          ...(flags.orchSecret ? { orchSecret: flags.orchSecret } : {}),
          livePaymentInterval: flags.livePaymentInterval ?? '5s',
          ...(flags.liveAITrickleHostForRunner ? { liveAITrickleHostForRunner: flags.liveAITrickleHostForRunner } : {}),
          logLevel,
        });
      } catch (err) {
        if (err instanceof AiModelsConfigError || err instanceof OrchestratorError) {
          console.error(`livepeer-ts orchestrator: ${err.message}`);
          return 1;
        }
        throw err;
      }
      process.stdout.write(`${JSON.stringify({ url: orch.url, address: orch.address ?? null, network: flags.network ?? 'offchain' })}\n`);
      await stopped;
      const s = orch.stats();
      console.error(
        `orchestrator: ${Object.values(s.jobs).reduce((a, b) => a + b, 0)} jobs, fees debited ${formatWei(s.feesDebited.floor())}, ` +
          `redeemed ${s.redeemed.count} tickets (${formatWei(s.redeemed.faceValue)})`,
      );
      await orch.close();
      return 0;
    } finally {
      disposeStop();
    }
  },
};
