// Request-body bounds shared by the gateway's and the orchestrator's HTTP servers, for HTTP/1 and
// HTTP/2 alike, enforced while the body arrives (before anything parses it or looks at a payment):
//  - size: a declared Content-Length above the route's limit is refused at once; without one
//    (chunked, or an HTTP/2 stream) the bytes are counted as they are pushed into the request, so a
//    multipart body has a total cap too (@fastify/multipart reads req.raw itself, past fastify's
//    bodyLimit, and its own limits are per part);
//  - time: no byte for `idleMs` (slowloris), or the body not complete `totalMs` after its headers
//    (a client trickling one byte per idle period). Node's requestTimeout covers HTTP/1 only and
//    answers an untyped 408; HTTP/2 streams have no timer at all.
// A refused body is dropped as it comes (nothing is buffered), the caller's typed answer goes out,
// and then the request is ended: an HTTP/2 stream is reset (NO_ERROR, RFC 9113 §8.1, after the
// complete answer); an HTTP/1 connection keeps draining for `lingerMs` (so the client gets to read
// the answer rather than a reset) and is then destroyed if the body still has not ended.
import { constants, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * HTTP/1 lingering close (nginx's lingering_time is 30 s): a client still sending a refused body
 * only reads the answer once its own write loop gets to it, and a reset before then loses the answer
 * for an EPIPE. Bounded in time; the bytes are dropped as they come.
 */
export const DEFAULT_LINGER_MS = 5000;

/** A JSON job (a prompt, an llm conversation of a long context window) is far below this. */
export const MAX_JSON_BODY_BYTES = 4 * 1024 * 1024;

/** The body limit of a route: multipart routes take `maxBodyBytes`, JSON routes at most MAX_JSON_BODY_BYTES. */
export function routeBodyLimit(json: boolean, maxBodyBytes: number): number {
  return json ? Math.min(maxBodyBytes, MAX_JSON_BODY_BYTES) : maxBodyBytes;
}

export type BodyRefusal =
  | { kind: 'too-large'; limit: number; bytes: number; declared: boolean }
  | { kind: 'idle'; ms: number }
  | { kind: 'total'; ms: number };

export interface BodyGuardOptions {
  maxBytes: number;
  idleMs: number;
  totalMs: number;
  /** Sends the typed answer (413 / 408). Called at most once, and only while the reply is unsent. */
  refuse(reply: FastifyReply, why: BodyRefusal): void;
  /** HTTP/1: how long a refused body may keep draining before the connection is destroyed (default DEFAULT_LINGER_MS). */
  lingerMs?: number;
  /**
   * End the request once it is answered while its body is still arriving (default true). False
   * where the route owns its stream's ending (gRPC: Connect sends trailers after the body's 'finish').
   */
  endAfterAnswer?: boolean;
}

type RawRequest = FastifyRequest['raw'] & { push(chunk: unknown, encoding?: BufferEncoding): boolean; complete?: boolean; stream?: ServerHttp2Stream };

/** The HTTP/2 stream under a request (undefined for HTTP/1.1). */
export function h2StreamOf(req: FastifyRequest): ServerHttp2Stream | undefined {
  return (req.raw as RawRequest).stream;
}

function bodyDone(raw: RawRequest): boolean {
  return raw.stream ? raw.stream.readableEnded || raw.stream.destroyed : raw.complete === true;
}

/**
 * Guards one request's body; call from an onRequest hook. Does nothing for a body that is already
 * complete (no body, or one that arrived with its headers and was counted by the parser's limit).
 */
export function guardRequestBody(req: FastifyRequest, reply: FastifyReply, o: BodyGuardOptions): void {
  watchBody(req, reply, o);
}

/** For a request answered before its body is read (refused at once): the body is dropped as it comes, then the request is ended. */
export function discardRequestBody(req: FastifyRequest, reply: FastifyReply, lingerMs?: number): void {
  watchBody(req, reply, undefined, lingerMs);
}

function watchBody(req: FastifyRequest, reply: FastifyReply, o: BodyGuardOptions | undefined, lingerMs = o?.lingerMs ?? DEFAULT_LINGER_MS): void {
  const raw = req.raw as RawRequest;
  const declared = Number(req.headers['content-length']);
  let refused = o === undefined;
  let ended = false;
  let idle: NodeJS.Timeout | undefined;
  let total: NodeJS.Timeout | undefined;
  let linger: NodeJS.Timeout | undefined;
  /** Set once the answer is out with the body still arriving on an HTTP/1 connection (lingerOnClose). */
  let endLingeringClose: (() => void) | undefined;

  const stopTimers = () => {
    clearTimeout(idle);
    clearTimeout(total);
  };
  const refuse = (why: BodyRefusal) => {
    if (refused || ended) return;
    refused = true;
    stopTimers();
    if (reply.sent || !o) return;
    // What the abandoned body's consumer reports later (aborted, premature close) is noise.
    reply.log.level = 'silent';
    o.refuse(reply, why);
  };

  if (o && Number.isFinite(declared) && declared > o.maxBytes) {
    refuse({ kind: 'too-large', limit: o.maxBytes, bytes: declared, declared: true });
  }
  if (!refused && bodyDone(raw)) return;

  let bytes = raw.readableLength;
  const push = raw.push.bind(raw);
  // Both node's HTTP/1 parser and the HTTP/2 compatibility layer feed the request through push():
  // counting there sees every byte before any consumer, whoever reads the body and however.
  raw.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk === null) {
      ended = true;
      stopTimers();
      clearTimeout(linger);
      const ok = push(null);
      endLingeringClose?.();
      return ok;
    }
    if (refused) return true; // dropped: keep reading so the peer is never stalled on us
    bytes += (chunk as { length: number }).length;
    if (o && bytes > o.maxBytes) {
      refuse({ kind: 'too-large', limit: o.maxBytes, bytes, declared: false });
      return true;
    }
    idle?.refresh();
    return encoding === undefined ? push(chunk) : push(chunk, encoding);
  };
  if (o && !refused) {
    idle = setTimeout(() => refuse({ kind: 'idle', ms: o.idleMs }), o.idleMs);
    total = setTimeout(() => refuse({ kind: 'total', ms: o.totalMs }), o.totalMs);
  }

  // Once the answer is out (ours or the handler's) a body still arriving is not wanted. (The HTTP/2
  // compatibility response emits 'finish' only once the stream has closed: watch the stream.)
  const stream = raw.stream;
  if (o?.endAfterAnswer === false) {
    raw.once('close', stopTimers);
    return;
  }
  if (!stream) {
    // The answer is queued in full: from here on the connection closes the lingering way.
    reply.raw.once('prefinish', () => {
      if (!ended && !bodyDone(raw) && raw.socket) endLingeringClose = lingerOnClose(raw.socket);
    });
  }
  (stream ?? reply.raw).once('finish', () => {
    stopTimers();
    if (ended || bodyDone(raw)) return;
    if (stream) {
      if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
      return;
    }
    refused = true; // drop the rest
    linger = setTimeout(() => raw.socket?.destroy(), lingerMs);
    linger.unref();
  });
  raw.once('close', () => {
    stopTimers();
    clearTimeout(linger);
  });
}

/**
 * A lingering close for an HTTP/1 connection whose answer node ends the connection after (the
 * client sent `Connection: close`, as Go's client without keep-alive and node's without an agent
 * do): node calls socket.destroySoon() the moment the answer is flushed, and destroying a socket
 * with the client's body still arriving makes the kernel answer that body with a reset, which
 * discards the answer the client has not read yet (CI saw a 40 MB upload get EPIPE, not its 413).
 * Instead, only our side is closed (the answer then FIN), the body keeps draining, and the socket
 * is destroyed once it has ended (nothing unread left: a clean close) or by the linger timer.
 * Returns the function to call when the body has ended.
 */
function lingerOnClose(socket: Socket): () => void {
  let closeRequested = false;
  // An own property over net.Socket's method, for this socket only, removed when the body ends.
  socket.destroySoon = function halfClose(this: Socket): void {
    closeRequested = true;
    if (this.writable) this.end();
  };
  return () => {
    delete (socket as Partial<Pick<Socket, 'destroySoon'>>).destroySoon;
    if (closeRequested && !socket.destroyed) socket.destroySoon();
  };
}
