// go-livepeer's trickle routes over node's HTTP (HTTP/1.1 IncomingMessage/ServerResponse and the
// HTTP/2 compatibility API alike), relative to a base path:
//   POST /{ch}            create (autocreate only)     POST /{ch}/{seq}   publish (-1 = next write)
//   GET  /{ch}/{seq}      subscribe (-1 next, -2 cur)  GET  /{ch}/next    next write index
//   DELETE /{ch}/{seq}    end one segment              DELETE /{ch}       close and remove
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Channel } from './channel.js';
import { isTrickleError } from './errors.js';
import type { Segment } from './segment.js';
import type { TrickleServer } from './server.js';

export type TrickleRequest = IncomingMessage | Http2ServerRequest;
export type TrickleResponse = ServerResponse | Http2ServerResponse;

export const TRICKLE_STATUS_NONEXISTENT = 470;

const isH2 = (req: TrickleRequest): boolean => req.httpVersionMajor === 2;

/** go's http.Error: text/plain, nosniff, message + newline. */
function httpError(res: TrickleResponse, status: number, msg: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(`${msg}\n`);
}

function parseSeq(s: string, min: number): number | undefined {
  if (!/^-?\d{1,15}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= min ? n : undefined;
}

/**
 * Answers one trickle request. `path` is the request path below the base path (no leading slash,
 * no query). Returns false when the path is not a trickle route (the caller answers 404).
 */
export function handleTrickle(server: TrickleServer, req: TrickleRequest, res: TrickleResponse, path: string): boolean {
  const parts = path.split('/');
  if (parts.length > 2 || !parts[0]) return false;
  const [name, sub] = parts as [string, string | undefined];
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'POST' || method === 'DELETE') server.requests[method]++;
  if (sub === undefined) {
    if (method === 'POST') return create(server, req, res, name), true;
    if (method === 'DELETE') {
      if (server.closeChannel(name)) res.end();
      else httpError(res, 400, 'Invalid stream');
      return true;
    }
    return false;
  }
  if (method === 'GET' && sub === 'next') return next(server, res, name), true;
  if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') return false;
  const channel = method === 'POST' ? channelForPost(server, req, res, name) : server.channel(name);
  if (!channel) {
    if (!res.headersSent) httpError(res, 404, 'Stream not found', method === 'POST' && !isH2(req) ? { Connection: 'close' } : {});
    return true;
  }
  const seq = parseSeq(sub, method === 'GET' ? -2 : method === 'POST' ? -1 : 0);
  if (seq === undefined) return httpError(res, 400, 'Invalid idx'), true;
  if (method === 'POST') publish(server, channel, req, res, seq);
  else if (method === 'GET') void subscribe(channel, req, res, seq);
  else {
    const seg = channel.get(seq);
    if (!seg) httpError(res, 400, 'Nonexistent segment');
    else {
      seg.end();
      res.end();
    }
  }
  return true;
}

function create(server: TrickleServer, req: TrickleRequest, res: TrickleResponse, name: string): void {
  const mime = header(req, 'expect-content') ?? 'application/octet-stream';
  if (server.hasChannel(name)) return void res.end();
  if (!server.autocreate) return httpError(res, 404, 'Stream not found');
  try {
    server.channel(name, { mime });
    res.end();
  } catch (e) {
    refuse(res, e);
  }
}

function channelForPost(server: TrickleServer, req: TrickleRequest, res: TrickleResponse, name: string): Channel | undefined {
  try {
    return server.channel(name, server.autocreate ? { mime: header(req, 'content-type') ?? 'application/octet-stream' } : undefined);
  } catch (e) {
    refuse(res, e);
    return undefined;
  }
}

function refuse(res: TrickleResponse, e: unknown): void {
  if (isTrickleError(e)) httpError(res, e.status ?? 400, e.message, { 'Livepeer-Error-Code': e.code });
  else httpError(res, 500, 'Server error');
}

function header(req: TrickleRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v || undefined;
}

function next(server: TrickleServer, res: TrickleResponse, name: string): void {
  const c = server.channel(name);
  if (!c) return httpError(res, 404, 'Stream not found');
  const n = String(c.nextWrite);
  res.writeHead(200, { 'Lp-Trickle-Latest': n, 'Content-Type': 'text/plain; charset=utf-8', ...(c.closed ? { 'Lp-Trickle-Closed': 'terminated' } : {}) });
  res.end(n);
}

