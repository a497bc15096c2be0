// startGateway: the composition root of the gateway node — config, chain adapters and pm Sender
// (on-chain), discovery (src/market: -orchAddr, webhook, remote signer, on-chain pool), the session
// cache, the market's selection, payments, the forwarder and the client HTTP API.
import { pino, type Logger } from 'pino';
import { zeroAddress, type Address, type PublicClient } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { Sender, localTicketSigner } from '../../pm/index.js';
import { DEFAULT_MODEL_IDS, isRunnerPipeline } from '../../ai/index.js';
import { ChainPoolSource, Discovery, WebhookSource, isAiPipeline, remoteSignerSource, staticSource, type DiscoverySource, type Rng } from '../../market/index.js';
import type { OrchestratorClient } from '../../wire/index.js';
import { createOrchestratorClient } from '../../wire/index.js';
import { connectChain, type ChainAdapters } from '../../eth/index.js';
import { maxPriceFor, resolveGatewayConfig, type GatewayConfigInput, type ResolvedGatewayConfig } from './config.js';
import { GatewayConfigError } from './errors.js';
import { Forwarder } from './forward.js';
import { buildClientApi } from './http.js';
import { CreditFile, CreditLedger } from '../../billing/index.js';
import { TicketPaymentSender } from './payment.js';
import { JobRunner, jobTarget } from './run.js';
import { SessionPool, type SessionPoolSizes } from './sessions.js';
import { GatewayMarket } from './market.js';
import { orchestratorsTable, type OrchestratorsTable } from './orchestrators-table.js';
import { BadRequestError } from './errors.js';
import { StatsRecorder, type GatewayStats } from './stats.js';
import { attachLive, type LiveHandle } from './live/index.js';
import { livePost } from './live/orch-start.js';
import type { JobTarget, OrchestratorSession } from './sessions.js';
import type { Hash32Signer } from '../../wire/index.js';
import { CapabilitiesSchema, encodeBase64, encodeMessage } from '../../wire/index.js';
import { getOrchestratorInfo } from '../../market/index.js';
import { RemoteSignerClient, SignerLivePaymentSender, SignerPaymentSender, SignerSession, remoteRequestSigner, type RemoteSignerStatus } from './signer/index.js';

export interface StartGatewayOptions extends GatewayConfigInput {
  /** The selection draw's random source (default Math.random): tests make it deterministic. */
  rng?: Rng;
  /** Use this viem client instead of creating one from ethUrl (in-process composition, tests). */
  publicClient?: PublicClient;
}

export interface GatewaySizes extends SessionPoolSizes {
  /** Orchestrators the discovery registry knows. */
  discovered: number;
  /** Stickiness keys held. */
  sticky: number;
  /** Sessions the pm Sender holds (0 offchain). */
  senderSessions: number;
  /** (recipient, orchestrator, manifest) credit entries. */
  credit: number;
  orchestratorClients: number;
  /** HTTP/2 connections to orchestrators' job APIs (closed when idle). */
  forwarderConnections: number;
  /** Payments staged for jobs in flight, not settled yet (0 once every job has ended, however it ended). */
  paymentsInFlight: number;
  /** Client requests being read and counted (≤ -maxUnpaidRequests). */
  unpaidRequests: number;
  /** Live streams running, and ended ones whose status is kept (≤ -maxLiveStreams each). */
  liveStreams: number;
  liveEnded: number;
  /** Channels of the gateway's client-side trickle server (3 per live stream). */
  liveChannels: number;
}

export interface GatewayHandle {
  /** Base URL of the client API, e.g. http://127.0.0.1:9935 */
  url: string;
  /** The address that signs tickets and requests (an ephemeral key offchain when none is given). */
  address: Address;
  offchain: boolean;
  config: Readonly<Omit<ResolvedGatewayConfig, 'privateKey' | 'authToken'>>;
  /** The counters; with -remoteSignerUrl, what the signer said last (status, code, when) too. */
  stats(): GatewayStats & { remoteSigner?: RemoteSignerStatus };
  /** The live streams (status, and their payment senders for in-process callers). */
  live: LiveHandle;
  /** The /orchestrators table for a pipeline and model (default: the pipeline's default model). */
  orchestrators(pipeline: string, model?: string): Promise<OrchestratorsTable>;
  /** Reads the discovery sources again now. */
  refreshDiscovery(): Promise<void>;
  /** Sizes of the long-lived maps (each has an eviction rule), for stats and soak checks. */
  sizes(): GatewaySizes;
  close(): Promise<void>;
}

