// Job requests to an orchestrator's HTTPS API over HTTP/2 (node:http2), one connection per origin,
// reused. Like go-livepeer's gateway it does not verify the orchestrator's (self-signed)
// certificate (InsecureSkipVerify); http:// origins use cleartext h2c.
// Liveness: a request fails as soon as its stream or connection closes (a dead orchestrator), when
// the connection stops answering PINGs (keepalive.ts), at its deadline, or when the caller's signal
// aborts (the client went away); the stream is then cancelled (RST_STREAM CANCEL), which the
// orchestrator sees and stops the job for.
import http2 from 'node:http2';
import { LivepeerError } from '../../errors/index.js';
import type { AbortSignalLike } from '../common/index.js';
import type { GatewayErrorCode } from './errors.js';
import { keepAlive, type KeepAlive } from './keepalive.js';

export interface OrchestratorResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * The response body (read it, or call `discard()`). Its iteration throws ForwardError when the
   * body did not end cleanly: node ends a stream cut by the peer's death like a complete one.
   */
  body: AsyncIterable<Buffer>;
  /** Reads the whole body (bounded by `maxBytes`). */
  text(maxBytes?: number): Promise<string>;
  buffer(maxBytes?: number): Promise<Buffer>;
  discard(): void;
}

const FORWARD_CODES = {
  connect: 'GW_FORWARD_CONNECT',
  timeout: 'GW_FORWARD_TIMEOUT',
  reset: 'GW_FORWARD_RESET',
  aborted: 'GW_FORWARD_ABORTED',
} as const satisfies Record<string, GatewayErrorCode>;

