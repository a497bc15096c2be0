// Node's own HTTP/1 timers, set the same way on both nodes' servers (the gateway's http.Server and
// the orchestrator's HTTP/1.1 fallback on its HTTP/2 server), and their refusals answered with a
// typed code instead of node's bare 408: headers not complete within headersTimeoutMs (slowloris
// on the headers, which no route hook can see), an idle keep-alive connection closed after
// idleTimeoutMs. The per-request body timers are body-guard.ts's (they cover HTTP/2 too); node's
// requestTimeout is left above them as a backstop.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Http1Timeouts {
  headersTimeoutMs: number;
  /** The body's own deadline (body-guard.ts); node's requestTimeout is set to headers + this. */
  bodyTimeoutMs: number;
  /** Keep-alive: an idle connection is closed after this long. */
  idleTimeoutMs: number;
}

interface NodeHttp1Server {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
}

/** Sets the timers (before listen(): node starts its connection checker on 'listening'). */
export function setHttp1Timeouts(server: unknown, t: Http1Timeouts): void {
  const s = server as NodeHttp1Server;
  s.headersTimeout = t.headersTimeoutMs;
  s.requestTimeout = t.headersTimeoutMs + t.bodyTimeoutMs;
  s.keepAliveTimeout = t.idleTimeoutMs;
  // Node checks the two request timers on this period (default 30 s, so a 1 s timeout fired after 30).
  s.connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(t.headersTimeoutMs / 4)));
}

/** What a node answers to a connection-level HTTP/1 error (node's 'clientError'). */
export interface ClientErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** 'timeout': headers (or, as a backstop, the whole request) not in time; 'headers-too-large': above node's header size; 'bad-request': unparsable. */
export type ClientErrorKind = 'timeout' | 'headers-too-large' | 'bad-request';

/**
 * A fastify clientErrorHandler that writes the node's typed answer and closes the connection. It
 * ends the socket rather than destroying it at once (a TLS write may still be pending), and
 * destroys it a second later if the peer has not closed its side by then.
 */
export function clientErrorHandler(answer: (kind: ClientErrorKind) => ClientErrorAnswer): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const kind: ClientErrorKind = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : 'bad-request';
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const a = answer(kind);
    const body = Buffer.from(a.body);
    const head = [`HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}`, ...Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, 'Connection: close'];
    socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]));
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}
