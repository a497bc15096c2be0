// The redeemer's gRPC server: net.TicketRedeemer on HTTP/2 + TLS (a self-signed certificate in the
// data dir, as go-livepeer's getCert), on -httpAddr (port 0: any free port, reported back).
import type { Http2SecureServer } from 'node:http2';
import Fastify, { type FastifyInstance } from 'fastify';
import { ensureTlsCert, orchestratorServerOptions, registerRedeemerService } from '../../wire/index.js';
import { trackConnections } from '../common/index.js';
import { RedeemerConfigError } from './errors.js';
import type { RedeemerService } from './service.js';

export interface RedeemerServer {
  /** host:port it listens on (what orchestrators pass as -redeemerAddr). */
  addr: string;
  /** https://host:port */
  url: string;
  certPem: string;
  close(): Promise<void>;
}

export function splitHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new RedeemerConfigError(`-httpAddr ${addr} must be host:port (e.g. 127.0.0.1:8935; port 0 = any free port)`);
  return { host: (m[1] ?? m[2])!, port };
}

export async function startRedeemerServer(opts: { httpAddr: string; dataDir: string; service: RedeemerService }): Promise<RedeemerServer> {
  const { host, port } = splitHostPort(opts.httpAddr);
  const tls = await ensureTlsCert(opts.dataDir, [host]).catch((err: unknown) => {
    throw new RedeemerConfigError(`cannot create the TLS certificate in ${opts.dataDir}: ${(err as Error).message}`, { cause: err });
  });
  const app = Fastify({ ...orchestratorServerOptions(tls), logger: false }) as unknown as FastifyInstance;
  const connections = trackConnections(app.server as unknown as Http2SecureServer);
  try {
    await registerRedeemerService(app, opts.service.impl, { shutdownTimeoutMs: 1000 });
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw new RedeemerConfigError(`cannot listen on ${opts.httpAddr}: ${(err as Error).message}`, { cause: err });
  }
  const a = app.server.address();
  const bound = typeof a === 'object' && a ? a.port : port;
  const h = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    addr: `${h}:${bound}`,
    url: `https://${h}:${bound}`,
    certPem: tls.cert,
    close() {
      closing ??= (async () => {
        // Streams end first (OK), so clients see a clean end rather than a reset.
        opts.service.close();
        const done = app.close();
        connections.closeAll(1000);
        await done;
      })();
      return closing;
    },
  };
}