/** No (complete) answer from the orchestrator's HTTPS API; `kind` says at which step. */
export class ForwardError extends LivepeerError<(typeof FORWARD_CODES)[keyof typeof FORWARD_CODES]> {
  override name = 'ForwardError';
  constructor(
    readonly kind: 'connect' | 'timeout' | 'reset' | 'aborted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(FORWARD_CODES[kind], message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

export interface ForwarderOptions {
  connectTimeoutMs: number;
  /** Deadline of a whole exchange (response headers and body) when `post` is given none. */
  requestTimeoutMs: number;
  /** A connection with no stream for this long is closed (an orchestrator that moved its transcoder URL, or went unused); default 5 min. */
  idleSessionMs?: number;
  /** While a connection carries requests, a PING this often (0 = none); default DEFAULT_PING_INTERVAL_MS. */
  pingIntervalMs?: number;
  /** A PING unanswered this long ends the connection and fails its requests; default DEFAULT_PING_TIMEOUT_MS. */
  pingTimeoutMs?: number;
}

export interface PostOptions {
  /** Aborting cancels the request (RST_STREAM CANCEL); it then fails with ForwardError 'aborted'. */
  signal?: AbortSignalLike;
  /** Deadline of the whole exchange, headers and body (default: the forwarder's requestTimeoutMs). */
  timeoutMs?: number;
}

export const DEFAULT_IDLE_SESSION_MS = 5 * 60_000;
/** A hung orchestrator (no FIN, no answer) is found within interval + timeout ≈ 6 s. */
export const DEFAULT_PING_INTERVAL_MS = 3_000;
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
const MAX_PARSED_URLS = 1024;

export class Forwarder {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly alive = new WeakMap<http2.ClientHttp2Session, KeepAlive>();
  private closed = false;

  constructor(private readonly opts: ForwarderOptions) {}

  /** Job URLs parsed (a few per orchestrator: one per pipeline); cleared when full. */
  private readonly targets = new Map<string, { origin: string; path: string }>();

  private target(url: string): { origin: string; path: string } {
    let t = this.targets.get(url);
    if (!t) {
      const u = new URL(url);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= MAX_PARSED_URLS) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }

  /** Open connections (one per orchestrator origin in use). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private session(origin: string): Promise<http2.ClientHttp2Session> {
    const existing = this.sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const s = http2.connect(origin, { rejectUnauthorized: false });
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        s.destroy();
        reject(new ForwardError('connect', `could not connect to ${origin} within ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      s.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.sessions.set(origin, s);
        s.unref();
        // Without it, every origin ever used keeps a connection (and an entry here) until the peer closes it.
        s.setTimeout(this.opts.idleSessionMs ?? DEFAULT_IDLE_SESSION_MS, () => {
          if (this.sessions.get(origin) === s) this.sessions.delete(origin);
          s.close();
        });
        resolve(s);
      });
      // `on`, not `once`: a second session error without a listener would crash the process.
      s.on('error', (err) => {
        this.sessions.delete(origin);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new ForwardError('connect', `could not connect to ${origin}: ${describe(err)}`, { cause: err }));
      });
      this.alive.set(
        s,
        keepAlive(s, {
          intervalMs: this.opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
          timeoutMs: this.opts.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS,
          onDead: () => {
            if (this.sessions.get(origin) === s) this.sessions.delete(origin);
            s.destroy();
          },
        }),
      );
      s.once('close', () => {
        this.alive.get(s)?.stop();
        if (this.sessions.get(origin) === s) this.sessions.delete(origin);
      });
      s.on('goaway', () => {
        if (this.sessions.get(origin) === s) this.sessions.delete(origin);
      });
    });
  }

  /**
   * POSTs `body` to `url`. Throws ForwardError when no response headers arrive: connect failure,
   * the stream or connection closing first, the deadline, or `signal` aborting. The deadline and
   * the signal also cover the body: reading it then throws the same ForwardError.
   */
  async post(url: string, headers: Record<string, string>, body: Uint8Array, opts: PostOptions = {}): Promise<OrchestratorResponse> {
    if (this.closed) throw new ForwardError('connect', 'gateway is closing');
    const { signal } = opts;
    if (signal?.aborted) throw new ForwardError('aborted', `request to ${url} cancelled before it was sent`);
    const u = this.target(url);
    const session = await this.session(u.origin);
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise((resolve, reject) => {
      let req: http2.ClientHttp2Stream;
      try {
        const h: Record<string, string> = { ':method': 'POST', ':path': u.path, 'content-length': String(body.byteLength) };
        for (const k in headers) h[k.toLowerCase()] = headers[k]!;
        req = session.request(h);
      } catch (err) {
        this.sessions.delete(u.origin);
        reject(new ForwardError('reset', `request to ${url} failed: ${describe(err)}`, { cause: err }));
        return;
      }
      const alive = this.alive.get(session);
      alive?.begin();
      // Why the stream was cut on our side (deadline, abort): what the body's reader is told.
      let cut: ForwardError | undefined;
      let settled = false;
      const fail = (err: ForwardError): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const cancel = (err: ForwardError): void => {
        cut ??= err;
        fail(err);
        if (!req.closed && !req.destroyed) req.close(http2.constants.NGHTTP2_CANCEL);
      };
      const timer = setTimeout(() => cancel(new ForwardError('timeout', `${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => cancel(new ForwardError('aborted', `request to ${url} cancelled: the client went away`));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        alive?.end();
        // Closed before any response: the orchestrator (or its connection) went away. (Checked
        // first: an error's stack costs more than the rest of a job's forwarding.)
        if (!settled) fail(cut ?? new ForwardError('reset', `${url} closed the stream before answering (code ${req.rstCode ?? 'none'})`));
      });
      req.once('response', (h) => {
        if (settled) return;
        settled = true;
        const status = Number(h[':status'] ?? 0);
        const out: Record<string, string> = {};
        for (const k in h) {
          const v = h[k];
          if (v === undefined || k.charCodeAt(0) === 0x3a) continue; // ':status' and other pseudo-headers
          out[k] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        resolve(makeResponse(status, out, req, url, () => cut));
      });
      req.on('error', (err) => {
        fail(cut ?? new ForwardError('reset', `request to ${url} failed: ${describe(err)}`, { cause: err }));
      });
      req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    });
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

function makeResponse(status: number, headers: Record<string, string>, stream: http2.ClientHttp2Stream, url: string, cut: () => ForwardError | undefined): OrchestratorResponse {
  async function* body(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    } catch (err) {
      throw cut() ?? new ForwardError('reset', `reading the answer from ${url} failed: ${describe(err)}`, { cause: err });
    }
    // 'end' is emitted only for END_STREAM; a stream reset (or a dead connection) just stops.
    if (!stream.readableEnded) throw cut() ?? new ForwardError('reset', `${url} cut the answer off (stream closed with code ${stream.rstCode ?? 'none'})`);
  }
  // Read with events, not through body(): the whole answer is wanted, and a stream's async
  // iterator (a generator, a promise per chunk) cost more than the reading. Same outcomes as body().
  const buffer = (maxBytes = MAX_RESPONSE_BYTES): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let n = 0;
      let done = false;
      const finish = (err?: ForwardError): void => {
        if (done) return;
        done = true;
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        stream.off('close', onClose);
        if (err) reject(err);
        else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, n));
      };
      const onData = (c: Buffer | Uint8Array): void => {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
        n += b.length;
        if (n > maxBytes) {
          chunks.length = 0;
          stream.close(http2.constants.NGHTTP2_CANCEL);
          finish(new ForwardError('reset', `response larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(b);
      };
      // Our own close (the deadline, the signal) ends the readable side too: that is no answer.
      const onEnd = (): void => finish(cut());
      const onError = (err: unknown): void => finish(cut() ?? new ForwardError('reset', `reading the answer from ${url} failed: ${describe(err)}`, { cause: err }));
      // 'end' is emitted only for END_STREAM; a stream reset (or a dead connection) just closes.
      const onClose = (): void => {
        if (!stream.readableEnded) finish(cut() ?? new ForwardError('reset', `${url} cut the answer off (stream closed with code ${stream.rstCode ?? 'none'})`));
      };
      if (stream.destroyed) {
        // Closed before anyone read (no more events come): its error, its reset, or its end.
        const err = stream.errored;
        if (err) onError(err);
        else if (!stream.readableEnded) onClose();
        else onEnd();
        return;
      }
      stream.on('data', onData);
      stream.once('end', onEnd);
      stream.once('error', onError);
      stream.once('close', onClose);
    });
  return {
    status,
    headers,
    body: { [Symbol.asyncIterator]: () => body() },
    buffer,
    text: async (maxBytes) => (await buffer(maxBytes)).toString('utf8'),
    discard: () => {
      stream.resume();
      stream.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return `${(err as { code: string }).code}${err instanceof Error ? ` (${err.message})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

