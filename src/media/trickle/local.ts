// In-process publisher and subscriber on a TrickleServer's channel, without HTTP (go-livepeer's
// local_publisher.go / local_subscriber.go): the orchestrator's payment watcher reads the input
// channel this way, and tests use them as a reference side.
import type { Channel } from './channel.js';
import { SequenceNonexistentError, closedLocally, endOfStream, streamNotFound } from './errors.js';
import type { Segment, SegmentCursor } from './segment.js';
import type { TrickleServer } from './server.js';
import type { SegmentReader, SegmentWriter, TricklePublisher, TrickleSubscriber } from './types.js';

function channelOf(server: TrickleServer, name: string): Channel {
  const c = server.channel(name);
  if (!c) throw streamNotFound(name);
  return c;
}

export class LocalPublisher implements TricklePublisher {
  private seq = 0;
  private closed = false;

  constructor(
    private readonly server: TrickleServer,
    readonly channel: string,
  ) {}

  async next(): Promise<SegmentWriter> {
    if (this.closed) throw closedLocally(`local publisher on ${this.channel}`);
    const c = channelOf(this.server, this.channel);
    if (c.closed) throw endOfStream(this.channel);
    return new LocalSegmentWriter(c, c.forWrite(this.seq++));
  }

  async write(data: Uint8Array): Promise<void> {
    const w = await this.next();
    await w.write(data);
    await w.end();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server.closeChannel(this.channel);
  }
}

class LocalSegmentWriter implements SegmentWriter {
  private started = false;

  constructor(
    private readonly channel: Channel,
    private readonly segment: Segment,
  ) {}

  get seq(): number {
    return this.segment.seq;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.segment.state !== 'open' || this.segment.released) throw this.segment.error ?? endOfStream(this.channel.name);
    if (chunk.length === 0) return;
    if (!this.started) {
      this.started = true;
      this.channel.started(this.segment, Date.now());
    }
    // Copied: the caller may reuse its buffer once this resolves.
    if (!this.segment.append(Buffer.from(chunk))) throw this.segment.error ?? endOfStream(this.channel.name);
  }

  async end(): Promise<void> {
    if (!this.started) this.channel.started(this.segment, Date.now());
    this.started = true;
    if (this.segment.state === 'aborted') throw this.segment.error!;
    this.segment.end();
  }

  abort(reason?: Error): void {
    this.segment.abort(reason ? closedLocallyWith(reason) : undefined);
  }
}

function closedLocallyWith(reason: Error) {
  const e = closedLocally('segment');
  return Object.assign(e, { cause: reason });
}

export interface LocalSubscriberOptions {
  /** First seq to read: a seq, -1 (next write, default) or -2 (the one being written). */
  start?: number;
  /** On a seq outside the window, continue at the live edge instead of throwing SequenceNonexistent. */
  jumpToLatest?: boolean;
}

export class LocalSubscriber implements TrickleSubscriber {
  private seq: number;
  private eos = false;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly server: TrickleServer,
    readonly channel: string,
    private readonly opts: LocalSubscriberOptions = {},
  ) {
    this.seq = opts.start ?? -1;
  }

  async read(signal?: AbortSignal): Promise<SegmentReader | null> {
    if (this.closed) throw closedLocally(`local subscriber on ${this.channel}`);
    if (this.eos) return null;
    const c = channelOf(this.server, this.channel);
    let t = c.forRead(this.seq);
    if (!t.segment && !t.closed && this.opts.jumpToLatest) t = c.forRead(t.latest);
    if (!t.segment) {
      if (t.closed) return this.endOfStream();
      throw new SequenceNonexistentError(t.seq, t.latest);
    }
    const seg = t.segment;
    this.seq = seg.seq + 1;
    const cursor = seg.reader();
    const signals = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    // As over HTTP, a segment is handed out once its first byte is there (or it ended empty).
    let step = cursor.step();
    while (step.kind === 'wait') {
      await waitChange(seg, signals).catch((e: unknown) => {
        cursor.close();
        throw e;
      });
      step = cursor.step();
    }
    if (step.kind === 'end' && cursor.read === 0 && c.closed) {
      cursor.close();
      return this.endOfStream();
    }
    return localReader(seg.seq, cursor, step.kind === 'data' ? step.chunks : [], step.kind === 'error' ? step.error : undefined, signals);
  }

  private endOfStream(): null {
    this.eos = true;
    return null;
  }

  /** Sets the next seq to read (go-livepeer's SetSeq). */
  setSeq(seq: number): void {
    this.seq = seq;
  }

  close(): void {
    this.closed = true;
    this.stop.abort(closedLocally(`local subscriber on ${this.channel}`));
  }
}

function waitChange(seg: Segment, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void seg.changed().then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function localReader(seq: number, cursor: SegmentCursor, first: Buffer[], firstError: Error | undefined, signal: AbortSignal): SegmentReader {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (const c of first) yield c;
      if (firstError) throw firstError;
      for (;;) {
        const s = cursor.step();
        if (s.kind === 'data') for (const c of s.chunks) yield c;
        else if (s.kind === 'end') return;
        else if (s.kind === 'error') throw s.error;
        else await waitChange(cursor.segment, signal);
      }
    } finally {
      cursor.close();
    }
  }
  const it = chunks();
  return { seq, [Symbol.asyncIterator]: () => it };
}
