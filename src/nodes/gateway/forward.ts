// Job requests to an orchestrator's HTTPS API over HTTP/2 (node:http2), one connection per origin,
// reused. Like go-livepeer's gateway it does not verify the orchestrator's (self-signed)
// certificate (InsecureSkipVerify); http:// origins use cleartext h2c.
import http2 from 'node:http2';
import type { Readable } from 'node:stream';
import { LivepeerError } from '../../errors/index.js';
import type { GatewayErrorCode } from './errors.js';

export interface OrchestratorResponse {
  status: number;
  headers: Record<string, string>;
  /** The response body as a stream (read it, or call `discard()`). */
  body: Readable;
  /** Reads the whole body (bounded by `maxBytes`). */
  text(maxBytes?: number): Promise<string>;
  buffer(maxBytes?: number): Promise<Buffer>;
  discard(): void;
}

const FORWARD_CODES = { connect: 'GW_FORWARD_CONNECT', timeout: 'GW_FORWARD_TIMEOUT', reset: 'GW_FORWARD_RESET' } as const satisfies Record<string, GatewayErrorCode>;

/** No (complete) answer from the orchestrator's HTTPS API; `kind` says at which step. */
export class ForwardError extends LivepeerError<(typeof FORWARD_CODES)[keyof typeof FORWARD_CODES]> {
  override name = 'ForwardError';
  constructor(
    readonly kind: 'connect' | 'timeout' | 'reset',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(FORWARD_CODES[kind], message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

export interface ForwarderOptions {
  connectTimeoutMs: number;
  /** Time allowed until the response headers arrive; the body may take longer (streams). */
  requestTimeoutMs: number;
  /** A connection with no stream for this long is closed (an orchestrator that moved its transcoder URL, or went unused); default 5 min. */
  idleSessionMs?: number;
}

export const DEFAULT_IDLE_SESSION_MS = 5 * 60_000;

const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export class Forwarder {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private closed = false;

  constructor(private readonly opts: ForwarderOptions) {}

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
      s.once('error', (err) => {
        this.sessions.delete(origin);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new ForwardError('connect', `could not connect to ${origin}: ${describe(err)}`, { cause: err }));
      });
      s.once('close', () => {
        if (this.sessions.get(origin) === s) this.sessions.delete(origin);
      });
      s.on('goaway', () => {
        if (this.sessions.get(origin) === s) this.sessions.delete(origin);
      });
    });
  }

  /** POSTs `body` to `url`. Throws ForwardError when no response headers arrive. */
  async post(url: string, headers: Record<string, string>, body: Uint8Array, signal?: AbortSignal): Promise<OrchestratorResponse> {
    if (this.closed) throw new ForwardError('connect', 'gateway is closing');
    const u = new URL(url);
    const session = await this.session(u.origin);
    return new Promise((resolve, reject) => {
      let req: http2.ClientHttp2Stream;
      try {
        req = session.request({
          ':method': 'POST',
          ':path': `${u.pathname}${u.search}`,
          'content-length': String(body.byteLength),
          ...lowerKeys(headers),
        });
      } catch (err) {
        this.sessions.delete(u.origin);
        reject(new ForwardError('reset', `request to ${url} failed: ${describe(err)}`, { cause: err }));
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.close(http2.constants.NGHTTP2_CANCEL);
        reject(new ForwardError('timeout', `${url} sent no response within ${this.opts.requestTimeoutMs} ms`));
      }, this.opts.requestTimeoutMs);
      const onAbort = (): void => {
        req.close(http2.constants.NGHTTP2_CANCEL);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('response', (h) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const status = Number(h[':status'] ?? 0);
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(h)) {
          if (k.startsWith(':') || v === undefined) continue;
          out[k] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        req.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(makeResponse(status, out, req));
      });
      req.once('error', (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new ForwardError('reset', `request to ${url} failed: ${describe(err)}`, { cause: err }));
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

function makeResponse(status: number, headers: Record<string, string>, stream: http2.ClientHttp2Stream): OrchestratorResponse {
  const body = stream as unknown as Readable;
  const buffer = async (maxBytes = MAX_RESPONSE_BYTES): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const chunk of body) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      n += b.length;
      if (n > maxBytes) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        throw new ForwardError('reset', `response larger than ${maxBytes} bytes`);
      }
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  };
  return {
    status,
    headers,
    body,
    buffer,
    text: async (maxBytes) => (await buffer(maxBytes)).toString('utf8'),
    discard: () => {
      stream.resume();
      stream.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return `${(err as { code: string }).code}${err instanceof Error ? ` (${err.message})` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

