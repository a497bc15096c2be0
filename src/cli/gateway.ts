// `livepeer-ts gateway`: the AI gateway node (go-livepeer -gateway). Serves the client AI API on
// -httpAddr, discovers orchestrators from -orchAddr, pays them with PM tickets (on-chain) and
// forwards jobs. Prints ONE JSON line {url, address, offchain} on stdout, then runs until killed.
import { DEFAULT_HTTP_ADDR, GatewayConfigError, PRIVATE_KEY_ENV, startGateway, type GatewayHandle } from '../nodes/gateway/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './main.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';

const specs = {
  httpAddr: { kind: 'string', description: 'host:port of the client API (non-loopback needs -authToken)', default: DEFAULT_HTTP_ADDR },
  orchAddr: { kind: 'string', description: 'comma-separated orchestrator URLs or host:port (https; bare host → :8935)' },
  network: { kind: 'string', description: '"offchain" (no payments) or an on-chain network name (default: offchain without -ethUrl)' },
  ethUrl: { kind: 'string', description: 'Ethereum JSON-RPC URL' },
  ethController: { kind: 'string', description: 'protocol Controller address (the other contracts are resolved from it)' },
  ethPrivateKey: { kind: 'string', description: `gateway key, 0x hex (prefer env ${PRIVATE_KEY_ENV}; never logged)` },
  maxPricePerUnit: { kind: 'string', description: 'max wei per -pixelsPerUnit units; 0 = accept any price', default: '0' },
  pixelsPerUnit: { kind: 'string', description: 'units the max price is for', default: '1' },
  maxPricePerCapability: { kind: 'string', description: 'JSON or a file: {"capabilities_prices":[{"pipeline","model_id","price_per_unit","pixels_per_unit"}]}' },
  maxTicketEV: { kind: 'string', description: 'max EV of one ticket, wei', default: '3000000000000' },
  maxTotalEV: { kind: 'string', description: 'max EV of one payment, wei', default: '20000000000000' },
  depositMultiplier: { kind: 'string', description: 'max face value = deposit / depositMultiplier', default: '1' },
  authToken: { kind: 'string', description: 'bearer token clients must send (required for a non-loopback -httpAddr)' },
  maxAttempts: { kind: 'number', description: 'orchestrators tried per job', default: 4 },
  dataDir: { kind: 'string', description: 'data directory: the credit view survives restarts (default ~/.lpData-ts; "none" = memory only)' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  v: { kind: 'string', description: 'glog verbosity: 3 info, 5 debug, 6 trace (or a level name: warn, error, silent, ...)', default: DEFAULT_VERBOSITY },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

/** -dataDir: absent → ~/.lpData-ts; "none" → in memory only. */
function dataDirFlag(v: string | undefined): string | undefined {
  if (v === 'none') return undefined;
  return v ?? join(homedir(), '.lpData-ts');
}

const summary = 'Run an AI gateway: client API → orchestrators from -orchAddr, paid with PM tickets (or offchain).';

export const gatewayCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('gateway [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const logLevel = verbosityToLevel(flags.v ?? DEFAULT_VERBOSITY);
    const config = {
      httpAddr: flags.httpAddr ?? DEFAULT_HTTP_ADDR,
      orchAddr: flags.orchAddr ?? '',
      ...(flags.network ? { network: flags.network } : {}),
      ...(flags.ethUrl ? { ethUrl: flags.ethUrl } : {}),
      ...(flags.ethController ? { ethController: flags.ethController } : {}),
      ...(flags.ethPrivateKey ? { ethPrivateKey: flags.ethPrivateKey } : {}),
      maxPricePerUnit: flags.maxPricePerUnit ?? '0',
      pixelsPerUnit: flags.pixelsPerUnit ?? '1',
      ...(flags.maxPricePerCapability ? { maxPricePerCapability: flags.maxPricePerCapability } : {}),
      maxTicketEV: flags.maxTicketEV ?? '3000000000000',
      maxTotalEV: flags.maxTotalEV ?? '20000000000000',
      depositMultiplier: flags.depositMultiplier ?? '1',
      ...(flags.authToken ? { authToken: flags.authToken } : {}),
      // Persisted by default (as go-livepeer's -datadir), so a restart strands no credit.
      ...(dataDirFlag(flags.dataDir ?? flags.datadir) ? { dataDir: dataDirFlag(flags.dataDir ?? flags.datadir) } : {}),
      maxAttempts: flags.maxAttempts ?? 4,
      logLevel,
    };
    let resolveStop: () => void = () => {};
    const stopped = new Promise<void>((r) => (resolveStop = r));
    process.once('SIGTERM', resolveStop);
    process.once('SIGINT', resolveStop);
    try {
      let gw: GatewayHandle;
      try {
        gw = await startGateway(config);
      } catch (err) {
        if (!(err instanceof GatewayConfigError)) throw err;
        console.error(`livepeer-ts gateway: ${err.message}`);
        return 1;
      }
      try {
        process.stdout.write(`${JSON.stringify({ url: gw.url, address: gw.address, offchain: gw.offchain })}\n`);
        await stopped;
      } finally {
        await gw.close();
      }
    } finally {
      process.off('SIGTERM', resolveStop);
      process.off('SIGINT', resolveStop);
    }
    return 0;
  },
};
