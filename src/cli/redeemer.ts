// `livepeer-ts redeemer` (go-livepeer `livepeer -redeemer`): the ticket redemption service. It holds
// the key that pays for redemptions and the queue; orchestrators started with -redeemerAddr hand
// it their winning tickets over gRPC (net.TicketRedeemer) and follow max float from it. Prints ONE
// JSON line {addr, url, recipient, account} on stdout, then runs until SIGTERM/SIGINT.
import { formatWei } from '../money/index.js';
import { RedeemerError, startRedeemer } from '../nodes/redeemer/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';
import { storeFlags, storeFlagSpecs } from './store-flags.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';
import { stopSignal } from './stop-signal.js';

const specs = {
  httpAddr: { kind: 'string', description: 'host:port to listen on for orchestrators (go-livepeer\'s -httpAddr of a -redeemer node; port 0 = any free port)', default: '127.0.0.1:8935' },
  redeemerAddr: { kind: 'string', description: 'the same listen address under the orchestrators\' flag name (give one of -httpAddr, -redeemerAddr)' },
  dataDir: { kind: 'string', description: 'data directory (TLS certificate, the SQLite winning-ticket store livepeer-ts.sqlite); default ~/.lpData-ts' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  ...storeFlagSpecs,
  network: { kind: 'string', description: 'network name (go-livepeer -network); "offchain" is refused: there is nothing to redeem' },
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL' },
  ethController: { kind: 'string', description: 'Livepeer Controller address (the other contracts are resolved from it)' },
  ethPrivateKey: { kind: 'string', description: 'the key that pays for redemptions (hex); prefer env LIVEPEER_TS_PRIVATE_KEY' },
  ethOrchAddr: { kind: 'string', description: 'the orchestrator whose tickets are redeemed: the ticket recipient (default: the key\'s address)' },
  initializeRound: { kind: 'boolean', description: 'initialise new rounds when this node sees them (needed to redeem on a quiet chain)' },
  reward: { kind: 'boolean', description: 'call reward() for the key\'s account once per round while it is active (default: on when the key is the recipient\'s)' },
  maxGasPrice: { kind: 'bigint', description: 'gas price cap, wei (0 = none): no redemption is sent above it (the tickets wait)', default: 0n },
  redeemCostMultiplier: { kind: 'bigint', description: 'redeem a winning ticket while it pays more than its gas cost × this (in its last round: more than its gas cost)', default: 1n },
  redeemBatchSize: { kind: 'number', description: 'winning tickets per redemption transaction (batchRedeemWinningTickets)', default: 20 },
  redeemMaxInFlight: { kind: 'number', description: 'redemption transactions in flight at once (managed nonces)', default: 8 },
  redeemerSecret: { kind: 'string', description: 'shared secret orchestrators must present (required off loopback); prefer env LIVEPEER_TS_REDEEMER_SECRET' },
  maxSubscribers: { kind: 'number', description: 'open MonitorMaxFloat streams in all; the oldest is ended to make room', default: 1024 },
  v: { kind: 'string', description: 'glog verbosity: 3 info, 5 debug, 6 trace (or a level name: warn, error, silent, ...)', default: DEFAULT_VERBOSITY },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Run the ticket redemption service (gRPC net.TicketRedeemer); prints one JSON line, then runs until killed.';

/** Whether a boolean flag was given at all (-reward unset keeps the config's default). */
function given(argv: readonly string[], name: string): boolean {
  return argv.some((a) => new RegExp(`^--?${name}(=|$)`).test(a));
}

export const redeemerCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('redeemer -ethUrl <url> -ethController <addr> [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    if (!flags.ethUrl) throw new UsageError('-ethUrl is required (the Ethereum JSON-RPC URL the redeemer sends redemptions to)');
    if (flags.redeemerAddr && given(argv, 'httpAddr') && flags.redeemerAddr !== flags.httpAddr) {
      throw new UsageError('-httpAddr and -redeemerAddr both name the listen address: give one');
    }
    const httpAddr = flags.redeemerAddr ?? flags.httpAddr ?? '127.0.0.1:8935';
    const logLevel = verbosityToLevel(flags.v ?? DEFAULT_VERBOSITY);
    const { stopped, dispose: disposeStop } = stopSignal();
    try {
      let r;
      try {
        r = await startRedeemer({
          httpAddr,
          ...((flags.dataDir ?? flags.datadir) ? { dataDir: flags.dataDir ?? flags.datadir } : {}),
          ...storeFlags(flags),
          ...(flags.network ? { network: flags.network } : {}),
          ethUrl: flags.ethUrl,
          ...(flags.ethController ? { ethController: flags.ethController } : {}),
          ...(flags.ethPrivateKey ? { ethPrivateKey: flags.ethPrivateKey } : {}),
          ...(flags.ethOrchAddr ? { ethOrchAddr: flags.ethOrchAddr } : {}),
          initializeRound: flags.initializeRound,
          ...(given(argv, 'reward') ? { reward: flags.reward } : {}),
          maxGasPrice: flags.maxGasPrice ?? 0n,
          redeemCostMultiplier: flags.redeemCostMultiplier ?? 1n,
          redeemBatchSize: flags.redeemBatchSize ?? 20,
          redeemMaxInFlight: flags.redeemMaxInFlight ?? 8,
          maxSubscribers: flags.maxSubscribers ?? 1024,
          ...(flags.redeemerSecret ? { redeemerSecret: flags.redeemerSecret } : {}),
          logLevel,
        });
      } catch (err) {
        if (err instanceof RedeemerError) {
          console.error(`livepeer-ts redeemer: ${err.message}`);
          return 1;
        }
        throw err;
      }
      process.stdout.write(`${JSON.stringify({ addr: r.addr, url: r.url, recipient: r.recipient, account: r.account })}\n`);
      await stopped;
      const s = r.stats();
      console.error(`redeemer: ${s.queued} tickets queued, redeemed ${s.redeemed.count} (${formatWei(s.redeemed.faceValue)}), dropped ${s.dropped}, expired ${s.expired}, ${r.sizes().pendingRedemptions} pending`);
      await r.close();
      return 0;
    } finally {
      disposeStop();
    }
  },
};
