// Where a TrickleServer is served from: a fastify instance under a prefix (the orchestrator's
// HTTPS port, /ai/trickle/), or a plain node HTTP server of its own (the standalone command).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleTrickle, type TrickleRequest, type TrickleResponse } from './http.js';
import { TrickleServer, type TrickleServerOptions } from './server.js';

/** go-livepeer's TrickleHTTPPath. */
export const TRICKLE_HTTP_PATH = '/ai/trickle/';

function notFound(res: TrickleResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('404 page not found\n');
}

function serveSafely(trickle: TrickleServer, req: TrickleRequest, res: TrickleResponse, path: string | undefined): void {
  try {
    if (path === undefined || !handleTrickle(trickle, req, res, path)) notFound(res);
  } catch {
    if (!res.headersSent) {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Server error\n');
    } else res.destroy();
  }
}

function below(url: string, prefix: string): string | undefined {
  const q = url.indexOf('?');
  const p = q === -1 ? url : url.slice(0, q);
  if (!p.startsWith(prefix)) return undefined;
  try {
    return decodeURIComponent(p.slice(prefix.length));
  } catch {
    return undefined;
  }
}

/**
 * Serves `trickle` on `app` under `prefix` (default /ai/trickle/). The routes take the raw request
 * and response before fastify parses anything (an onRequest hook that hijacks the reply), so bodies
 * stream both ways, and the app's bodyLimit and content-type parsers never apply. Long-lived
 * requests are expected: keep the host's HTTP/1.1 `requestTimeout` above the longest segment
 * (a POST lasts as long as its segment is written) and its HTTP/2 session timeout above 20 s
 * (clients re-issue a waiting GET every 20 s; a waiting POST gets a 100 Continue every 10 s).
 */
export async function registerTrickle(app: FastifyInstance, trickle: TrickleServer, opts: { prefix?: string } = {}): Promise<void> {
  const base = (opts.prefix ?? TRICKLE_HTTP_PATH).replace(/\/*$/, '/');
  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const path = below(req.raw.url ?? '', base);
    const raw = req.raw as TrickleRequest;
    const res = reply.raw as TrickleResponse;
    serveSafely(trickle, raw, res, path);
  };
  app.route({ method: ['GET', 'POST', 'DELETE'], url: `${base}*`, onRequest: serve, handler: async () => {} });
}

export interface StandaloneTrickle {
  /** http://host:port/ — channels are at <url><channel>. */
  url: string;
  port: number;
  trickle: TrickleServer;
  close(): Promise<void>;
}

/**
 * A standalone trickle server on a plain HTTP/1.1 node server (autocreate on by default), at the
 * root path: `livepeer-ts trickle -httpAddr 127.0.0.1:0`.
 */
export async function startTrickleServer(o: { host?: string; port?: number; basePath?: string } & TrickleServerOptions = {}): Promise<StandaloneTrickle> {
  const trickle = new TrickleServer({ autocreate: true, ...o });
  const base = (o.basePath ?? '/').replace(/\/*$/, '/');
  const http: Server = createServer((req, res) => {
    serveSafely(trickle, req, res, below(req.url ?? '', base));
  });
  // Segments and preconnects are long-lived requests; the sweep and the clients bound them instead.
  http.requestTimeout = 0;
  http.headersTimeout = 30_000;
  http.keepAliveTimeout = 60_000;
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}${base}`,
    port,
    trickle,
    close: async () => {
      trickle.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
