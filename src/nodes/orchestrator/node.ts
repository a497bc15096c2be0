// startOrchestrator: the composition root. One port serves gRPC (net.Orchestrator) and the HTTPS
// AI API (fastify http2 + TLS, HTTP/1.1 allowed); on chain, pm's Recipient issues params and takes
// tickets, Balances holds credit per (sender, manifest), and winning tickets are committed to the
// store and redeemed by the redemption queue (src/settlement) with this node's key.
//
// Offchain (-network offchain), as go-livepeer: no Recipient, so no ticket params, price_info 0,
// and jobs run without payment checks (a missing Livepeer-Payment is an empty payment; a garbled
// one is still 402). Segment credentials are still decoded and the auth token and capabilities
// checked; the signature is not (there is no sender to check it against).
import type { Http2SecureServer } from 'node:http2';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { createWalletClient, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { Balances, TicketPaymentReceiver, type LiveStreamView, type SenderFundsCheck } from '../../billing/index.js';
import { PROTOCOL_NAMES, connectChain, rpcTransport, type ChainAdapters, type ProtocolName, type Wallet } from '../../eth/index.js';
import type { Capabilities } from '../../market/index.js';
import type { Rat } from '../../money/index.js';
import { Recipient, localTicketSigner, type MaxFloatSource, type TicketSigner, type WinningTicketSink } from '../../pm/index.js';
import { NonceManager, fundsCheckWith, type PendingRedemption, type RedemptionQueue } from '../../settlement/index.js';
import { openStore, storeOptionsFromFlags } from '../../store/index.js';
import { ensureTlsCert, orchestratorServerOptions, refusalHeaders, registerOrchestratorService } from '../../wire/index.js';
import { RequestGate, chainRedemptionQueue, clientErrorHandler, queueSenderMonitor, limitJsonDepth, setHttp1Timeouts, trackConnections, type ClientErrorKind } from '../common/index.js';
import { RemoteRedeemer } from '../redeemer/index.js';
import { guardGrpcBodies } from './grpc-bodies.js';
import { registerAiRoutes, type JobContext } from './ai.js';
import { fastifyJsonParser, serveJsonJobsRaw } from './fast-jobs.js';
import { mountLive } from './live-mount.js';
import { CapacityTracker } from './capacity.js';
import { parseOrchestratorConfig, splitHostPort, type OrchestratorConfigInput } from './config.js';
import { OrchestratorConfigError } from './errors.js';
import { basePrice, loadModels, runnerVersions } from './models.js';
import { OrchestratorPricing, priceTableFromAiModels } from './pricing.js';
import { startProtocolDuties, type OnChainStatus, type ProtocolDuties } from './duties.js';
import { orchestratorService } from './rpc.js';
import { saveNonceState, takeNonceState } from './nonce-state.js';
import { loadOrCreateSecrets } from './secrets.js';
import { StatsCollector, type OrchestratorStats } from './stats.js';

export interface OrchestratorSizes {
  balances: number;
  quoteSenders: number;
  nonceParams: number;
  randCache: number;
  pendingRedemptions: number;
  inFlight: number;
  /** AI requests admitted whose payment is not validated yet (≤ -maxUnpaidRequests). */
  unpaidRequests: number;
  /** Live streams running (each holds 4 trickle channels and a runner slot). */
  liveStreams: number;
  /** Live streams being debited per interval. */
  liveAccounts: number;
  trickleChannels: number;
  /** Bytes the trickle server holds in segments. */
  trickleBytes: number;
}

export interface Orchestrator {
  /** https://host:port — what GetOrchestrator advertises as `transcoder`. */
  url: string;
  /** The orchestrator's ETH address: its key's, else -ethOrchAddr (undefined offchain without a key). */
  address: Address | undefined;
  /** -redeemerAddr: winning tickets go to that redeemer (pendingRedemptions() is then empty here). */
  redeemerAddr: string | undefined;
  offchain: boolean;
  /** The TLS certificate (PEM) it serves, for clients that want to pin it. */
  certPem: string;
  stats(): OrchestratorStats;
  /** Capabilities as advertised now (live capacity in use). */
  capabilities(): Capabilities;
  /** Credit of (sender, manifest "<capability>_<modelId>"), wei (exact); undefined when unknown. */
  balance(sender: Address, manifestId: string): Rat | undefined;
  /** A running live stream's account (billed time, credit, debits, last payment); undefined when unknown. */
  liveStream(manifestId: string): LiveStreamView | undefined;
  /** Winning tickets still owed, pending or in flight, as the store has them (empty offchain). */
  pendingRedemptions(): Promise<PendingRedemption[]>;
  /** Re-reads the chain, then redeems everything redeemable now (params expired, worth its gas, sender able to pay) and waits for the receipts. */
  flushRedemptions(): Promise<void>;
  /** Sizes of the long-lived maps (each has an eviction rule), for stats and soak checks. */
  sizes(): OrchestratorSizes;
  /** The chain adapters (undefined offchain). */
  chain: ChainAdapters | undefined;
  /** Reward calls, the AI service registry and the URI registered there (undefined offchain). */
  onChain(): OnChainStatus | undefined;
  close(): Promise<void>;
}

/** An HTTP/1 connection-level refusal (node's clientError) as go-livepeer's http.Error shape, with its code. */
function http1Refusal(kind: ClientErrorKind, headersTimeoutMs: number, count: (code: string) => void) {
  const [status, code, reason, message] =
    kind === 'timeout'
      ? [408, 'BODY_TIMEOUT', 'headers', `request timeout: headers not complete within ${headersTimeoutMs} ms`]
      : kind === 'headers-too-large'
        ? [431, 'REQUEST_TOO_LARGE', 'headers', 'request headers too large']
        : [400, 'BAD_REQUEST', undefined, 'bad request'];
  count(code);
  return { status, headers: { ...refusalHeaders(code, reason), 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: `${message}\n` };
}

export async function startOrchestrator(input: OrchestratorConfigInput): Promise<Orchestrator> {
  const cfg = parseOrchestratorConfig(input);
  // Logs go to stderr: stdout carries the CLI's one JSON line.
  const log: Logger = pino({ level: cfg.logLevel, redact: ['ethPrivateKey', '*.ethPrivateKey'] }, pino.destination(2));
  const models = loadModels(cfg.aiModels, cfg);
  for (const w of models.warnings) log.warn(w);
  if (models.entries.length === 0) throw new OrchestratorConfigError('-aiModels lists no models: nothing to serve');
  const capacity = new CapacityTracker(models.entries);
  const priceTable = priceTableFromAiModels(models.entries);
  const base = basePrice(cfg);
  // Offchain there is no Recipient, so nothing to adjust (go-livepeer quotes no price there at all).
  let pricing = new OrchestratorPricing(priceTable, base);
  const signer: TicketSigner | undefined = cfg.ethPrivateKey ? localTicketSigner(cfg.ethPrivateKey) : undefined;
  const stats = new StatsCollector();
  const balances = new Balances();
  // Persisted (unlike go-livepeer's per-start random ones) so a restart keeps every session.
  const secrets = loadOrCreateSecrets(cfg.dataDir);
  const authSecret = secrets.authToken;
  // go-livepeer sweeps balances (and their fixed prices) untouched for 10 min (cleanupInterval).
  const sweeper = setInterval(() => balances.sweep(), 60_000);
  sweeper.unref();
  const versions = await runnerVersions(models.entries);
  const capabilities = () => capacity.capabilities({ version: cfg.version, runnerVersions: versions });

  // go-livepeer's recipientAddr: -ethOrchAddr, else the node's account.
  const recipientAddr: Address | undefined = cfg.ethOrchAddr ?? signer?.address;
  let chain: ChainAdapters | undefined;
  let queue: RedemptionQueue | undefined;
  let recipient: Recipient | undefined;
  // Refuses tickets the sender's deposit or max float cannot cover, before they are credited.
  let funds: SenderFundsCheck | undefined;
  let duties: ProtocolDuties | undefined;
  const cleanups: (() => void | Promise<void>)[] = [() => clearInterval(sweeper)];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  };
  try {
    if (!cfg.offchain) {
      const contracts = cfg.contracts as Partial<Record<ProtocolName, Address>> | undefined;
      for (const k of Object.keys(contracts ?? {})) {
        if (!(PROTOCOL_NAMES as readonly string[]).includes(k)) throw new OrchestratorConfigError(`contracts.${k}: unknown contract (known: ${PROTOCOL_NAMES.join(', ')})`);
      }
      // The store (winning tickets and the watchers' checkpoint), opened first so the watchers resume
      // where the last run stopped. A store given by the caller is the caller's to close; the one
      // opened here is ours. With a redeemer the tickets are its to keep: no store here.
      const store = cfg.redeemerAddr
        ? cfg.store
        : (cfg.store ??
          (await openStore(storeOptionsFromFlags({ dataDir: cfg.dataDir, storeUrl: cfg.storeUrl, storeDurability: cfg.storeDurability })).catch((err: unknown) => {
            throw new OrchestratorConfigError(`cannot open the winning-ticket store: ${(err as Error).message}`, { cause: err });
          })));
      if (store && !cfg.store) cleanups.push(() => store.close());
      const adapters = await connectChain({
        rpcUrl: cfg.ethUrl,
        controller: cfg.ethController,
        contracts,
        // With a redeemer, max float comes from it (it knows what it has queued).
        ...(cfg.redeemerAddr ? {} : { claimant: recipientAddr }),
        ...(store ? { checkpoints: store.checkpoints } : {}),
        pollMs: cfg.pollMs,
        minGasPrice: cfg.minGasPrice,
        maxGasPrice: cfg.maxGasPrice,
        network: cfg.network,
        ...(cfg.aiServiceRegistry !== undefined ? { aiServiceRegistry: cfg.aiServiceRegistry } : {}),
        onError: (e) => log.warn({ err: e.message }, 'chain poll failed'),
      }).catch((err: unknown) => {
        throw new OrchestratorConfigError((err as Error).message, { cause: err });
      });
      chain = adapters;
      cleanups.push(() => adapters.close());
      let wallet: Wallet | undefined;
      let nonces: NonceManager | undefined;
      if (cfg.ethPrivateKey) {
        // Redemptions, initializeRound, reward and setServiceURI share this key: one lane hands out
        // its nonces, so redemptions can be in flight while the others are sent.
        nonces = new NonceManager({ publicClient: adapters.publicClient, address: signer!.address });
        wallet = nonces.wrap(
          createWalletClient({
            account: privateKeyToAccount(cfg.ethPrivateKey as Hex),
            chain: adapters.chain,
            transport: rpcTransport(cfg.ethUrl, { retryCount: 1 }),
          }) as Wallet,
        );
        const d = startProtocolDuties({ adapters, wallet, initializeRound: cfg.initializeRound, reward: cfg.reward, log });
        duties = d;
        cleanups.push(() => d.close());
      } else {
        log.info('no key: no reward calls, no round initialisation, no service URI check (the redeemer or another node does them)');
      }
      let sink: WinningTicketSink;
      let maxFloat: MaxFloatSource;
      if (cfg.redeemerAddr) {
        // A new max float means the sender's funds moved (a redemption): re-read its deposit too.
        const remote = new RemoteRedeemer({ addr: cfg.redeemerAddr, log, ...(cfg.redeemerSecret === undefined ? {} : { secret: cfg.redeemerSecret }), onUpdate: (s) => adapters.senders.invalidate(s) });
        cleanups.push(() => remote.close());
        sink = remote;
        maxFloat = remote;
        funds = fundsCheckWith(adapters.senders, remote);
        log.info({ redeemer: remote.addr, recipient: recipientAddr }, 'winning tickets go to the redeemer');
      } else {
        if (!store) throw new OrchestratorConfigError('internal: no winning-ticket store');
        const rounds = duties?.rounds;
        // Winning tickets are committed to the store before the payment that carried them is acknowledged.
        log.info({ store: store.describe() }, 'winning-ticket store open');
        const q = chainRedemptionQueue(adapters, store, wallet!, nonces, cfg, {
          log,
          onOutcome: (o) => {
            if (o.kind === 'redeemed') {
              stats.redemption(o.faceValue, o.txHash!);
              adapters.senders.invalidate(o.sender);
            } else if (o.kind === 'dropped') stats.redemptionDropped();
            else if (o.kind === 'expired') stats.redemptionExpired();
          },
          ...(rounds ? { ensureRoundInitialized: () => rounds.ensure() } : {}),
        });
        queue = q;
        cleanups.push(() => q.close());
        // Settles what a previous run left in flight before any new ticket is taken.
        await q.start().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'cannot reconcile in-flight redemptions yet: the next block retries'));
        sink = q;
        // What each sender can cover (its winners still open in the queue count as pending).
        const monitor = queueSenderMonitor(adapters, q);
        maxFloat = monitor;
        funds = monitor;
      }
      // Kept secrets keep old params valid, so their nonce memory must come along (nonce-state.ts).
      const resume = takeNonceState(cfg.dataDir, adapters.view.lastSeenL1Block());
      if (resume.found === 'malformed') log.warn('the saved nonce memory was unreadable: ticket params issued before the restart are refused (gateways fetch new ones)');
      const rcp = new Recipient({
        address: recipientAddr!,
        secret: secrets.recipientRand,
        boot: { id: resume.boot, resumed: resume.resumed.map((b) => b.id) },
        chain: adapters.view,
        senders: adapters.senders,
        sink,
        params: { ev: cfg.ticketEV, redeemGas: cfg.redeemGas, txCostMultiplier: cfg.txCostMultiplier, maxFaceValue: cfg.maxFaceValue },
        gasPrice: adapters.gasPrice,
        maxFloat,
      });
      rcp.restoreNonces(resume.nonces);
      recipient = rcp;
      log.info({ resumedBoots: resume.resumed.length, nonceEntries: resume.nonces.length }, 'ticket nonce memory restored');
      // Runs after the HTTP server has closed (cleanups run in reverse). seal() refuses any ticket
      // still in flight, so the saved memory is complete.
      cleanups.push(() => {
        const state = rcp.seal();
        try {
          const out = saveNonceState(cfg.dataDir, { id: resume.boot, paramsExpireBy: state.paramsExpireBy }, resume.resumed, state);
          if (out !== 'saved') log.warn({ outcome: out }, 'nonce memory not saved: ticket params issued by this run will be refused after the restart');
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'nonce memory not saved: ticket params issued by this run will be refused after the restart');
        }
      });
      if (cfg.autoAdjustPrice) {
        pricing = new OrchestratorPricing(priceTable, base, {
          autoAdjust: { txCostMultiplier: (s) => rcp.txCostMultiplier(s), uncappedTxCostMultiplier: () => rcp.uncappedTxCostMultiplier() },
        });
      }
      const off = adapters.view.onBlock((b) => {
        rcp.cleanupExpired(b);
        void queue?.kick().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'redemption pass failed'));
      });
      cleanups.push(off);
    }

    const { host, port } = splitHostPort(cfg.serviceAddr);
    const tls = await ensureTlsCert(cfg.dataDir, [host]).catch((err: unknown) => {
      throw new OrchestratorConfigError(`cannot create the TLS certificate in ${cfg.dataDir}: ${(err as Error).message}`, { cause: err });
    });
    const app = Fastify({
      ...orchestratorServerOptions(tls, { maxConcurrentStreams: cfg.maxConcurrentStreams, idleTimeoutMs: cfg.idleTimeoutMs }),
      logger: false,
      bodyLimit: cfg.maxBodyBytes,
      clientErrorHandler: clientErrorHandler((kind) => http1Refusal(kind, cfg.headersTimeoutMs, (c) => stats.refusal(c))),
    }) as unknown as FastifyInstance;
    setHttp1Timeouts(app.server, cfg);
    const connections = trackConnections(app.server as unknown as Http2SecureServer);
    guardGrpcBodies(app, { idleMs: cfg.bodyIdleTimeoutMs, totalMs: cfg.bodyTimeoutMs, onRefusal: (c) => stats.refusal(c) });
    const unpaid = new RequestGate(cfg.maxUnpaidRequests);
    cleanups.push(async () => {
      const closing = app.close();
      connections.closeAll(1000);
      await closing;
    });
    let transcoderUrl = '';
    // Closed before the HTTP server (cleanups run in reverse).
    const live = await mountLive(app, { balances, intervalMs: cfg.livePaymentInterval, stats, log });
    cleanups.push(() => live.close());
    await registerOrchestratorService(app, orchestratorService({
      offchain: cfg.offchain,
      transcoderUrl: () => transcoderUrl,
      signer,
      ...(recipientAddr ? { address: recipientAddr } : {}),
      recipient,
      pricing,
      capacity,
      capabilities,
      authSecret,
      onRefusal: (c) => stats.refusal(c),
    }), { shutdownTimeoutMs: 1000 });
    const receiver = new TicketPaymentReceiver({ recipient, balances, pricing, events: stats, ...(funds ? { funds } : {}) });
    let jobs: JobContext | undefined;
    await app.register(async (scope) => {
      await scope.register(multipart, { limits: { fileSize: cfg.maxBodyBytes, files: 4, fields: 64 } });
      limitJsonDepth(scope as unknown as FastifyInstance);
      jobs = await registerAiRoutes(scope as unknown as FastifyInstance, {
        offchain: cfg.offchain,
        payments: receiver,
        capacity,
        capabilities,
        authSecret,
        stats,
        log,
        maxBodyBytes: cfg.maxBodyBytes,
        bodyIdleTimeoutMs: cfg.bodyIdleTimeoutMs,
        bodyTimeoutMs: cfg.bodyTimeoutMs,
        unpaid,
      });
      await live.registerRoutes(scope as unknown as FastifyInstance, {
        offchain: cfg.offchain,
        payments: receiver,
        capacity,
        capabilities,
        authSecret,
        info: { offchain: cfg.offchain, transcoderUrl: () => transcoderUrl, signer, ...(recipientAddr ? { address: recipientAddr } : {}), recipient, capabilities },
        ...(cfg.liveAITrickleHostForRunner ? { trickleHostForRunner: cfg.liveAITrickleHostForRunner } : {}),
        runnerStartTimeoutMs: cfg.liveRunnerStartTimeoutMs,
        unpaid,
        bodyIdleTimeoutMs: cfg.bodyIdleTimeoutMs,
        bodyTimeoutMs: cfg.bodyTimeoutMs,
      });
    });
    // The JSON job routes over HTTP/2 skip fastify's compatibility layer (fast-jobs.ts); installed
    // once fastify is ready, so that its own stream listener is there to hand the rest to.
    await app.ready();
    serveJsonJobsRaw(app.server as unknown as Http2SecureServer, { ctx: jobs!, parseJson: fastifyJsonParser(app) });
    await app.listen({ host, port });
    const addr = app.server.address();
    const boundPort = typeof addr === 'object' && addr ? addr.port : port;
    transcoderUrl = `https://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    log.info({ url: transcoderUrl, address: signer?.address, network: cfg.network, models: models.entries.length }, 'orchestrator listening');
    await duties?.checkServiceURI(transcoderUrl, cfg.registerServiceURI);

    let closed = false;
    return {
      url: transcoderUrl,
      address: signer?.address ?? recipientAddr,
      redeemerAddr: cfg.redeemerAddr,
      offchain: cfg.offchain,
      certPem: tls.cert,
      chain,
      onChain: () => duties?.status(),
      stats: () => stats.snapshot(capacity.inFlight()),
      capabilities,
      balance: (sender, manifestId) => balances.balance(sender, manifestId),
      liveStream: (mid) => live.view(mid),
      pendingRedemptions: async () => (queue ? queue.pending() : []),
      sizes: () => ({
        balances: balances.size,
        quoteSenders: pricing.senderCount,
        ...(recipient?.sizes() ?? { nonceParams: 0, randCache: 0 }),
        pendingRedemptions: queue?.openCount ?? 0,
        inFlight: capacity.inFlight(),
        unpaidRequests: unpaid.inFlight,
        ...live.sizes(),
      }),
      async flushRedemptions() {
        if (!chain || !queue) return;
        await chain.view.refresh();
        await queue.flush();
      },
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