export async function startGateway(opts: StartGatewayOptions): Promise<GatewayHandle> {
  const { rng, publicClient, logger, ...input } = opts;
  const cfg = resolveGatewayConfig({ ...input, ...(logger ? { logger } : {}) });
  const log: Logger =
    logger ??
    // Logs go to stderr: stdout belongs to the CLI's machine-readable line.
    pino({ name: 'gateway', level: cfg.logLevel, redact: { paths: ['ethPrivateKey', 'privateKey', 'authToken', '*.ethPrivateKey'], censor: '[redacted]' } }, pino.destination(2));
  for (const d of cfg.droppedOrchAddrs) log.warn({ entry: d.entry }, `-orchAddr entry dropped: ${d.why}`);

  // -remoteSignerUrl: the signer's address and OrchestratorRequest signature, fetched once; no
  // start without them (go-livepeer exits). Tickets and segment credentials are then the signer's.
  let remote: RemoteSignerClient | undefined;
  let signer: Hash32Signer;
  if (cfg.remoteSignerUrl) {
    remote = new RemoteSignerClient({ url: cfg.remoteSignerUrl, ...(cfg.remoteSignerHeaders ? { headers: cfg.remoteSignerHeaders } : {}) });
    const fields = await remote.signOrchestratorInfo();
    signer = remoteRequestSigner(fields.address, fields.signature);
    log.info({ signer: remote.url, address: fields.address }, 'using the remote signer\'s address');
  } else {
    signer = localTicketSigner(cfg.privateKey ?? generatePrivateKey());
  }
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
    if (!remote) sender = new Sender({
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
  // go-livepeer's order is webhook, else -orchAddr, else the remote signer, else the chain; here the
  // explicit sources given are merged, and the chain lists orchestrators only when none is given
  // (it still gives stakes to the others, as go-livepeer's DB cache does).
  const explicit: DiscoverySource[] = [];
  if (cfg.orchestrators.length > 0) explicit.push(staticSource(cfg.orchestrators));
  if (cfg.orchWebhookUrl) explicit.push(new WebhookSource({ url: cfg.orchWebhookUrl }));
  if (cfg.remoteSignerUrl) explicit.push(remoteSignerSource(cfg.remoteSignerUrl, cfg.remoteSignerHeaders ? { headers: cfg.remoteSignerHeaders } : {}));
  const chainSource =
    chain && chain.contracts.BondingManager !== zeroAddress
      ? new ChainPoolSource({
          publicClient: chain.publicClient,
          bondingManager: chain.contracts.BondingManager,
          serviceRegistry: chain.contracts.ServiceRegistry,
          aiServiceRegistry: chain.contracts.AIServiceRegistry,
          onSkip: (address, why) => log.info({ orchestrator: address }, `on-chain orchestrator not listed: ${why}`),
        })
      : undefined;
  const discovery = new Discovery({
    sources: explicit.length > 0 || !chainSource ? explicit : [chainSource],
    ...(explicit.length > 0 && chainSource ? { stakeSources: [chainSource] } : {}),
    blocklist: new Set(cfg.orchBlocklist),
    refreshMs: cfg.discoveryRefreshMs,
    ttlMs: cfg.discoveryTtlMs,
    onError: (src, err) => log.warn({ source: src.description, code: (err as { code?: string }).code }, `discovery source failed (its last list is kept): ${(err as Error).message}`),
  });
  if (explicit.length === 0 && !chainSource) log.warn('no -orchAddr, -orchWebhookUrl or chain given: every job will answer 503 until orchestrators are configured');
  const pool = new SessionPool({
    discovery,
    client: clientFor,
    signer,
    sender,
    chain: chain?.view,
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
  // GetOrchestrator again for a signer's 480 (go-livepeer refreshSession with ignoreCapacityCheck).
  const refreshInfo = async (url: string, capabilities: Parameters<typeof getOrchestratorInfo>[2]['capabilities'], signal?: AbortSignal) =>
    (await getOrchestratorInfo(clientFor(url), signer, { capabilities, ignoreCapacityCheck: true, timeoutMs: cfg.discoveryTimeoutMs, ...(signal ? { signal } : {}) })).info;
  const batchPayer = remote ? new SignerPaymentSender({ client: remote, address: signer.address, refresh: refreshInfo }) : undefined;
  const payer = batchPayer ?? new TicketPaymentSender({ signer, sender, credit });
  const forwarder = new Forwarder({
    connectTimeoutMs: cfg.connectTimeoutMs,
    requestTimeoutMs: Math.max(...Object.values(cfg.requestTimeouts)),
    pingIntervalMs: cfg.pingIntervalMs,
    pingTimeoutMs: cfg.pingTimeoutMs,
  });
  const market = new GatewayMarket({ discovery, pool, weights: cfg.selection, ...(rng ? { rng } : {}) });
  const runner = new JobRunner({
    pool,
    market,
    retryTimeoutMs: cfg.retryTimeoutMs,
    payer,
    forwarder,
    stats,
    log,
    maxAttempts: cfg.maxAttempts,
    capacityWaits: cfg.capacityWaits,
    capacityWaitMs: cfg.capacityWaitMs,
    maxPriceFor: (pipeline, modelId) => maxPriceFor(cfg, pipeline, modelId),
    requestTimeoutMs: (pipeline) => (isAiPipeline(pipeline) ? cfg.requestTimeouts[pipeline] : Math.max(...Object.values(cfg.requestTimeouts))),
  });
  const table = async (pipeline: string, model?: string): Promise<OrchestratorsTable> => {
    if (!isAiPipeline(pipeline) || !isRunnerPipeline(pipeline)) throw new BadRequestError(`unknown pipeline ${JSON.stringify(pipeline)}`);
    const modelId = model ?? DEFAULT_MODEL_IDS[pipeline];
    const target = jobTarget({ pipeline, modelId } as Parameters<typeof jobTarget>[0], maxPriceFor(cfg, pipeline, modelId));
    const w = cfg.selection;
    return orchestratorsTable(target, await market.view(target), pool, { stakeWeight: w.stakeWeight, priceWeight: w.priceWeight, randWeight: w.randWeight, priceExpFactor: w.priceExpFactor, latencyBandMs: w.latencyBandMs ?? null });
  };
  try {
    await discovery.start();
  } catch (err) {
    discovery.close();
    chain?.close();
    throw err;
  }
  const { app, unpaidRequests } = await buildClientApi({ runner, log, authToken: cfg.authToken, stats, limits: cfg, orchestrators: table });
  const live = await attachLive(app, {
    start: {
      pool,
      market,
      forwarder,
      signer,
      sender,
      chain: chain?.view,
      log,
      intervalMs: cfg.livePaymentIntervalMs,
      preloadSeconds: BigInt(cfg.livePreloadSeconds),
      maxTotalEV: cfg.maxTotalEV,
      maxAttempts: cfg.maxAttempts,
      maxPriceFor: (pipeline, modelId) => maxPriceFor(cfg, pipeline, modelId),
      ...(remote
        ? {
            livePayments: (sess: OrchestratorSession, target: JobTarget) =>
              new SignerLivePaymentSender({
                session: new SignerSession({
                  client: remote,
                  info: sess.info,
                  capabilities: encodeBase64(encodeMessage(CapabilitiesSchema, target.capabilitiesWire)),
                  refresh: (signal) => refreshInfo(sess.url, target.capabilitiesWire, signal),
                }),
                url: sess.url,
                transcoder: sess.transcoder,
                price: sess.price,
                post: livePost(forwarder),
                address: signer.address,
                intervalMs: cfg.livePaymentIntervalMs,
                log,
              }),
          }
        : {}),
    },
    log,
    maxStreams: cfg.maxLiveStreams,
    keepaliveMs: cfg.liveKeepaliveMs,
    eventTimeoutMs: cfg.liveEventTimeoutMs,
    outputTimeoutMs: cfg.liveOutputTimeoutMs,
    recentSwapIntervalMs: cfg.liveRecentSwapIntervalMs,
  });
  const sweep = setInterval(() => credit.sweep(), 60_000);
  sweep.unref();

  const cleanup = (): void => {
    clearInterval(sweep);
    discovery.close();
    creditFile?.flush();
    forwarder.close();
    for (const c of clients.values()) c.close();
    chain?.close();
  };
  try {
    await app.listen({ host: cfg.host, port: cfg.port });
  } catch (err) {
    await live.close();
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
    stats: () => ({ ...stats.snapshot(), ...(remote ? { remoteSigner: remote.status() } : {}) }),
    orchestrators: table,
    refreshDiscovery: () => discovery.refresh(),
    live,
    sizes: () => ({
      ...pool.sizes(),
      discovered: discovery.size,
      sticky: market.sticky.size,
      senderSessions: sender?.sessionCount ?? batchPayer?.size ?? 0,
      credit: credit.size,
      orchestratorClients: clients.size,
      forwarderConnections: forwarder.sessionCount,
      paymentsInFlight: credit.inFlight,
      unpaidRequests: unpaidRequests(),
      liveStreams: live.streams.size.running,
      liveEnded: live.streams.size.ended,
      liveChannels: live.trickle.channelCount,
    }),
    close: () => {
      closed ??= (async () => {
        // Live streams first: their links close the orchestrators' channels over the forwarder.
        await live.close();
        await app.close();
        cleanup();
      })();
      return closed;
    },
  };
}
