// Graceful-then-firm shutdown for a TLS server that speaks HTTP/2 and HTTP/1.1 on one port.
// server.close() waits for every open session, and gRPC / HTTP/2 clients keep sessions open
// indefinitely, so a node's close() could hang for minutes. On close we ask every session to
// finish (GOAWAY lets in-flight streams complete) and destroy whatever is still open after a grace.
import type { Http2Session, Http2SecureServer } from 'node:http2';
import type { TLSSocket } from 'node:tls';

export interface ConnectionTracker {
  /** Closes sessions gracefully, then destroys them (and raw sockets) after `graceMs`. */
  closeAll(graceMs?: number): void;
  readonly open: number;
}

export function trackConnections(server: Http2SecureServer): ConnectionTracker {
  const sessions = new Set<Http2Session>();
  const sockets = new Set<TLSSocket>();
  server.on('session', (s: Http2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('secureConnection', (sock: TLSSocket) => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
  });
  return {
    get open() {
      return sessions.size + sockets.size;
    },
    closeAll(graceMs = 1000) {
      for (const s of sessions) if (!s.closed) s.close();
      if (sessions.size + sockets.size === 0) return;
      setTimeout(() => {
        for (const s of sessions) s.destroy();
        for (const sock of sockets) sock.destroy();
      }, graceMs).unref();
    },
  };
}
