// `livepeer-ts orchestrator`: an AI orchestrator speaking go-livepeer's protocol (gRPC
// GetOrchestrator + the HTTPS AI routes on one port), with go-livepeer's flag names. Prints ONE
// JSON line {url, address, network} on stdout, then runs until SIGTERM/SIGINT.
import { formatWei } from '../money/index.js';
import { startOrchestrator, OrchestratorError } from '../nodes/orchestrator/index.js';
import { AiModelsConfigError } from '../market/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import { AI_SERVICE_REGISTRY_FLAG, aiServiceRegistryFlagSpec, bareFlagAsTrue, parseAiServiceRegistryFlag } from './registry-flag.js';
import type { Command } from './main.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';

const specs = {
  serviceAddr: { kind: 'string', description: 'host:port to bind and advertise as https://host:port', default: '127.0.0.1:8935' },
  dataDir: { kind: 'string', description: 'data directory (TLS certificate, session secrets); default ~/.lpData-ts' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  aiModels: { kind: 'string', description: 'aiModels.json path, inline JSON, or pipeline:model_id:warm[,...]' },
  network: { kind: 'string', description: '"offchain" (no payments) or a network name with -ethUrl/-ethController', default: 'offchain' },
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL' },
  ethController: { kind: 'string', description: 'Livepeer Controller address (the other contracts are resolved from it)' },
  ethPrivateKey: { kind: 'string', description: 'orchestrator key (hex); prefer env LIVEPEER_TS_PRIVATE_KEY' },
  ticketEV: { kind: 'bigint', description: 'expected value of one ticket, wei', default: 8_000_000_000n },
  maxFaceValue: { kind: 'bigint', description: 'cap on ticket face value, wei (0 = none)', default: 0n },
  txCostMultiplier: { kind: 'bigint', description: 'face value = redemption tx cost × this', default: 100n },
  redeemGas: { kind: 'bigint', description: 'gas of one redemption (1200000 on Arbitrum One)', default: 350_000n },
  pricePerUnit: { kind: 'string', description: 'base price, wei per pixelsPerUnit units (default for aiModels entries without a price)' },
  pixelsPerUnit: { kind: 'string', description: 'units the base price covers', default: '1' },
  maxSessions: { kind: 'string', description: 'concurrent transcoding sessions, or "auto" (go-livepeer; this node transcodes nothing: AI jobs are limited by aiModels capacity)', default: '10' },
  autoAdjustPrice: { kind: 'boolean', description: 'raise quoted prices by the ticket redemption overhead, 1 + 1/txCostMultiplier (on chain; -autoAdjustPrice=false to disable)', default: true },
  initializeRound: { kind: 'boolean', description: 'initialise new rounds when this node sees them (needed to redeem on a quiet chain)' },
  reward: { kind: 'boolean', description: 'call reward() once per round while an active transcoder (-reward=false to stop)', default: true },
  aiServiceRegistry: aiServiceRegistryFlagSpec,
  maxBodyBytes: { kind: 'number', description: 'largest request body of a multipart AI route, bytes (JSON routes: at most 4 MiB); larger bodies get 413 before payment', default: 64 * 1024 * 1024 },
  bodyIdleTimeoutMs: { kind: 'number', description: 'an HTTP/2 request body idle this long (ms) is answered 408 (slowloris)', default: 30_000 },
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
    let resolveStop: () => void = () => {};
    const stopped = new Promise<void>((r) => (resolveStop = r));
    process.once('SIGTERM', resolveStop);
    process.once('SIGINT', resolveStop);
    try {
      let orch;
      try {
        orch = await startOrchestrator({
          serviceAddr: flags.serviceAddr ?? '127.0.0.1:8935',
          ...((flags.dataDir ?? flags.datadir) ? { dataDir: flags.dataDir ?? flags.datadir } : {}),
          aiModels: flags.aiModels,
          network: flags.network ?? 'offchain',
          ...(flags.ethUrl ? { ethUrl: flags.ethUrl } : {}),
          ...(flags.ethController ? { ethController: flags.ethController } : {}),
          ...(flags.ethPrivateKey ? { ethPrivateKey: flags.ethPrivateKey } : {}),
          ticketEV: flags.ticketEV ?? 8_000_000_000n,
          maxFaceValue: flags.maxFaceValue ?? 0n,
          txCostMultiplier: flags.txCostMultiplier ?? 100n,
          redeemGas: flags.redeemGas ?? 350_000n,
          ...(flags.pricePerUnit !== undefined ? { pricePerUnit: flags.pricePerUnit, pixelsPerUnit: flags.pixelsPerUnit ?? '1' } : {}),
          maxSessions,
          maxBodyBytes: flags.maxBodyBytes ?? 64 * 1024 * 1024,
          bodyIdleTimeoutMs: flags.bodyIdleTimeoutMs ?? 30_000,
          autoAdjustPrice: flags.autoAdjustPrice,
          initializeRound: flags.initializeRound,
          reward: flags.reward,
          ...(aiServiceRegistry !== undefined ? { aiServiceRegistry } : {}),
          ...(flags.orchSecret ? { orchSecret: flags.orchSecret } : {}),
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
      process.off('SIGTERM', resolveStop);
      process.off('SIGINT', resolveStop);
    }
  },
};
