// startGateway: the composition root of the gateway node — config, chain adapters and pm Sender
// (on-chain), discovery sessions, payments, the forwarder and the client HTTP API.
import { pino, type Logger } from 'pino';
import type { Address, PublicClient } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { Sender, localTicketSigner } from '../../pm/index.js';
import type { OrchestratorClient } from '../../wire/index.js';
import { createOrchestratorClient } from '../../wire/index.js';
import { connectChain, type ChainAdapters } from '../common/index.js';
import { maxPriceFor, resolveGatewayConfig, type GatewayConfigInput, type ResolvedGatewayConfig } from './config.js';
import { GatewayConfigError } from './errors.js';
import { Forwarder } from './forward.js';
import { buildClientApi } from './http.js';
import { CreditFile, CreditLedger } from '../../billing/index.js';
import { TicketPaymentSender } from './payment.js';
import { JobRunner } from './run.js';
import { SessionPool, firstAcceptableSelector, type Selector, type SessionPoolSizes } from './sessions.js';
import { StatsRecorder, type GatewayStats } from './stats.js';

export interface StartGatewayOptions extends GatewayConfigInput {
  /** Which acceptable orchestrator a job goes to (default: the first in -orchAddr order). */
  selector?: Selector;
  /** Use this viem client instead of creating one from ethUrl (in-process composition, tests). */
  publicClient?: PublicClient;
}

export interface GatewaySizes extends SessionPoolSizes {
  /** Sessions the pm Sender holds (0 offchain). */
  senderSessions: number;
  /** (recipient, orchestrator, manifest) credit entries. */
  credit: number;
  orchestratorClients: number;
  /** HTTP/2 connections to orchestrators' job APIs (closed when idle). */
  forwarderConnections: number;
}

export interface GatewayHandle {
  /** Base URL of the client API, e.g. http://127.0.0.1:9935 */
  url: string;
  /** The address that signs tickets and requests (an ephemeral key offchain when none is given). */
  address: Address;
  offchain: boolean;
  config: Readonly<Omit<ResolvedGatewayConfig, 'privateKey' | 'authToken'>>;
  stats(): GatewayStats;
  /** Sizes of the long-lived maps (each has an eviction rule), for stats and soak checks. */
  sizes(): GatewaySizes;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<GatewayHandle> {
  const { selector, publicClient, logger, ...input } = opts;
  const cfg = resolveGatewayConfig({ ...input, ...(logger ? { logger } : {}) });
  const log: Logger =
    logger ??
    // Logs go to stderr: stdout belongs to the CLI's machine-readable line.
    pino({ name: 'gateway', level: cfg.logLevel, redact: { paths: ['ethPrivateKey', 'privateKey', 'authToken', '*.ethPrivateKey'], censor: '[redacted]' } }, pino.destination(2));
  if (cfg.orchestrators.length === 0) log.warn('no -orchAddr given: every job will answer 503 until orchestrators are configured');

  const signer = localTicketSigner(cfg.privateKey ?? generatePrivateKey());
  let chain: ChainAdapters | undefined;
  let sender: Sender | undefined;
  if (!cfg.offchain) {
    try {
      chain = await connectChain({
        ...(publicClient ? { publicClient } : { rpcUrl: cfg.ethUrl }),
        controller: cfg.ethController,
        pollMs: cfg.chainPollMs,
        onError: (err) => log.warn({ err: err.message }, 'chain poll failed'),
      });
    } catch (err) {
      throw new GatewayConfigError(`cannot start on-chain: ${(err as Error).message}`, { cause: err });
    }
    sender = new Sender({
      signer,
      chain: chain.view,
      senders: chain.senders,
      maxEV: cfg.maxTicketEV,
      maxTotalEV: cfg.maxTotalEV,
      depositMultiplier: cfg.depositMultiplier,
    });
  }

  const stats = new StatsRecorder();
  const clients = new Map<string, OrchestratorClient>();
  const clientFor = (url: string): OrchestratorClient => {
    let c = clients.get(url);
    if (!c) {
      c = createOrchestratorClient(url, { connectTimeoutMs: cfg.connectTimeoutMs, callTimeoutMs: cfg.discoveryTimeoutMs });
      clients.set(url, c);
    }
    return c;
  };
  const pool = new SessionPool({
    orchestrators: cfg.orchestrators,
    client: clientFor,
    signer,
    sender,
    chain: chain?.view,
    selector: selector ?? firstAcceptableSelector,
    stats,
    log,
    suspendMs: cfg.suspendMs,
    suspendBaseMs: cfg.suspendBaseMs,
    discoveryTimeoutMs: cfg.discoveryTimeoutMs,
  });
  // The credit view outlives the process when there is a data dir (a restart strands nothing).
  const creditFile = cfg.dataDir && sender ? new CreditFile(cfg.dataDir, signer.address, { onError: (err) => log.warn({ err: err.message }, 'cannot save the credit view') }) : undefined;
  const credit = new CreditLedger(creditFile ? { onChange: () => creditFile.changed() } : {});
  creditFile?.attach(credit);
  const payer = new TicketPaymentSender({ signer, sender, credit });
  const forwarder = new Forwarder({ connectTimeoutMs: cfg.connectTimeoutMs, requestTimeoutMs: cfg.requestTimeoutMs });
  const runner = new JobRunner({
    pool,
    payer,
    forwarder,
    stats,
    log,
    maxAttempts: cfg.maxAttempts,
    capacityWaits: cfg.capacityWaits,
    capacityWaitMs: cfg.capacityWaitMs,
    maxPriceFor: (pipeline, modelId) => maxPriceFor(cfg, pipeline, modelId),
  });
  const app = await buildClientApi({ runner, log, authToken: cfg.authToken, bodyLimitBytes: cfg.bodyLimitBytes });
  const sweep = setInterval(() => credit.sweep(), 60_000);
  sweep.unref();

  const cleanup = (): void => {
    clearInterval(sweep);
    creditFile?.flush();
    forwarder.close();
    for (const c of clients.values()) c.close();
    chain?.close();
  };
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    cleanup();
    await app.close().catch(() => {});
    throw new GatewayConfigError(`cannot listen on ${cfg.host}:${cfg.port}: ${(err as Error).message}`, { cause: err });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host === '0.0.0.0' ? '127.0.0.1' : cfg.host;
  const url = `http://${host}:${port}`;
  log.info({ url, address: signer.address, offchain: cfg.offchain, orchestrators: cfg.orchestrators }, 'gateway listening');

  const { privateKey: _pk, authToken: _tok, ...publicCfg } = cfg;
  let closed: Promise<void> | undefined;
  return {
    url,
    address: signer.address,
    offchain: cfg.offchain,
    config: { ...publicCfg, port },
    stats: () => stats.snapshot(),
    sizes: () => ({ ...pool.sizes(), senderSessions: sender?.sessionCount ?? 0, credit: credit.size, orchestratorClients: clients.size, forwarderConnections: forwarder.sessionCount }),
    close: () => {
      closed ??= (async () => {
        await app.close();
        cleanup();
      })();
      return closed;
    },
  };
}
