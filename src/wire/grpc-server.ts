// Serving net.Orchestrator (gRPC) and the orchestrator's HTTPS API on ONE port, as go-livepeer does:
// fastify with `http2: true` and `https: { allowHTTP1: true }` (HTTP/1.1 clients still work) and the
// Connect fastify plugin restricted to the gRPC protocol.
import { Code, ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import { fastifyConnectPlugin } from '@connectrpc/connect-fastify';
import type { FastifyHttp2SecureOptions, FastifyInstance } from 'fastify';
import type { Http2SecureServer } from 'node:http2';
import { Orchestrator } from './gen/net/lp_rpc_pb.js';
import { AuthTokenError, InvalidFieldError, ValueRangeError, WireError, WireSignatureError } from './errors.js';
import { WIRE_LIMITS, WireLimitError } from './limits.js';
import { refusalConnectError } from './refusal.js';

export type OrchestratorServiceImpl = Partial<ServiceImpl<typeof Orchestrator>>;

export interface OrchestratorServerLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS per HTTP/2 session (default 250, Go's HTTP/2 server's, so go-livepeer's). */
  maxConcurrentStreams?: number;
  /** An HTTP/2 session with no activity for this long is closed gracefully (GOAWAY); default 10 min, go-livepeer's HTTPIdleTimeout. */
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_CONCURRENT_STREAMS = 250;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;

/**
 * fastify options for the single-port server: HTTP/2 over TLS with HTTP/1.1 fallback. Pass the
 * result to fastify({ ...orchestratorServerOptions(tls), logger }). Node's HTTP/2 defaults are
 * unlimited concurrent streams per session (one connection could hold any number of stalled
 * requests) and a 64 KiB header list (below what WIRE_LIMITS lets the payment headers take).
 */
export function orchestratorServerOptions(tls: { key: string; cert: string }, limits: OrchestratorServerLimits = {}): FastifyHttp2SecureOptions<Http2SecureServer> {
  return {
    http2: true,
    http2SessionTimeout: limits.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    https: {
      allowHTTP1: true,
      key: tls.key,
      cert: tls.cert,
      settings: { maxConcurrentStreams: limits.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS, maxHeaderListSize: WIRE_LIMITS.headerListBytes },
    },
  };
}

/**
 * Maps wire errors to gRPC status codes, with the wire code in the status details (ErrorDetail);
 * other errors pass through (ConnectError stays as is).
 */
export function toConnectError(err: unknown): unknown {
  if (err instanceof ConnectError || !(err instanceof WireError)) return err;
  let code = Code.Internal;
  if (err instanceof WireSignatureError) code = Code.PermissionDenied;
  else if (err instanceof AuthTokenError) code = Code.Unauthenticated;
  else if (err instanceof InvalidFieldError || err instanceof ValueRangeError || err instanceof WireLimitError) code = Code.InvalidArgument;
  else if (err.code === 'WIRE_BAD_PROTOBUF' || err.code === 'WIRE_BAD_BASE64') code = Code.InvalidArgument;
  const reason = err instanceof WireSignatureError ? err.reason : err instanceof WireLimitError ? err.limit : undefined;
  return refusalConnectError(err.message, code, err.code, { fatal: err.fatal, cause: err, ...(reason === undefined ? {} : { reason }) });
}

function wrapImpl(impl: OrchestratorServiceImpl): OrchestratorServiceImpl {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl) as [string, ((...a: unknown[]) => unknown) | undefined][]) {
    if (typeof fn !== 'function') continue;
    out[name] = async (...args: unknown[]) => {
      try {
        return await fn.apply(impl, args);
      } catch (err) {
        throw toConnectError(err);
      }
    };
  }
  return out as OrchestratorServiceImpl;
}

export interface RegisterOrchestratorServiceOptions {
  /**
   * Largest accepted request message; default WIRE_LIMITS.orchestratorRequestBytes (64 KiB, not
   * grpc-go's 4 MiB: an honest request is a few KB and decoding MBs blocks the event loop).
   */
  readMaxBytes?: number;
  /** On fastify.close(), abort calls still open after this long (default: no forced abort). */
  shutdownTimeoutMs?: number;
}

/**
 * Registers net.Orchestrator on a fastify instance (any routes the node adds stay on the same
 * port). Unimplemented methods answer gRPC UNIMPLEMENTED. Wire errors thrown by the handlers are
 * turned into gRPC statuses by toConnectError.
 */
export async function registerOrchestratorService(
  app: FastifyInstance<any, any, any, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  impl: OrchestratorServiceImpl,
  opts: RegisterOrchestratorServiceOptions = {},
): Promise<void> {
  await app.register(fastifyConnectPlugin as never, {
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: opts.readMaxBytes ?? WIRE_LIMITS.orchestratorRequestBytes,
    ...(opts.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: opts.shutdownTimeoutMs }),
    routes: (router: ConnectRouter) => {
      router.service(Orchestrator, wrapImpl(impl));
    },
  });
}