function publish(server: TrickleServer, c: Channel, req: TrickleRequest, res: TrickleResponse, seq: number): void {
  const seg = c.forWrite(seq);
  if (header(req, 'lp-trickle-reset') !== undefined) c.resetBelow(seg.seq);
  let total = 0;
  let done = false;
  // A preconnect: until the first byte, a 100 Continue now and then keeps proxies and the client
  // from timing the request out (go-livepeer sends one after each 10 s without a byte).
  const keepalive = setInterval(() => {
    if (total === 0 && !res.headersSent) res.writeContinue();
  }, server.firstByteKeepaliveMs);
  keepalive.unref();
  const finish = () => {
    done = true;
    clearInterval(keepalive);
    req.off('data', onData);
  };
  const answer = (extra: Record<string, string> = {}) => {
    finish();
    if (res.headersSent) return;
    res.writeHead(200, { 'Lp-Trickle-Seq': String(seg.seq), ...(c.closed ? { 'Lp-Trickle-Closed': 'terminated' } : {}), ...extra });
    res.end();
  };
  const onData = (chunk: Buffer) => {
    if (done) return;
    if (total === 0) c.started(seg, Date.now());
    total += chunk.length;
    if (seg.state !== 'open' || seg.released) return; // the segment was closed meanwhile: the rest is dropped
    if (!seg.append(chunk)) {
      finish();
      httpError(res, 413, seg.error?.message ?? 'segment too large', { 'Lp-Trickle-Seq': String(seg.seq), ...(isH2(req) ? {} : { Connection: 'close' }) });
    }
  };
  req.on('data', onData);
  req.once('end', () => {
    if (done) return;
    if (total === 0) c.started(seg, Date.now()); // an empty POST still advances the live edge
    seg.end();
    answer();
  });
  req.once('error', () => lost());
  res.once('close', () => lost());
  // A POST that broke off mid-body aborts its segment (readers must not take it as whole). One that
  // broke off before its first byte (a preconnect the host or the client cut) leaves the segment
  // fresh, as go-livepeer does: its waiting readers stay, and the reopened POST writes into it.
  const lost = () => {
    if (done) return;
    finish();
    if (total > 0) seg.abort();
  };
  // The segment ends under a waiting preconnect (channel closed, slot reused, DELETE of the seq):
  // answer now, as go-livepeer's closeCh does, with Connection: close so HTTP/1.1 drops the body.
  const changed = waitUntilNotFresh(seg);
  void changed.then(() => {
    if (done || total > 0) return;
    if (seg.state === 'open' && !seg.released) return;
    c.started(seg, Date.now());
    answer(isH2(req) ? {} : { Connection: 'close' });
    if (isH2(req)) (res as Http2ServerResponse).stream?.close();
  });
}

/** Resolves once the segment got a byte, ended, was aborted or released. */
async function waitUntilNotFresh(seg: Segment): Promise<void> {
  while (seg.fresh && !seg.released) await seg.changed();
}

async function subscribe(c: Channel, req: TrickleRequest, res: TrickleResponse, seq: number): Promise<void> {
  const t = c.forRead(seq);
  if (!t.segment) {
    const headers: Record<string, string> = { 'Lp-Trickle-Latest': String(t.latest), 'Lp-Trickle-Seq': String(t.seq), 'Content-Type': 'text/plain; charset=utf-8' };
    if (t.closed) headers['Lp-Trickle-Closed'] = 'terminated';
    res.writeHead(t.closed ? 200 : TRICKLE_STATUS_NONEXISTENT, headers);
    res.end('Entry not found');
    return;
  }
  const seg = t.segment;
  const cursor = seg.reader();
  let gone = false;
  let wakeGone: () => void = () => {};
  const goneP = new Promise<void>((r) => (wakeGone = r));
  const onClose = () => {
    gone = true;
    wakeGone();
  };
  res.once('close', onClose);
  req.once('error', onClose);
  try {
    for (;;) {
      if (gone) return;
      const step = cursor.step();
      if (step.kind === 'data') {
        if (!res.headersSent) {
          const h: Record<string, string> = { 'Lp-Trickle-Seq': String(seg.seq), 'Content-Type': c.mime };
          if (seg.seq !== t.latest) h['Lp-Trickle-Latest'] = String(t.latest);
          res.writeHead(200, h);
        }
        let ok = true;
        for (const chunk of step.chunks) ok = (res as ServerResponse).write(chunk);
        if (!ok) await Promise.race([new Promise<void>((r) => res.once('drain', r)), goneP]);
      } else if (step.kind === 'wait') {
        await Promise.race([seg.changed(), goneP]);
      } else if (step.kind === 'end' || cursor.read === 0) {
        // Ended (or abandoned before a byte: readers move on as from an empty segment).
        if (!res.headersSent) {
          const h: Record<string, string> = { 'Lp-Trickle-Seq': String(seg.seq), 'Lp-Trickle-Latest': String(c.nextWrite), 'Content-Type': c.mime };
          if (c.closed) h['Lp-Trickle-Closed'] = 'terminated';
          res.writeHead(200, h);
        }
        res.end();
        return;
      } else {
        // Abandoned or fell out of the window mid-body: the reader must see the body as broken.
        res.destroy(step.error);
        return;
      }
    }
  } finally {
    cursor.close();
    res.off('close', onClose);
    req.off('error', onClose);
  }
}
