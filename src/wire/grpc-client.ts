// gRPC client for go-livepeer's net.Orchestrator over HTTP/2. Like go-livepeer's gateway it skips
// TLS verification (orchestrators use self-signed certificates), uses cleartext h2c for http:// URLs,
// gives the connection 3 s to open (GRPCConnectTimeout) and each call 8 s (GRPCTimeout).
import { Code, ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { Orchestrator } from './gen/net/lp_rpc_pb.js';

export const GRPC_CONNECT_TIMEOUT_MS = 3_000;
export const GRPC_CALL_TIMEOUT_MS = 8_000;

export interface OrchestratorClientOptions {
  /** Default 3000 (go-livepeer GRPCConnectTimeout). */
  connectTimeoutMs?: number;
  /** Default 8000 (go-livepeer GRPCTimeout); a per-call `timeoutMs` overrides it. */
  callTimeoutMs?: number;
  /**
   * Verify the server certificate. Default false, as go-livepeer (self-signed orchestrator certs).
   * When true, `ca` may hold the PEM to trust.
   */
  verifyTls?: boolean;
  ca?: string;
  /** Close the HTTP/2 connection after this long without calls. Default 30 s. */
  idleConnectionTimeoutMs?: number;
  /**
   * PING the peer after this long without a frame and close the connection (failing its open
   * streams) when no answer comes within 15 s: a long-lived stream notices a vanished peer.
   * Default: no pings.
   */
  pingIntervalMs?: number;
}

export type OrchestratorClient = Client<typeof Orchestrator> & {
  /** The orchestrator's base URL (scheme://host:port). */
  readonly baseUrl: string;
  /** Closes the HTTP/2 connection (open calls fail). The client reconnects on the next call. */
  close(): void;
};

export function baseUrlOf(url: string, peer = 'orchestrator'): string {
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `https://${url}`);
  } catch {
    throw new ConnectError(`invalid ${peer} URL ${JSON.stringify(url)}: expected https://host:port`, Code.InvalidArgument);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new ConnectError(`${peer} URL ${url} must be https:// (or http:// for cleartext h2c)`, Code.InvalidArgument);
  }
  return `${u.protocol}//${u.host}`;
}

/** The HTTP/2 connection and gRPC transport a client of one peer uses (go-livepeer's dial settings). */
export function grpcPeerTransport(
  baseUrl: string,
  opts: OrchestratorClientOptions,
  peer: string,
): { transport: ReturnType<typeof createGrpcTransport>; sessions: Http2SessionManager } {
  const connectTimeoutMs = opts.connectTimeoutMs ?? GRPC_CONNECT_TIMEOUT_MS;
  const tls = baseUrl.startsWith('https:')
    ? { rejectUnauthorized: opts.verifyTls ?? false, ...(opts.ca === undefined ? {} : { ca: opts.ca }) }
    : {};
  const sessions = new Http2SessionManager(
    baseUrl,
    { idleConnectionTimeoutMs: opts.idleConnectionTimeoutMs ?? 30_000, ...(opts.pingIntervalMs === undefined ? {} : { pingIntervalMs: opts.pingIntervalMs }) },
    tls,
  );

  // Bound the connection set-up separately from the call, as grpc.WithBlock + GRPCConnectTimeout do.
  const connectDeadline: Interceptor = (next) => async (req) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), connectTimeoutMs);
    });
    try {
      const state = await Promise.race([sessions.connect(), timeout]);
      if (state === 'timeout') {
        sessions.abort(new Error('connect timeout'));
        throw new ConnectError(`could not connect to ${peer} ${baseUrl} within ${connectTimeoutMs} ms`, Code.Unavailable);
      }
      if (state === 'error') {
        const cause = sessions.error();
        throw new ConnectError(
          `could not connect to ${peer} ${baseUrl}: ${cause instanceof Error ? cause.message : String(cause)}`,
          Code.Unavailable,
          undefined,
          undefined,
          cause,
        );
      }
    } finally {
      clearTimeout(timer);
    }
    return next(req);
  };

  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: sessions,
    defaultTimeoutMs: opts.callTimeoutMs ?? GRPC_CALL_TIMEOUT_MS,
    interceptors: [connectDeadline],
  });
  return { transport, sessions };
}

/**
 * A client for `net.Orchestrator` at `url` (its service URI, e.g. https://o.example:8935; a bare
 * host:port means https). Calls: GetOrchestrator, EndTranscodingSession, Ping.
 */
export function createOrchestratorClient(url: string, opts: OrchestratorClientOptions = {}): OrchestratorClient {
  const baseUrl = baseUrlOf(url);
  const { transport, sessions } = grpcPeerTransport(baseUrl, opts, 'orchestrator');
  const client = createClient(Orchestrator, transport);
  return Object.assign(client, {
    baseUrl,
    close: () => sessions.abort(),
  });
}
