// go-livepeer's ticket redemption service (net.TicketRedeemer, net/redeemer.proto) over gRPC on
// HTTP/2 + TLS: the server side registers on a fastify instance (as net.Orchestrator does), the
// client dials host:port as go-livepeer's RedeemerClient does (TLS without verification: the
// redeemer's certificate is self-signed, GRPCConnectTimeout 3 s, GRPCTimeout 8 s per unary call).
import { createClient, type Client, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import { fastifyConnectPlugin } from '@connectrpc/connect-fastify';
import type { FastifyInstance } from 'fastify';
import { TicketRedeemer } from './gen/net/redeemer_pb.js';
import { baseUrlOf, grpcPeerTransport, type OrchestratorClientOptions } from './grpc-client.js';
import { toConnectError } from './grpc-server.js';

export type RedeemerServiceImpl = ServiceImpl<typeof TicketRedeemer>;

/** A Ticket is a few hundred bytes; anything near this is not one. */
export const REDEEMER_READ_MAX_BYTES = 16 * 1024;

function wrap(impl: RedeemerServiceImpl): RedeemerServiceImpl {
  return {
    async queueTicket(req, ctx) {
      try {
        return await impl.queueTicket(req, ctx);
      } catch (err) {
        throw toConnectError(err);
      }
    },
    async maxFloat(req, ctx) {
      try {
        return await impl.maxFloat(req, ctx);
      } catch (err) {
        throw toConnectError(err);
      }
    },
    async *monitorMaxFloat(req, ctx) {
      try {
        yield* impl.monitorMaxFloat(req, ctx);
      } catch (err) {
        throw toConnectError(err);
      }
    },
  };
}

export interface RegisterRedeemerServiceOptions {
  /** On fastify.close(), abort calls (open MonitorMaxFloat streams) still open after this long. */
  shutdownTimeoutMs?: number;
}

/**
 * Registers net.TicketRedeemer on a fastify instance (gRPC protocol only). Wire errors thrown by
 * the handlers become gRPC statuses (INVALID_ARGUMENT, …) with the code in the status details.
 */
export async function registerRedeemerService(
  app: FastifyInstance<any, any, any, any, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  impl: RedeemerServiceImpl,
  opts: RegisterRedeemerServiceOptions = {},
): Promise<void> {
  await app.register(fastifyConnectPlugin as never, {
    grpc: true,
    grpcWeb: false,
    connect: false,
    readMaxBytes: REDEEMER_READ_MAX_BYTES,
    ...(opts.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: opts.shutdownTimeoutMs }),
    routes: (router: ConnectRouter) => {
      router.service(TicketRedeemer, wrap(impl));
    },
  });
}

export type RedeemerClient = Client<typeof TicketRedeemer> & {
  readonly baseUrl: string;
  /** Closes the HTTP/2 connection (open calls and streams fail); the next call reconnects. */
  close(): void;
};

/**
 * go-livepeer's defaultAddr for -redeemerAddr: "" → 127.0.0.1:8935, ":p" → 127.0.0.1:p, "host" →
 * host:8935. A URL (https://host:port) is taken as it is.
 */
export function redeemerBaseUrl(addr: string): string {
  if (addr.includes('://')) return baseUrlOf(addr, 'redeemer');
  let hostPort = addr;
  if (hostPort === '') hostPort = '127.0.0.1:8935';
  else if (hostPort.startsWith(':')) hostPort = `127.0.0.1${hostPort}`;
  else if (!hostPort.includes(':')) hostPort = `${hostPort}:8935`;
  return baseUrlOf(`https://${hostPort}`, 'redeemer');
}

/** A client of net.TicketRedeemer at `addr` (-redeemerAddr: host:port, TLS). */
export function createRedeemerClient(addr: string, opts: OrchestratorClientOptions = {}): RedeemerClient {
  const baseUrl = redeemerBaseUrl(addr);
  const { transport, sessions } = grpcPeerTransport(baseUrl, opts, 'redeemer');
  return Object.assign(createClient(TicketRedeemer, transport), { baseUrl, close: () => sessions.abort() });
}
