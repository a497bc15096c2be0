// The trickle clients' HTTP: HTTP/1.1 (node:http/https with a keep-alive agent) or HTTP/2
// (node:http2, one session per client, streams multiplexed), over http:// or https://, with TLS
// verification off on request (go-livepeer's TrickleInsecureSkipVerify). Every request has a
// streaming request body or none, and a streaming response body.
import http from 'node:http';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import https from 'node:https';
import type { Readable, Writable } from 'node:stream';
import { TrickleError } from './errors.js';

export interface TrickleClientOptions {
  /** Do not verify the server's TLS certificate (orchestrators use self-signed ones). */
  insecureSkipVerify?: boolean;
  /**
   * 'auto' (default): HTTP/1.1, over TLS for https:// (as pytrickle and go-livepeer's runners speak
   * it). HTTP/2 only when asked: node 20's http2 corrupts its heap under the live relay's churn of
   * preconnected and cancelled streams (a core showed the abort in Http2Session's destructor at exit,
   * in about 1 of 3 loaded runs of test/live-devnet.test.ts).
   */
  protocol?: 'auto' | 'http1' | 'http2';
  /** Extra request headers on every request. */
  headers?: Record<string, string>;
}

export interface ClientResponse {
  status: number;
  header(name: string): string | undefined;
  body: Readable;
}

export interface OpenRequest {
  /** The request body (streaming requests only). */
  body: Writable | undefined;
  response: Promise<ClientResponse>;
  /** Tears the request down (its response and body error). */
  abort(reason?: Error): void;
}

export function parseTrickleUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new TrickleError('TRICKLE_BAD_URL', `"${url}" is not a URL`, { fatal: true, cause: e });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TrickleError('TRICKLE_BAD_URL', `"${url}" is not an http:// or https:// URL`, { fatal: true });
  return u;
}

export class TrickleTransport {
  private readonly useH2: boolean;
  private agent: http.Agent | undefined;
  private session: ClientHttp2Session | undefined;
  private active = 0;
  private closed = false;

  constructor(
    private readonly origin: URL,
    private readonly opts: TrickleClientOptions = {},
  ) {
    const p = opts.protocol ?? 'auto';
    this.useH2 = p === 'http2';
  }

  get protocol(): 'http1' | 'http2' {
    return this.useH2 ? 'http2' : 'http1';
  }

  request(method: string, path: string, o: { streamBody?: boolean; headers?: Record<string, string> } = {}): OpenRequest {
    if (this.closed) throw new TrickleError('TRICKLE_CLOSED', 'the trickle client is closed', { fatal: true });
    const headers = { ...this.opts.headers, ...o.headers };
    return this.useH2 ? this.h2(method, path, headers, o.streamBody ?? false) : this.h1(method, path, headers, o.streamBody ?? false);
  }

  private h1(method: string, path: string, headers: Record<string, string>, streamBody: boolean): OpenRequest {
    const secure = this.origin.protocol === 'https:';
    this.agent ??= secure ? new https.Agent({ keepAlive: true, rejectUnauthorized: !this.opts.insecureSkipVerify }) : new http.Agent({ keepAlive: true });
    const req = (secure ? https : http).request({
      protocol: this.origin.protocol,
      hostname: this.origin.hostname.replace(/^\[|\]$/g, ''),
      port: this.origin.port || (secure ? 443 : 80),
      method,
      path,
      headers,
      agent: this.agent,
    });
    const response = new Promise<ClientResponse>((resolve, reject) => {
      req.once('response', (res) =>
        resolve({
          status: res.statusCode ?? 0,
          header: (n) => {
            const v = res.headers[n.toLowerCase()];
            return Array.isArray(v) ? v[0] : v;
          },
          body: res,
        }),
      );
      req.once('error', reject);
    });
    response.catch(() => {});
    // Errors after the response (a broken body) surface on the response body.
    req.on('error', () => {});
    if (!streamBody) req.end();
    else req.flushHeaders();
    return { body: streamBody ? req : undefined, response, abort: (r) => req.destroy(r) };
  }

  private h2session(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect(this.origin.origin, {
      rejectUnauthorized: !this.opts.insecureSkipVerify,
      // A segment of a few MB should not stall on 64 KiB windows.
      settings: { initialWindowSize: 4 * 1024 * 1024 },
    });
    s.on('error', () => {});
    s.once('connect', () => s.setLocalWindowSize(16 * 1024 * 1024));
    s.once('close', () => {
      if (this.session === s) this.session = undefined;
    });
    if (this.active === 0) s.unref();
    this.session = s;
    return s;
  }

  private h2(method: string, path: string, headers: Record<string, string>, streamBody: boolean): OpenRequest {
    const s = this.h2session();
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
    const stream: ClientHttp2Stream = s.request({ ':method': method, ':path': path, ...lower }, { endStream: !streamBody });
    if (this.active++ === 0) s.ref();
    stream.once('close', () => {
      if (--this.active === 0 && !s.destroyed) s.unref();
    });
    const response = new Promise<ClientResponse>((resolve, reject) => {
      stream.once('response', (h) =>
        resolve({
          status: Number(h[':status']),
          header: (n) => {
            const v = h[n.toLowerCase()];
            return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
          },
          body: stream,
        }),
      );
      stream.once('error', reject);
      stream.once('close', () => reject(new TrickleError('TRICKLE_HTTP', `the HTTP/2 stream closed before a response (code ${stream.rstCode ?? '?'})`)));
    });
    response.catch(() => {});
    stream.on('error', () => {});
    return { body: streamBody ? stream : undefined, response, abort: (r) => stream.destroy(r) };
  }

  /** Releases every connection (pending requests fail). */
  close(): void {
    this.closed = true;
    this.agent?.destroy();
    this.agent = undefined;
    this.session?.destroy();
    this.session = undefined;
  }
}

/** Reads a (small) response body as text, bounded. */
export async function readText(body: Readable, max = 64 * 1024): Promise<string> {
  let out = '';
  try {
    for await (const c of body) {
      if (out.length < max) out += (c as Buffer).toString('utf8');
    }
  } catch {
    // a body that breaks while being drained says nothing more
  }
  return out.slice(0, max);
}
