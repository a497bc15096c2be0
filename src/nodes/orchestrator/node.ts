// startOrchestrator: the composition root. One port serves gRPC (net.Orchestrator) and the HTTPS
// AI API (fastify http2 + TLS, HTTP/1.1 allowed); on chain, pm's Recipient issues params and takes
// tickets, Balances holds credit per (sender, manifest), and winning tickets are redeemed directly.
//
// Offchain (-network offchain), as go-livepeer: no Recipient, so no ticket params, price_info 0,
// and jobs run without payment checks (a missing Livepeer-Payment is an empty payment; a garbled
// one is still 402). Segment credentials are still decoded and the auth token and capabilities
// checked; the signature is not (there is no sender to check it against).
import type { Http2SecureServer } from 'node:http2';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { createWalletClient, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { RunnerClient } from '../../ai/index.js';
import { Balances, TicketPaymentReceiver } from '../../billing/index.js';
import { PROTOCOL_NAMES, serializeWrites, type ProtocolName, type Wallet } from '../../eth/index.js';
import type { AiModelEntry, AiModelsConfig, Capabilities } from '../../market/index.js';
import { AiPriceTable, loadAiModels, parseAiModelsJson, parseDecimal } from '../../market/index.js';
import type { PriceInfo } from '../../money/index.js';
import { priceFromRat, type Rat } from '../../money/index.js';
import { Recipient, localTicketSigner, type TicketSigner } from '../../pm/index.js';
import { ensureTlsCert, orchestratorServerOptions, registerOrchestratorService } from '../../wire/index.js';
import { connectChain, limitJsonDepth, trackConnections, type ChainAdapters } from '../common/index.js';
import { registerAiRoutes } from './ai.js';
import { CapacityTracker } from './capacity.js';
import { parseOrchestratorConfig, splitHostPort, type OrchestratorConfig, type OrchestratorConfigInput } from './config.js';
import { OrchestratorConfigError } from './errors.js';
import { OrchestratorPricing } from './pricing.js';
import { RedemptionQueue, type PendingRedemption } from './redeemer.js';
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
}

export interface Orchestrator {
  /** https://host:port — what GetOrchestrator advertises as `transcoder`. */
  url: string;
  /** The orchestrator's ETH address (undefined offchain without a key). */
  address: Address | undefined;
  offchain: boolean;
  /** The TLS certificate (PEM) it serves, for clients that want to pin it. */
  certPem: string;
  stats(): OrchestratorStats;
  /** Capabilities as advertised now (live capacity in use). */
  capabilities(): Capabilities;
  /** Credit of (sender, manifest "<capability>_<modelId>"), wei (exact); undefined when unknown. */
  balance(sender: Address, manifestId: string): Rat | undefined;
  /** Winning tickets waiting for redemption (empty offchain). */
  pendingRedemptions(): PendingRedemption[];
  /** Re-reads the chain, then redeems everything redeemable (paramsExpirationBlock ≤ latest block) and waits. */
  flushRedemptions(): Promise<void>;
  /** Sizes of the long-lived maps (each has an eviction rule), for stats and soak checks. */
  sizes(): OrchestratorSizes;
  /** The chain adapters (undefined offchain). */
  chain: ChainAdapters | undefined;
  /** Reward calls, the AI service registry and the URI registered there (undefined offchain). */
  onChain(): OnChainStatus | undefined;
  close(): Promise<void>;
}

function loadModels(arg: string, cfg: OrchestratorConfig): AiModelsConfig {
  const opts = {
    requirePrices: !cfg.offchain,
    defaults: cfg.pricePerUnit === undefined ? undefined : { pricePerUnit: cfg.pricePerUnit, pixelsPerUnit: cfg.pixelsPerUnit ?? 1 },
  };
  const t = arg.trim();
  // Inline JSON is accepted too (a file path or the `pipeline:model:warm` list go through loadAiModels).
  if (t.startsWith('[')) return parseAiModelsJson(t, opts);
  return loadAiModels(arg, opts);
}

