// The JSON batch routes (POST /llm, /text-to-image, /text-to-speech) over HTTP/2 without fastify's
// compatibility layer: the paid path's per-job cost was mostly fastify's request/reply objects,
// hooks, content-type parsing and serialisation over node's Http2ServerRequest/Response. A stream
// whose headers ask for one of these routes with a JSON body is served here from the raw
// ServerHttp2Stream; every other stream (gRPC, multipart, live, other methods, HTTP/1.1) goes to
// fastify as before. The answers are the fastify route's, status, headers and text alike (the same
// serveJob in ai.ts; the body bounds and fastify's own JSON refusals are reproduced here), which
// fast-jobs.test.ts checks by sending each request both ways.
import { constants, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { pipeline as pipe, type Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { refusalHeaders } from '../../wire/index.js';
import { DEFAULT_MAX_JSON_DEPTH, JsonTooDeepError, UNPAID_RETRY_AFTER_S, jsonDeeperThan, routeBodyLimit } from '../common/index.js';
import { JSON_CONTENT_TYPE, bodyRefusal, serveJob, type JobContext, type JobIO } from './ai.js';
import { readJsonJob, takesJson, type OrchestratorPipeline } from './jobs.js';

/** Content types served here (what fastify's application/json parser takes, in the forms gateways send). */
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);

// fastify's texts for the body errors its JSON parser reports (lib/errors.js), answered 400 BAD_REQUEST.
const EMPTY_JSON = "Body cannot be empty when content-type is set to 'application/json'";
const INVALID_JSON = "Body is not valid JSON but content-type is set to 'application/json'";
const LENGTH_MISMATCH = 'Request body size did not match Content-Length';

let dateSecond = -1;
let dateText = '';
/** The Date header, formatted once a second (as node's own servers do). */
function utcDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

export interface FastJobsOptions {
  ctx: JobContext;
  /** fastify's JSON parser of the app (the same proto-poisoning refusals). */
  parseJson: (text: string) => unknown;
}

/**
 * Takes the JSON job streams off `server` before fastify's compatibility layer sees them. Call once
 * fastify is ready (its 'stream' listener is installed then); listeners added later still see every
 * stream, so it must be the last.
 */
export function serveJsonJobsRaw(server: Http2SecureServer, o: FastJobsOptions): void {
  const routes = new Map<string, { pipeline: OrchestratorPipeline; limit: number }>();
  for (const p of ['llm', 'text-to-image', 'text-to-speech'] as const) {
    if (!takesJson(p)) continue;
    routes.set(`/${p}`, { pipeline: p, limit: routeBodyLimit(true, o.ctx.deps.maxBodyBytes) });
  }
  const others = server.listeners('stream') as StreamListener[];
  server.removeAllListeners('stream');
  server.on('stream', function onStream(this: Http2SecureServer, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) {
    const route = headers[':method'] === 'POST' ? routes.get(headers[':path'] ?? '') : undefined;
    const type = headers['content-type'];
    if (route && type !== undefined && JSON_TYPES.has(type.toLowerCase())) {
      serveStream(o, route.pipeline, route.limit, stream, headers);
      return;
    }
    for (const l of others) l.call(this, stream, headers, flags, rawHeaders);
  });
}

function serveStream(o: FastJobsOptions, pipeline: OrchestratorPipeline, limit: number, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const { deps } = o.ctx;
  const path = `/${pipeline}`;
  // The compatibility layer listens too: an unanswered stream error would crash the process.
  stream.on('error', () => {});
  let sent = false;
  /** Our answer is complete (ended, or the event stream piped to its end). */
  let answered = false;
  let bodyEnded = false;
  /** Once the answer is out with the body still arriving, the rest is not wanted (body-guard.ts). */
  const endAfterAnswer = (): void => {
    stream.once('finish', () => {
      if (!bodyEnded && !stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
    });
  };
  const respond = (status: number, h: Record<string, string | number>, body: Buffer | string): void => {
    if (sent) return;
    sent = true;
    if (stream.destroyed || stream.closed) return;
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    stream.respond({ ':status': status, ...h, 'content-length': bytes.length, date: utcDate() });
    answered = true;
    if (bytes.length === 0) {
      stream.end();
      return;
    }
    // The body, then END_STREAM once it is written (an empty DATA frame): with end(bytes) the peer's
    // END_STREAM closes the stream before node calls back the last write, and node then builds an
    // ERR_STREAM_DESTROYED (a stack trace, ≈ 15 µs) for callbacks nobody registered — every job.
    stream.write(bytes, (err) => {
      if (!err && !stream.destroyed) stream.end();
    });
  };
  const error = (status: number, code: string, message: string, reason?: string): void => {
    respond(status, { ...refusalHeaders(code, reason), 'x-content-type-options': 'nosniff', 'content-type': 'text/plain; charset=utf-8' }, `${message}\n`);
  };
  const io: JobIO = {
    get sent() {
      return sent;
    },
    onGone(fn) {
      // (Not writableEnded: node ends the writable side of a stream the peer reset.)
      const onClose = (): void => {
        if (!answered) fn();
      };
      stream.once('close', onClose);
      return () => stream.off('close', onClose);
    },
    json(body) {
      respond(200, { 'content-type': JSON_CONTENT_TYPE }, Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)));
    },
    error,
    sse(events: Readable) {
      if (sent) return;
      sent = true;
      if (stream.destroyed || stream.closed) {
        events.destroy();
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', date: utcDate() });
      pipe(events, stream, (err) => {
        if (!err) answered = true;
      });
    },
  };

  const release = deps.unpaid.enter({ raw: stream });
  if (!release) {
    deps.stats.refusal('TOO_MANY_UNPAID_REQUESTS');
    stream.on('data', () => {}); // dropped as it comes
    stream.once('end', () => (bodyEnded = true));
    endAfterAnswer();
    respond(503, { 'retry-after': String(UNPAID_RETRY_AFTER_S), ...refusalHeaders('TOO_MANY_UNPAID_REQUESTS'), 'x-content-type-options': 'nosniff', 'content-type': 'text/plain; charset=utf-8' },
      `too many unpaid requests in flight (${deps.unpaid.max}): retry after ${UNPAID_RETRY_AFTER_S} s\n`);
    return;
  }

  // The body, bounded as body-guard.ts bounds it: declared size at once, counted size, idle and total time.
  const declared = Number(headers['content-length']);
  const chunks: Buffer[] = [];
  let bytes = 0;
  let refused = false;
  const timers: { idle?: NodeJS.Timeout; total?: NodeJS.Timeout } = {};
  const stopTimers = (): void => {
    clearTimeout(timers.idle);
    clearTimeout(timers.total);
  };
  const refuse = (why: Parameters<typeof bodyRefusal>[0]): void => {
    if (refused || bodyEnded) return;
    refused = true;
    stopTimers();
    chunks.length = 0;
    const a = bodyRefusal(why, path);
    deps.stats.refusal(a.code);
    error(a.status, a.code, a.message, a.reason);
  };
  endAfterAnswer();
  stream.once('close', stopTimers);
  if (Number.isFinite(declared) && declared > limit) {
    refuse({ kind: 'too-large', limit, bytes: declared, declared: true });
    stream.on('data', () => {});
    stream.once('end', () => (bodyEnded = true));
    return;
  }
  const idle = setTimeout(() => refuse({ kind: 'idle', ms: deps.bodyIdleTimeoutMs }), deps.bodyIdleTimeoutMs);
  timers.idle = idle;
  timers.total = setTimeout(() => refuse({ kind: 'total', ms: deps.bodyTimeoutMs }), deps.bodyTimeoutMs);
  stream.on('data', (c: Buffer) => {
    if (refused) return;
    bytes += c.length;
    if (bytes > limit) {
      refuse({ kind: 'too-large', limit, bytes, declared: false });
      return;
    }
    idle.refresh();
    chunks.push(c);
  });
  stream.once('end', () => {
    bodyEnded = true;
    stopTimers();
    if (refused || sent) return;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
    chunks.length = 0;
    let parsed: unknown;
    try {
      parsed = parseBody(o, body, declared);
    } catch (err) {
      const e = err as Error;
      deps.stats.refusal('BAD_REQUEST');
      error(400, 'BAD_REQUEST', e.message);
      return;
    }
    void serveJob(o.ctx, pipeline, headers, async () => readJsonJob(pipeline, parsed), io, release, body);
  });
}

/** fastify's JSON body checks, in its order: length against Content-Length, empty, depth (limitJsonDepth), then the parse. */
function parseBody(o: FastJobsOptions, body: Buffer, declared: number): unknown {
  if (!Number.isNaN(declared) && body.length !== declared) throw new Error(LENGTH_MISMATCH);
  const text = body.toString('utf8');
  if (jsonDeeperThan(text, DEFAULT_MAX_JSON_DEPTH)) throw new JsonTooDeepError(DEFAULT_MAX_JSON_DEPTH);
  if (text.length === 0) throw new Error(EMPTY_JSON);
  try {
    return o.parseJson(text);
  } catch {
    throw new Error(INVALID_JSON);
  }
}

/** fastify's own JSON parser as a function of the text (the app's proto/constructor poisoning refusals). */
export function fastifyJsonParser(app: FastifyInstance): (text: string) => unknown {
  const parse = app.getDefaultJsonParser('error', 'error');
  return (text) => {
    let out: unknown;
    let failed: Error | undefined;
    parse(undefined as never, text, (err: Error | null, body?: unknown) => {
      if (err) failed = err;
      else out = body;
    });
    if (failed) throw failed;
    return out;
  };
}
