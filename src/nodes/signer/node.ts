// startSignerNode: the remote signer's composition root (go-livepeer -remoteSigner). It serves a
// RemoteSignerService (src/signer) over HTTP(S) on -httpAddr, gives it the node's seams — the
// metrics (SignerEvents) and the auth webhook client (SignerAuthorizer, with
// -remoteSignerWebhookUrl) — and, with -remoteDiscovery, GET /discover-orchestrators from the
// market's discovery sources. Listens on port 0 when asked and reports the port it got.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Discovery, NO_PRICE_LIMITS, parseOrchAddrList, parseOrchBlocklist, parsePriceLimits, staticSource, WebhookSource, type DiscoverySource, type PriceLimits, type PriceLimitsInput } from '../../market/index.js';
import { createOrchestratorClient, createOrchestratorRequest, fromHex, GRPC_CALL_TIMEOUT_MS, type OrchestratorClient, type OrchestratorRequest } from '../../wire/index.js';
import type { RemoteSignerService, SignerAuthorizer, SignerEvents } from '../../signer/index.js';
import { resolveSignerNodeConfig, type SignerNodeConfigInput } from './config.js';
import { SignerNodeConfigError } from './errors.js';
import { createSignerRequestHandler } from './http.js';
import { SignerMetrics } from './metrics.js';
import { RemoteDiscoveryPool } from './discovery.js';
import { createWebhookAuthorizer } from './webhook.js';

export interface SignerServiceSeams {
  /** The node's metrics: the service reports every call and every batch signed here. */
  events: SignerEvents;
  /** The auth webhook client, with -remoteSignerWebhookUrl (undefined without). */
  authorizer: SignerAuthorizer | undefined;
}

export interface SignerNodeOptions extends SignerNodeConfigInput {
  /** The signer, or a factory that builds it with the node's seams (the node closes it on close()). */
  service: RemoteSignerService | ((seams: SignerServiceSeams) => RemoteSignerService | Promise<RemoteSignerService>);
  /** Discovery sources for -remoteDiscovery, in go-livepeer's precedence: -orchWebhookUrl, else -orchAddr, else the chain's pool. */
  orchWebhookUrl?: string;
  orchAddr?: string | readonly string[];
  /**
   * The on-chain pool (src/market ChainPoolSource over the node's chain), used when neither of the
   * above is given. A function is called once the service exists (the CLI's chain is the service's).
   */
  chainSource?: DiscoverySource | (() => DiscoverySource | undefined);
  orchBlocklist?: string | readonly string[];
  /** The max prices /discover-orchestrators filters with (-maxPricePerUnit, -pixelsPerUnit, -maxPricePerCapability). */
  priceLimits?: PriceLimits | PriceLimitsInput;
  /** GetOrchestrator timeout of a discovery round (ms). */
  discoveryTimeoutMs?: number;
  logger?: Logger;
  logLevel?: string;
}

export interface SignerNodeHandle {
  /** host:port it listens on (the bound port when asked for 0). */
  addr: string;
  port: number;
  /** http(s)://host:port — the gateways' -remoteSignerUrl. */
  url: string;
  tls: boolean;
  /** The signer's ETH address (EIP-55), as /sign-orchestrator-info answers it. */
  address: string;
  service: RemoteSignerService;
  metrics: SignerMetrics;
  discovery: RemoteDiscoveryPool | undefined;
  close(): Promise<void>;
}

function discoverySources(o: SignerNodeOptions, log: Logger): DiscoverySource[] {
  if (o.orchWebhookUrl) return [new WebhookSource({ url: o.orchWebhookUrl })];
  if (o.orchAddr !== undefined && (typeof o.orchAddr === 'string' ? o.orchAddr !== '' : o.orchAddr.length > 0)) {
    const { urls, dropped } = parseOrchAddrList(o.orchAddr as string | string[]);
    for (const d of dropped) log.warn({ entry: d }, 'dropping an unusable -orchAddr entry');
    return [staticSource(urls)];
  }
  const chain = typeof o.chainSource === 'function' ? o.chainSource() : o.chainSource;
  return chain ? [chain] : [];
}