function basePrice(cfg: OrchestratorConfig): PriceInfo | undefined {
  if (cfg.pricePerUnit === undefined) return undefined;
  try {
    const num = parseDecimal(String(cfg.pricePerUnit));
    const den = parseDecimal(String(cfg.pixelsPerUnit ?? 1));
    if (!num || num.isNegative()) throw new Error(`pricePerUnit ${String(cfg.pricePerUnit)} is not a number ≥ 0`);
    if (!den || den.isZero() || den.isNegative()) throw new Error('pixelsPerUnit must be > 0');
    return priceFromRat(num.div(den));
  } catch (err) {
    throw new OrchestratorConfigError(`-pricePerUnit/-pixelsPerUnit: ${(err as Error).message}`, { cause: err });
  }
}

async function runnerVersions(entries: readonly AiModelEntry[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    entries.map(async (e) => {
      if (!e.url) return;
      try {
        const v = await new RunnerClient({ url: e.url, token: e.token, infoTimeoutMs: 1000 }).version();
        const k = `${e.pipeline}/${e.modelId}`;
        const prev = out.get(k);
        if (prev === undefined || v.version < prev) out.set(k, v.version);
      } catch {
        // A runner that is down at start is advertised without a version; jobs to it get 503.
      }
    }),
  );
  return out;
}

