// The trickle publisher over HTTP (go-livepeer's trickle_publisher.go): POST <url>/<idx> from idx 0,
// always one preconnected POST ready for the next segment, one segment per next()/write(); a 404 is
// TRICKLE_STREAM_NOT_FOUND, Lp-Trickle-Closed is TRICKLE_EOS, another status ≥ 400 TRICKLE_HTTP;
// close() DELETEs the channel. A segment is rewritten (same idx) through its writer's reconnect().
import { TrickleError, closedLocally, endOfStream, segmentAborted, streamNotFound } from './errors.js';
import { TrickleTransport, parseTrickleUrl, readText, type ClientResponse, type OpenRequest, type TrickleClientOptions } from './transport.js';
import type { SegmentWriter, TricklePublisher } from './types.js';

export interface TricklePublisherOptions extends TrickleClientOptions {
  /** The channel URL, e.g. https://orch:8935/ai/trickle/<mid>. */
  url: string;
  /** Content-Type of the segments (go-livepeer: video/MP2T). */
  mime?: string;
  /** First idx (default 0). */
  start?: number;
  /** Send Lp-Trickle-Reset on the first segment (a restarted publisher: lower segments end). */
  reset?: boolean;
}

/** Maps a publish response to the error it means, or undefined for success. */
async function publishError(url: string, res: ClientResponse): Promise<TrickleError | undefined> {
  const body = await readText(res.body);
  if (res.header('lp-trickle-closed') !== undefined) return endOfStream(url);
  if (res.status === 200) return undefined;
  if (res.status === 404) return streamNotFound(url);
  return new TrickleError('TRICKLE_HTTP', `Status code ${res.status} - ${body.trim()}`, { status: res.status, fatal: res.status < 500 });
}

export class HttpTricklePublisher implements TricklePublisher {
  readonly url: string;
  private readonly transport: TrickleTransport;
  private readonly path: string;
  private index: number;
  private pending: HttpSegmentWriter | undefined;
  private resetNext: boolean;
  private closed = false;

  constructor(private readonly opts: TricklePublisherOptions) {
    const u = parseTrickleUrl(opts.url);
    this.url = opts.url.replace(/\/+$/, '');
    this.path = u.pathname.replace(/\/+$/, '');
    this.transport = new TrickleTransport(u, opts);
    this.index = opts.start ?? 0;
    this.resetNext = opts.reset ?? false;
    this.pending = this.preconnect(this.index++);
  }

  get protocol(): 'http1' | 'http2' {
    return this.transport.protocol;
  }

  /** @internal opens the POST for `idx` (its body waits for the segment's bytes). */
  preconnect(idx: number): HttpSegmentWriter {
    const headers: Record<string, string> = { 'Content-Type': this.opts.mime ?? 'video/MP2T' };
    if (this.resetNext) headers['Lp-Trickle-Reset'] = '1';
    this.resetNext = false;
    return new HttpSegmentWriter(this, idx, `${this.url}/${idx}`, headers);
  }

  /** @internal the POST request of segment `idx` (a preconnect, or its reopening). */
  open(idx: number, headers: Record<string, string>): OpenRequest {
    if (this.closed) throw closedLocally(`publisher on ${this.url}`);
    return this.transport.request('POST', `${this.path}/${idx}`, { streamBody: true, headers });
  }

  async next(): Promise<SegmentWriter> {
    if (this.closed) throw closedLocally(`publisher on ${this.url}`);
    const w = this.pending ?? this.preconnect(this.index++);
    this.pending = this.preconnect(this.index++);
    return w;
  }

  async write(data: Uint8Array): Promise<void> {
    const w = await this.next();
    await w.write(data);
    await w.end();
  }

  /** DELETE of the channel (every subscriber sees EOS), then the preconnect is released. A channel already gone is not an error. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      const req = this.transport.request('DELETE', this.path);
      const res = await req.response;
      const text = await readText(res.body);
      if (res.status !== 200 && res.status !== 404 && !(res.status === 400 && /Invalid stream/.test(text))) {
        throw new TrickleError('TRICKLE_HTTP', `Failed to delete stream: ${res.status} - ${text.trim()}`, { status: res.status });
      }
    } finally {
      this.pending?.abort();
      this.pending = undefined;
      this.transport.close();
    }
  }

  /** @internal DELETE <url>/<idx>: tells waiting subscribers a segment will not come. */
  async deleteSegment(idx: number): Promise<void> {
    if (this.closed) return;
    const res = await this.transport.request('DELETE', `${this.path}/${idx}`).response;
    await readText(res.body);
  }
}