export async function startSignerNode(o: SignerNodeOptions): Promise<SignerNodeHandle> {
  const cfg = resolveSignerNodeConfig(o);
  const log = o.logger ?? pino({ level: o.logLevel ?? 'warn', redact: ['ethPrivateKey', '*.ethPrivateKey', 'authToken', '*.authToken'] }, pino.destination(2));
  const metrics = new SignerMetrics();
  const authorizer = cfg.webhookUrl
    ? createWebhookAuthorizer({ url: cfg.webhookUrl, headers: cfg.webhookHeaders, dropHeaders: cfg.authToken === undefined ? [] : ['authorization'] })
    : undefined;
  const service = typeof o.service === 'function' ? await o.service({ events: metrics, authorizer }) : o.service;
  let discovery: RemoteDiscoveryPool | undefined;
  let server: Server | undefined;
  try {
    const info = service.signOrchestratorInfo();
    if (cfg.remoteDiscovery) {
      const sources = discoverySources(o, log);
      // go-livepeer: "RemoteDiscovery is set but no orchestrator pool could be configured".
      if (sources.length === 0) throw new SignerNodeConfigError('-remoteDiscovery needs orchestrators to list: -orchWebhookUrl, -orchAddr, or an on-chain -network');
      const limits: PriceLimits =
        o.priceLimits === undefined ? NO_PRICE_LIMITS : 'byKey' in o.priceLimits ? o.priceLimits : parsePriceLimits(o.priceLimits);
      const registry = new Discovery({
        sources,
        ...(o.orchBlocklist === undefined ? {} : { blocklist: parseOrchBlocklist(o.orchBlocklist as string | string[]) }),
        refreshMs: 0,
        onError: (s, err) => log.warn({ source: s.description, err }, 'discovery source failed; keeping its last list'),
      });
      const clients = new Map<string, OrchestratorClient>();
      let request: Promise<OrchestratorRequest> | undefined;
      const timeoutMs = o.discoveryTimeoutMs ?? GRPC_CALL_TIMEOUT_MS;
      discovery = new RemoteDiscoveryPool({
        discovery: registry,
        priceLimits: limits,
        refreshMs: cfg.capReportIntervalMs,
        log,
        async getOrchestrator(url, signal) {
          request ??= createOrchestratorRequest(undefined, { address: info.address, sig: fromHex(info.signature, 'signature', 65), ignoreCapacityCheck: true });
          let c = clients.get(url);
          if (!c) {
            c = createOrchestratorClient(url);
            clients.set(url, c);
          }
          return c.getOrchestrator(await request, { timeoutMs, signal });
        },
        forget(url) {
          clients.get(url)?.close();
          clients.delete(url);
        },
      });
    }
    const handler = createSignerRequestHandler({ service, metrics, log, authToken: cfg.authToken, discovery, bodyTimeoutMs: cfg.bodyTimeoutMs });
    server = cfg.tls ? createHttpsServer({ cert: cfg.tls.cert, key: cfg.tls.key }, handler) : createHttpServer(handler);
    server.keepAliveTimeout = cfg.idleTimeoutMs;
    server.headersTimeout = cfg.headersTimeoutMs;
    // Node's own whole-request timer as a backstop behind the body deadline (it answers an untyped 408).
    server.requestTimeout = cfg.headersTimeoutMs + cfg.bodyTimeoutMs + 5_000;
    server.maxConnections = 4096;
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', (err) => reject(new SignerNodeConfigError(`cannot listen on ${cfg.httpAddr}: ${err.message}`, { cause: err })));
      srv.listen(cfg.port, cfg.host, () => resolve());
    });
    srv.on('error', (err) => log.error({ err }, 'signer server error'));
    discovery?.start();
    for (const w of cfg.warnings) log.warn(w);
    const port = (srv.address() as AddressInfo).port;
    const hostForUrl = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
    const addr = `${hostForUrl}:${port}`;
    log.info({ addr, tls: cfg.tls !== undefined, address: info.address, remoteDiscovery: cfg.remoteDiscovery }, 'remote signer listening');
    let closing: Promise<void> | undefined;
    return {
      addr,
      port,
      url: `${cfg.tls ? 'https' : 'http'}://${addr}`,
      tls: cfg.tls !== undefined,
      address: info.address,
      service,
      metrics,
      discovery,
      close() {
        closing ??= (async () => {
          discovery?.close();
          await new Promise<void>((resolve) => {
            srv.close(() => resolve());
            srv.closeIdleConnections();
            // Requests in flight get a moment to finish; then every connection goes.
            setTimeout(() => srv.closeAllConnections(), 1000).unref();
          });
          await service.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    discovery?.close();
    server?.close();
    await service.close();
    throw err;
  }
}
