// A lean JSON POST over node:http(s) with a keep-alive agent: the orchestrator's per-job call to
// its runner. fetch (undici) cost ≈ 0.3 ms of CPU per call on that path — WHATWG streams, Request
// and Response objects, a clone of every request (redirect handling), an AbortSignal.timeout and
// an AbortSignal.any per call — more than the runner's own work on a small job. This keeps fetch's
// observable behaviour for RunnerClient: the same timeout (a TimeoutError), abort (the signal's
// reason) and network errors (the socket's error), the body read whole.
import http from 'node:http';
import https from 'node:https';

export interface RawReply {
  status: number;
  statusText: string;
  contentType: string;
  body: Buffer;
}

/**
 * What postRaw needs of a cancellation: an AbortSignal, or a cheaper source with the same shape
 * (the orchestrator's per-job "the caller went away", which almost never fires).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** An AbortSignal that follows `s` (for the APIs that take only a real one). */
export function toAbortSignal(s: AbortSignalLike | undefined): AbortSignal | undefined {
  if (s === undefined || s instanceof AbortSignal) return s;
  const ac = new AbortController();
  if (s.aborted) ac.abort(s.reason);
  else s.addEventListener('abort', () => ac.abort(s.reason), { once: true });
  return ac.signal;
}

export interface PostOptions {
  agent: http.Agent;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignalLike | undefined;
}

export function keepAliveAgent(tls: boolean): http.Agent {
  // lifo: the most recently used socket goes first, so idle ones age out instead of all staying warm.
  const o = { keepAlive: true, scheduling: 'lifo' as const };
  return tls ? new https.Agent(o) : new http.Agent(o);
}

/** Where a POST goes, parsed once (a URL parse and its conversion to request options per job cost more than the rest of the call's setup). */
export interface PostTarget {
  https: boolean;
  options: http.RequestOptions;
}

export function postTarget(url: URL): PostTarget {
  const options: http.RequestOptions = {
    protocol: url.protocol,
    // node's own conversion (urlToHttpOptions) drops the brackets of an IPv6 host too.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: 'POST',
  };
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { https: url.protocol === 'https:', options };
}

function abortReason(signal: AbortSignalLike): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** POSTs `body` and reads the whole answer; rejects like fetch (TimeoutError, the abort reason, the socket error). */
export function postRaw(target: PostTarget, body: Buffer, o: PostOptions, retried = false): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(abortReason(o.signal));
    const mod = target.https ? https : http;
    let done = false;
    let answered = false;
    const finish = (err: unknown, reply?: RawReply): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(reply!);
      else reject(err);
    };
    const req = mod.request({ ...target.options, agent: o.agent, headers: { ...o.headers, 'content-length': String(body.length) } });
    const timer = setTimeout(() => {
      finish(new DOMException(`no answer within ${o.timeoutMs} ms`, 'TimeoutError'));
      req.destroy();
    }, o.timeoutMs);
    const onAbort = (): void => {
      finish(abortReason(o.signal!));
      req.destroy();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the runner closed while idle: the request never reached it (node's
      // documented retry case), so send it once more on a fresh connection.
      if (!answered && !retried && !done && req.reusedSocket && err.code === 'ECONNRESET') {
        done = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        postRaw(target, body, o, true).then(resolve, reject);
        return;
      }
      finish(err);
    });
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => finish(err));
      res.once('aborted', () => finish(Object.assign(new Error('the runner closed the connection mid-answer'), { code: 'ECONNRESET' })));
      res.once('end', () =>
        finish(undefined, {
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          contentType: String(res.headers['content-type'] ?? ''),
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        }),
      );
    });
    req.end(body);
  });
}