/** Reopenings of one segment's POST at most (each needs the host to cut the one before it). */
const MAX_REOPENS = 3;

/**
 * A failure of a POST that wrote nothing which only says the host cut the idle request: its
 * timeout answered 408, or the connection (or stream) broke, or the server answered before the
 * segment was written. Reopening the same idx loses nothing.
 */
const cutBeforeFirstByte = (e: TrickleError): boolean => e.code === 'TRICKLE_SEGMENT_ABORTED' || (e.code === 'TRICKLE_HTTP' && e.status === 408);

export class HttpSegmentWriter implements SegmentWriter {
  private req!: OpenRequest;
  private failure: TrickleError | undefined;
  private answered!: Promise<TrickleError | undefined>;
  private written = false;
  private ended = false;
  private reopens = 0;

  constructor(
    private readonly publisher: HttpTricklePublisher,
    readonly seq: number,
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {
    this.attach();
  }

  /** @internal what the writer knows went wrong so far (a cut preconnect shows here before it is reopened). */
  get failed(): TrickleError | undefined {
    return this.failure;
  }

  /** Opens the POST and watches its answer; a reopen replaces the request (the old one's answer is then ignored). */
  private attach(): void {
    const req = this.publisher.open(this.seq, this.headers);
    this.req = req;
    this.failure = undefined;
    const url = this.url;
    // The answer can come before the segment is written (a 404 preconnect, a closed channel, the
    // host's timeout). One that comes before end() is never a success: the body was not all sent.
    this.answered = req.response.then(
      async (res) => {
        const early = !this.ended;
        const e = await publishError(url, res);
        return e ?? (early ? segmentAborted(`POST ${url} was answered ${res.status} before the segment ended`) : undefined);
      },
      (e: unknown) => (e instanceof TrickleError && e.code !== 'TRICKLE_HTTP' ? e : segmentAborted(`POST ${url} failed: ${(e as Error).message}`, e)),
    );
    void this.answered.then((e) => {
      if (e && this.req === req && !this.failure) this.failure = e;
    });
  }

  /** Before the first byte, a preconnect the host cut is reopened instead of failing the segment. */
  private reopenIfCut(): void {
    if (this.written || this.ended || !this.failure || this.reopens >= MAX_REOPENS || !cutBeforeFirstByte(this.failure)) return;
    this.reopens++;
    this.req.abort();
    this.attach();
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.reopenIfCut();
    if (this.failure) throw this.failure;
    if (this.ended) throw closedLocally(`segment ${this.seq}`);
    if (chunk.length === 0) return;
    this.written = true;
    const body = this.req.body!;
    if (body.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        body.off('drain', done);
        body.off('close', done);
        resolve();
      };
      body.on('drain', done);
      body.on('close', done);
      void this.answered.then(done);
    });
    if (this.failure) throw this.failure;
  }

  async end(): Promise<void> {
    if (!this.ended) {
      this.reopenIfCut();
      this.ended = true;
      if (!this.failure) this.req.body!.end();
    }
    const err = await this.answered;
    if (err) throw err;
  }

  /** Abandons the segment: the POST is torn down and DELETE <url>/<seq> ends it for its readers (written or not). */
  abort(reason?: Error): void {
    this.teardown(reason);
    void this.publisher.deleteSegment(this.seq).catch(() => {});
  }

  private teardown(reason?: Error): void {
    this.ended = true;
    this.failure ??= reason instanceof TrickleError ? reason : closedLocally(`segment ${this.seq}`);
    this.req.abort();
  }

  /**
   * A new writer for the same seq on a fresh request (go-livepeer rewrites a failed segment this
   * way). No DELETE: it could reach the server after the rewrite's first byte and end the new segment.
   */
  reconnect(): HttpSegmentWriter {
    if (!this.ended) this.teardown();
    return this.publisher.preconnect(this.seq);
  }
}
