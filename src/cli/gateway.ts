// `livepeer-ts gateway`: the AI gateway node (go-livepeer -gateway). Serves the client AI API on
// -httpAddr, discovers orchestrators from -orchAddr, pays them with PM tickets (on-chain) and
// forwards jobs. Prints ONE JSON line {url, address, offchain} on stdout, then runs until killed.
import { DEFAULT_HTTP_ADDR, GatewayConfigError, PRIVATE_KEY_ENV, SignerClientError, startGateway, type GatewayHandle } from '../nodes/gateway/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from './main.js';
import { DEFAULT_VERBOSITY, verbosityToLevel } from './verbosity.js';
import { selectionFlagSpecs, type SelectionFlagName } from '../market/index.js';
import { gatewayOrchestrators } from './gateway-orchestrators.js';
import { stopSignal } from './stop-signal.js';

const specs = {
  httpAddr: { kind: 'string', description: 'host:port of the client API (non-loopback needs -authToken)', default: DEFAULT_HTTP_ADDR },
  orchAddr: { kind: 'string', description: 'comma-separated orchestrator URLs or host:port (https; bare host → :8935; bad entries are logged and dropped)' },
  orchWebhookUrl: { kind: 'string', description: 'discovery webhook: GET → [{"address":"https://host:port","score":…}], cached 1 min, 3 s timeout' },
  orchBlocklist: { kind: 'string', description: 'comma-separated orchestrator ETH addresses never used' },
  remoteSignerUrl: { kind: 'string', description: 'remote signer: signs tickets and the orchestrator requests (no gateway key needed), lists orchestrators; no scheme → https:// (go-livepeer)' },
  remoteSignerHeaders: { kind: 'string', description: 'headers for the remote signer only, "k:v,k2:v2" (e.g. Authorization:Bearer x)' },
  aiProcessingRetryTimeout: { kind: 'string', description: 'no new attempt (failover) starts once a job has run this long, e.g. 30s', default: '30s' },
  discoveryRefreshMs: { kind: 'number', description: 'read the discovery sources again this often (ms; 0 = only at start)', default: 60_000 },
  ...selectionFlagSpecs,
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
  aiRequestTimeouts: { kind: 'string', description: 'per-pipeline deadline of a job at one orchestrator, e.g. "llm=10m,text-to-image=90s" (defaults by job type: 2–10 min)' },
  pingIntervalMs: { kind: 'number', description: 'HTTP/2 PING to an orchestrator this often (ms) while it runs our jobs (0 = off)', default: 3000 },
  pingTimeoutMs: { kind: 'number', description: 'a PING unanswered this long (ms) drops the connection; its jobs go elsewhere', default: 3000 },
  maxBodyBytes: { kind: 'number', description: 'largest client body of a multipart route, bytes (JSON routes: at most 4 MiB); larger bodies get 413', default: 64 * 1024 * 1024 },
  bodyIdleTimeoutMs: { kind: 'number', description: 'a client body idle this long (ms) is answered 408', default: 30_000 },
  bodyTimeoutMs: { kind: 'number', description: 'a client body not complete this long (ms) after its headers is answered 408', default: 300_000 },
  headersTimeoutMs: { kind: 'number', description: 'request headers not complete within this (ms) are answered 408', default: 30_000 },
  idleTimeoutMs: { kind: 'number', description: 'an idle keep-alive client connection is closed after this (ms)', default: 72_000 },
  maxUnpaidRequests: { kind: 'number', description: 'client requests read and counted at once; more are answered 503 with Retry-After', default: 128 },
  dataDir: { kind: 'string', description: 'data directory: the credit view survives restarts (default ~/.lpData-ts; "none" = memory only)' },
  datadir: { kind: 'string', description: 'go-livepeer\'s spelling of -dataDir' },
  livePaymentInterval: { kind: 'string', description: 'live streams pay at most this often (go-livepeer: 5s)', default: '5s' },
  livePreloadSeconds: { kind: 'number', description: 'seconds of streaming the initial live payment covers (go-livepeer: 60)', default: 60 },
  maxLiveStreams: { kind: 'number', description: 'live streams run at once; more are answered 503', default: 64 },
  v: { kind: 'string', description: 'glog verbosity: 3 info, 5 debug, 6 trace (or a level name: warn, error, silent, ...)', default: DEFAULT_VERBOSITY },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

/** -dataDir: absent → ~/.lpData-ts; "none" → in memory only. */
function dataDirFlag(v: string | undefined): string | undefined {
  if (v === 'none') return undefined;
  return v ?? join(homedir(), '.lpData-ts');
}

const summary =
  'Run an AI gateway: client API → orchestrators from -orchAddr, -orchWebhookUrl or the chain, chosen by stake, price and chance, paid with PM tickets (or offchain). `gateway orchestrators -pipeline P` shows its market.';

export const gatewayCommand: Command = {
  summary,
  async run(argv) {
    if (argv[0] === 'orchestrators') return gatewayOrchestrators(argv.slice(1));
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
      ...(flags.orchWebhookUrl ? { orchWebhookUrl: flags.orchWebhookUrl } : {}),
      ...(flags.orchBlocklist ? { orchBlocklist: flags.orchBlocklist } : {}),
      ...(flags.remoteSignerUrl ? { remoteSignerUrl: flags.remoteSignerUrl } : {}),
      ...(flags.remoteSignerHeaders ? { remoteSignerHeaders: flags.remoteSignerHeaders } : {}),
      aiProcessingRetryTimeout: flags.aiProcessingRetryTimeout ?? '30s',
      discoveryRefreshMs: flags.discoveryRefreshMs ?? 60_000,
      selection: Object.fromEntries(
        (Object.keys(selectionFlagSpecs) as SelectionFlagName[]).flatMap((k) => (flags[k] === undefined ? [] : [[k, flags[k]]])),
      ) as Record<string, number>,
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
      ...(flags.aiRequestTimeouts ? { aiRequestTimeouts: flags.aiRequestTimeouts } : {}),
      pingIntervalMs: flags.pingIntervalMs ?? 3000,
      pingTimeoutMs: flags.pingTimeoutMs ?? 3000,
      maxBodyBytes: flags.maxBodyBytes ?? 64 * 1024 * 1024,
      bodyIdleTimeoutMs: flags.bodyIdleTimeoutMs ?? 30_000,
      bodyTimeoutMs: flags.bodyTimeoutMs ?? 300_000,
      headersTimeoutMs: flags.headersTimeoutMs ?? 30_000,
      idleTimeoutMs: flags.idleTimeoutMs ?? 72_000,
      maxUnpaidRequests: flags.maxUnpaidRequests ?? 128,
      livePaymentInterval: flags.livePaymentInterval ?? '5s',
      livePreloadSeconds: flags.livePreloadSeconds ?? 60,
      maxLiveStreams: flags.maxLiveStreams ?? 64,
      logLevel,
    };
    const { stopped, dispose: disposeStop } = stopSignal();
    try {
      let gw: GatewayHandle;
      try {
        gw = await startGateway(config);
      } catch (err) {
        // A bad config, or a remote signer that cannot be queried at start (GW_SIGNER_START): exit 1.
        if (!(err instanceof GatewayConfigError) && !(err instanceof SignerClientError && err.fatal)) throw err;
        console.error(`livepeer-ts gateway: ${(err as Error).message}`);
        return 1;
      }
      try {
        process.stdout.write(`${JSON.stringify({ url: gw.url, address: gw.address, offchain: gw.offchain })}\n`);
        await stopped;
      } finally {
        await gw.close();
      }
    } finally {
      disposeStop();
    }
    return 0;
  },
};
