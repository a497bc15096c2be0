// The trickle subscriber over HTTP (go-livepeer's trickle_subscriber.go): GET <url>/<idx> from -1
// (the next segment; -2 = the one being written), idx = Lp-Trickle-Seq + 1 after each segment, the
// next GET preconnected in the background and re-issued every 20 s while it waits, more than 5
// consecutive failures an error; 470 is SequenceNonexistentError{seq, latest} (or, with
// jumpToLatest, a jump to the live edge), Lp-Trickle-Closed the end of stream (read() → null).
import { SequenceNonexistentError, TrickleError, closedLocally, segmentAborted, streamNotFound } from './errors.js';
import { TrickleTransport, parseTrickleUrl, readText, type ClientResponse, type OpenRequest, type TrickleClientOptions } from './transport.js';
import type { SegmentReader, TrickleSubscriber } from './types.js';

export interface TrickleSubscriberOptions extends TrickleClientOptions {
  url: string;
  /** First seq: a seq, -1 (next, default) or -2 (the one being written, from its start). */
  start?: number;
  /** On 470, continue at Lp-Trickle-Latest instead of throwing SequenceNonexistentError. */
  jumpToLatest?: boolean;
  /** Consecutive failures (connection errors, 5xx) tolerated before TRICKLE_TOO_MANY_ERRORS. Default 5. */
  maxRetries?: number;
  /** Pause between retries. Default 300 ms (go-livepeer's gateway). */
  retryDelayMs?: number;
  /** A GET waiting this long for its segment is re-issued. Default 20 s. */
  refreshMs?: number;
}

/** A GET for one idx, re-issued every refreshMs until its response headers come. */
class PendingGet {
  private req: OpenRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;
  readonly response: Promise<ClientResponse>;

  constructor(
    private readonly transport: TrickleTransport,
    private readonly path: string,
    private readonly refreshMs: number,
  ) {
    this.response = new Promise<ClientResponse>((resolve, reject) => this.issue(resolve, reject));
    this.response.catch(() => {});
  }

  private issue(resolve: (r: ClientResponse) => void, reject: (e: unknown) => void): void {
    if (this.cancelled) return;
    let req: OpenRequest;
    try {
      req = this.transport.request('GET', this.path);
    } catch (e) {
      return reject(e);
    }
    this.req = req;
    this.timer = setTimeout(() => {
      // Long waits are cut and re-issued so no proxy or idle timer kills them silently. The new GET
      // goes out before the old one is cancelled (on HTTP/2 the server sees them in that order).
      // For idx -1 ("the next write") a segment whose write starts between the two can still be
      // missed, as in go-livepeer's subscriber, which re-issues the same way.
      this.issue(resolve, reject);
      req.abort(new Error('preconnect refresh'));
    }, this.refreshMs);
    req.response.then(
      (r) => {
        if (this.req !== req) return r.body.destroy();
        clearTimeout(this.timer);
        resolve(r);
      },
      (e: unknown) => {
        if (this.req !== req) return;
        clearTimeout(this.timer);
        reject(e);
      },
    );
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
    this.req?.abort();
  }
}

export class HttpTrickleSubscriber implements TrickleSubscriber {
  readonly url: string;
  private readonly transport: TrickleTransport;
  private readonly path: string;
  private idx: number;
  private pending: PendingGet | undefined;
  private eos = false;
  private closed = false;
  private readonly stop = new AbortController();
  private readonly bodies = new Set<ClientResponse['body']>();

  constructor(private readonly opts: TrickleSubscriberOptions) {
    const u = parseTrickleUrl(opts.url);
    this.url = opts.url.replace(/\/+$/, '');
    this.path = u.pathname.replace(/\/+$/, '');
    this.transport = new TrickleTransport(u, opts);
    this.idx = opts.start ?? -1;
  }

  get protocol(): 'http1' | 'http2' {
    return this.transport.protocol;
  }

  private connect(): PendingGet {
    return new PendingGet(this.transport, `${this.path}/${this.idx}`, this.opts.refreshMs ?? 20_000);
  }

  /** go-livepeer's SetSeq: the next read starts at `seq` (a pending GET is dropped). */
  setSeq(seq: number): void {
    this.pending?.cancel();
    this.pending = undefined;
    this.idx = seq;
  }

  async read(signal?: AbortSignal): Promise<SegmentReader | null> {
    if (this.closed) throw closedLocally(`subscriber on ${this.url}`);
    if (this.eos) return null;
    const abort = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    const maxRetries = this.opts.maxRetries ?? 5;
    let failures = 0;
    for (;;) {
      const get = this.pending ?? this.connect();
      this.pending = undefined;
      let res: ClientResponse;
      try {
        res = await raceAbort(get.response, abort);
      } catch (e) {
        get.cancel();
        if (abort.aborted) throw abort.reason;
        if (++failures > maxRetries) throw tooMany(this.url, e);
        await sleep(this.opts.retryDelayMs ?? 300, abort);
        continue;
      }
      if (res.header('lp-trickle-closed') !== undefined) {
        await readText(res.body);
        this.eos = true;
        return null;
      }
      if (res.status === 404) {
        await readText(res.body);
        throw streamNotFound(this.url);
      }
      if (res.status === 470) {
        await readText(res.body);
        const seq = intHeader(res, 'lp-trickle-seq') ?? this.idx;
        const latest = intHeader(res, 'lp-trickle-latest') ?? -1;
        if (this.opts.jumpToLatest) {
          this.idx = latest;
          continue;
        }
        throw new SequenceNonexistentError(seq, latest);
      }
      if (res.status !== 200) {
        const text = await readText(res.body);
        const err = new TrickleError('TRICKLE_HTTP', `failed GET segment, status code: ${res.status}, msg: ${text.trim()}`, { status: res.status, fatal: res.status < 500 });
        if (res.status < 500) throw err;
        if (++failures > maxRetries) throw tooMany(this.url, err);
        await sleep(this.opts.retryDelayMs ?? 300, abort);
        continue;
      }
      const seq = intHeader(res, 'lp-trickle-seq') ?? this.idx;
      if (seq >= 0) this.idx = seq + 1;
      this.pending = this.connect();
      return this.reader(seq, res.body);
    }
  }

  private reader(seq: number, body: ClientResponse['body']): SegmentReader {
    this.bodies.add(body);
    const bodies = this.bodies;
    const url = this.url;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        for await (const c of body) yield c as Buffer;
      } catch (e) {
        throw segmentAborted(`segment ${seq} of ${url} broke off: ${(e as Error).message}`, e);
      } finally {
        bodies.delete(body);
        if (!body.destroyed) body.destroy();
      }
    }
    const it = chunks();
    return { seq, [Symbol.asyncIterator]: () => it };
  }

  /** Releases the pending GET, any unread segment body and the connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort(closedLocally(`subscriber on ${this.url}`));
    this.pending?.cancel();
    this.pending = undefined;
    for (const b of this.bodies) b.destroy();
    this.bodies.clear();
    this.transport.close();
  }
}

function intHeader(res: ClientResponse, name: string): number | undefined {
  const v = res.header(name);
  if (v === undefined || !/^-?\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

function tooMany(url: string, cause: unknown): TrickleError {
  return new TrickleError('TRICKLE_TOO_MANY_ERRORS', `Hit max preconnect errors on ${url}`, { fatal: true, cause });
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