export async function startOrchestrator(input: OrchestratorConfigInput): Promise<Orchestrator> {
  const cfg = parseOrchestratorConfig(input);
  // Logs go to stderr: stdout carries the CLI's one JSON line.
  const log: Logger = pino({ level: cfg.logLevel, redact: ['ethPrivateKey', '*.ethPrivateKey'] }, pino.destination(2));
  const models = loadModels(cfg.aiModels, cfg);
  for (const w of models.warnings) log.warn(w);
  if (models.entries.length === 0) throw new OrchestratorConfigError('-aiModels lists no models: nothing to serve');
  const capacity = new CapacityTracker(models.entries);
  const priceTable = AiPriceTable.fromAiModels(models.entries);
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

  let chain: ChainAdapters | undefined;
  let queue: RedemptionQueue | undefined;
  let recipient: Recipient | undefined;
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
      const adapters = await connectChain({
        rpcUrl: cfg.ethUrl,
        controller: cfg.ethController,
        contracts,
        claimant: signer!.address,
        pending: (s) => queue?.pendingFor(s) ?? 0n,
        pollMs: cfg.pollMs,
        network: cfg.network,
        ...(cfg.aiServiceRegistry !== undefined ? { aiServiceRegistry: cfg.aiServiceRegistry } : {}),
        onError: (e) => log.warn({ err: e.message }, 'chain poll failed'),
      }).catch((err: unknown) => {
        throw new OrchestratorConfigError((err as Error).message, { cause: err });
      });
      chain = adapters;
      cleanups.push(() => adapters.close());
      // Redemptions, initializeRound and reward share this key: one submission at a time.
      const wallet = serializeWrites(
        createWalletClient({
          account: privateKeyToAccount(cfg.ethPrivateKey as Hex),
          chain: adapters.chain,
          transport: http(cfg.ethUrl, { retryCount: 1 }),
        }) as Wallet,
      );
      const d = startProtocolDuties({ adapters, wallet, initializeRound: cfg.initializeRound, reward: cfg.reward, log });
      duties = d;
      cleanups.push(() => d.close());
      const rounds = d.rounds;
      const q = new RedemptionQueue({
        publicClient: adapters.publicClient,
        wallet,
        ticketBroker: adapters.contracts.TicketBroker,
        latestBlock: () => adapters.view.lastSeenL1Block(),
        maxAttempts: cfg.maxRedeemAttempts,
        log,
        onRedeemed: (r) => {
          stats.redemption(r.faceValue, r.txHash);
          adapters.senders.invalidate(r.sender);
          adapters.maxFloat?.invalidate(r.sender);
        },
        onDropped: () => stats.redemptionDropped(),
        ...(rounds ? { ensureRoundInitialized: () => rounds.ensure() } : {}),
      });
      queue = q;
      cleanups.push(() => q.close());
      // Kept secrets keep old params valid, so their nonce memory must come along (nonce-state.ts).
      const resume = takeNonceState(cfg.dataDir, adapters.view.lastSeenL1Block());
      if (resume.found === 'malformed') log.warn('the saved nonce memory was unreadable: ticket params issued before the restart are refused (gateways fetch new ones)');
      const rcp = new Recipient({
        address: signer!.address,
        secret: secrets.recipientRand,
        boot: { id: resume.boot, resumed: resume.resumed.map((b) => b.id) },
        chain: adapters.view,
        senders: adapters.senders,
        sink: q,
        params: { ev: cfg.ticketEV, redeemGas: cfg.redeemGas, txCostMultiplier: cfg.txCostMultiplier, maxFaceValue: cfg.maxFaceValue },
        gasPrice: adapters.gasPrice,
        maxFloat: adapters.maxFloat,
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
        void q.kick().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'redemption pass failed'));
      });
      cleanups.push(off);
    }

    const { host, port } = splitHostPort(cfg.serviceAddr);
    const tls = await ensureTlsCert(cfg.dataDir, [host]).catch((err: unknown) => {
      throw new OrchestratorConfigError(`cannot create the TLS certificate in ${cfg.dataDir}: ${(err as Error).message}`, { cause: err });
    });
    const app = Fastify({ ...orchestratorServerOptions(tls), logger: false, bodyLimit: cfg.maxBodyBytes }) as unknown as FastifyInstance;
    const connections = trackConnections(app.server as unknown as Http2SecureServer);
    cleanups.push(async () => {
      const closing = app.close();
      connections.closeAll(1000);
      await closing;
    });
    let transcoderUrl = '';
    await registerOrchestratorService(app, orchestratorService({
      offchain: cfg.offchain,
      transcoderUrl: () => transcoderUrl,
      signer,
      recipient,
      pricing,
      capacity,
      capabilities,
      authSecret,
      onRefusal: (c) => stats.refusal(c),
    }), { shutdownTimeoutMs: 1000 });
    await app.register(async (scope) => {
      await scope.register(multipart, { limits: { fileSize: cfg.maxBodyBytes, files: 4, fields: 64 } });
      limitJsonDepth(scope as unknown as FastifyInstance);
      await registerAiRoutes(scope as unknown as FastifyInstance, {
        offchain: cfg.offchain,
        payments: new TicketPaymentReceiver({ recipient, balances, pricing, events: stats }),
        capacity,
        capabilities,
        authSecret,
        stats,
        log,
        maxBodyBytes: cfg.maxBodyBytes,
        bodyIdleTimeoutMs: cfg.bodyIdleTimeoutMs,
      });
    });
    await app.listen({ host, port });
    const addr = app.server.address();
    const boundPort = typeof addr === 'object' && addr ? addr.port : port;
    transcoderUrl = `https://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    log.info({ url: transcoderUrl, address: signer?.address, network: cfg.network, models: models.entries.length }, 'orchestrator listening');
    await duties?.checkServiceURI(transcoderUrl, cfg.registerServiceURI);

    let closed = false;
    return {
      url: transcoderUrl,
      address: signer?.address,
      offchain: cfg.offchain,
      certPem: tls.cert,
      chain,
      onChain: () => duties?.status(),
      stats: () => stats.snapshot(capacity.inFlight()),
      capabilities,
      balance: (sender, manifestId) => balances.balance(sender, manifestId),
      pendingRedemptions: () => queue?.pending() ?? [],
      sizes: () => ({
        balances: balances.size,
        quoteSenders: pricing.senderCount,
        ...(recipient?.sizes() ?? { nonceParams: 0, randCache: 0 }),
        pendingRedemptions: queue?.pending().length ?? 0,
        inFlight: capacity.inFlight(),
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
