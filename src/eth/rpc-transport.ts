// viem's HTTP JSON-RPC transport over node:http(s) with a keep-alive agent instead of fetch. Every
// chain call of every node (watchers, redemption, rounds) and of the devnet went through undici's
// fetch: a Request, WHATWG streams, transferable objects and two AbortSignals per call, most of a
// chain-bound process's CPU (a BondingManager test spent ~30 % of its CPU there). This keeps what
// viem's `http()` does that callers can observe: the same error classes with the same fields
// (RpcRequestError for a JSON-RPC error, with the HTTP status and headers when the answer was not
// 2xx; HttpRequestError for other non-2xx answers and for network failures; TimeoutError), so
// (one difference: a network failure's cause is the socket's own error, e.g. ECONNRESET, where
// fetch's is a bare TypeError "fetch failed"),
// viem's retry decisions and error mapping are unchanged; the same 10 s default timeout and 10 MB
// answer limit; Basic auth from the URL's user info; type 'http' with `transport.url`.
// rpc-transport.test.ts checks each against viem's own transport.
import http from 'node:http';
import https from 'node:https';
import { HttpRequestError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError, UrlRequiredError, createTransport, type EIP1193RequestFn, type HttpTransport } from 'viem';

export interface RpcTransportConfig {
  /** Retries of a failed request that may succeed again (viem's shouldRetry), default viem's 3. */
  retryCount?: number;
  retryDelay?: number;
  /** Per request (headers and body), ms; default 10 000 as viem's. */
  timeout?: number;
}

const MAX_BODY = 10_485_760;

interface Target {
  url: string;
  mod: typeof http | typeof https;
  options: http.RequestOptions;
  agent: http.Agent;
}

function target(url: string): Target {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  const agent = tls ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const options: http.RequestOptions = {
    hostname: u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname,
    port: u.port === '' ? undefined : Number(u.port),
    path: `${u.pathname}${u.search}`,
    method: 'POST',
    headers,
    agent,
  };
  return { url: u.toString(), mod: tls ? https : http, options, agent };
}

/** bigints as decimal strings, as viem's stringify. */
const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

function isRpcError(data: unknown): data is { error: { code: number; message: string } } {
  const e = (data as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e?.code === 'number' && typeof e.message === 'string';
}

function headersOf(res: http.IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  return h;
}

interface Answer {
  status: number;
  statusText: string;
  res: http.IncomingMessage;
  text: string;
}

function post(t: Target, payload: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: unknown, a?: Answer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(a!);
      else reject(err);
    };
    const req = t.mod.request({ ...t.options, headers: { ...t.options.headers, 'content-length': String(Buffer.byteLength(payload)) } });
    const timer = timeoutMs > 0 ? setTimeout(() => {
      finish(TIMED_OUT);
      req.destroy();
    }, timeoutMs) : undefined;
    const onAbort = (): void => {
      finish(signal!.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      req.destroy();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err) => finish(err));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          finish(new ResponseBodyTooLargeError({ maxSize: MAX_BODY, size }));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.once('error', (err) => finish(err));
      res.once('aborted', () => finish(new Error('the JSON-RPC server closed the connection mid-answer')));
      res.once('end', () => finish(undefined, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', res, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });
}

const TIMED_OUT = new Error('timed out');

/** A drop-in for viem's `http(url, config)`. */
export function rpcTransport(url: string | undefined, config: RpcTransportConfig = {}): HttpTransport {
  let id = 0;
  return ({ chain, retryCount: retryCount_, timeout: timeout_ }) => {
    // As viem's: no URL given means the chain's default RPC URL.
    const url_ = url || chain?.rpcUrls.default.http[0];
    if (!url_) throw new UrlRequiredError();
    const t = target(url_);
    const timeout = timeout_ ?? config.timeout ?? 10_000;
    return createTransport(
      {
        key: 'http',
        name: 'HTTP JSON-RPC',
        request: (async ({ method, params }: { method: string; params?: unknown }, options?: { signal?: AbortSignal }): Promise<unknown> => {
          const body = { method, params };
          const payload = JSON.stringify({ jsonrpc: '2.0', id: ++id, ...body }, replacer);
          let a: Answer;
          try {
            a = await post(t, payload, timeout, options?.signal);
          } catch (err) {
            if (options?.signal?.aborted) throw err;
            if (err === TIMED_OUT) throw new TimeoutError({ body, url: t.url });
            if (err instanceof ResponseBodyTooLargeError) throw err;
            throw new HttpRequestError({ body, cause: err as Error, url: t.url });
          }
          const ok = a.status >= 200 && a.status < 300;
          let data: unknown;
          try {
            if (String(a.res.headers['content-type'] ?? '').startsWith('application/json')) data = JSON.parse(a.text);
            else {
              try {
                data = JSON.parse(a.text || '{}');
              } catch (err) {
                if (ok) throw err;
                data = { error: a.text };
              }
            }
          } catch (err) {
            throw new HttpRequestError({ body, cause: err as Error, url: t.url });
          }
          if (!ok) {
            const headers = headersOf(a.res);
            if (isRpcError(data)) throw new RpcRequestError({ body, error: data.error, headers, status: a.status, url: t.url });
            const details = JSON.stringify((data as { error?: unknown }).error) || a.statusText;
            throw new HttpRequestError({ body, details, headers, status: a.status, url: t.url });
          }
          const { error } = data as { error?: unknown };
          if (error) throw new RpcRequestError({ body, error: error as { code: number; message: string }, url: t.url });
          return (data as { result?: unknown }).result;
        }) as EIP1193RequestFn,
        retryCount: config.retryCount ?? retryCount_,
        ...(config.retryDelay === undefined ? {} : { retryDelay: config.retryDelay }),
        timeout,
        type: 'http',
      },
      { fetchOptions: undefined, url: url_ },
    );
  };
}
