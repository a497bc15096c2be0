// One live stream of the CPU live runner: the input channel read segment by segment, each segment
// streamed through ffmpeg with the current filter and published as one segment on the output
// channel; control messages change the params live; events (heartbeat, first ingest, first
// processed, params_updated, errors, stream_stopped) go to the events channel. It ends on input EOS,
// when a channel is deleted, or on stop(); every subscription, ffmpeg, timer and preconnect is
// released then. A segment that fails is an error event and the stream goes on.
import { errorCode, isLivepeerError } from '../../errors/index.js';
import type { SegmentReader, SegmentWriter, TricklePublisher, TrickleSubscriber } from '../../media/index.js';
import { EventSink, HEARTBEAT_QUEUE, liveEvent } from './events.js';
import { applyParams, type LiveParams, type StreamStartRequest } from './params.js';
import { isSinkError, sinkError, transformSegment } from './transform.js';
import { RUNNER_SUBSCRIBE_START, type TrickleClients } from './trickle.js';

export type LiveStreamEnd = 'input_eos' | 'input_not_found' | 'output_closed' | 'stopped' | 'error';

export interface LiveStreamOptions {
  trickle: TrickleClients;
  /** Default 10 s, as pytrickle. */
  heartbeatMs?: number;
  /** ffmpeg's budget per segment. Default 30 s. */
  segmentTimeoutMs?: number;
  /** Input bytes accepted per segment. Default 32 MiB. */
  maxSegmentBytes?: number;
  ffmpegPath?: string;
  log?: (msg: string) => void;
}

const MAX_CONTROL_BYTES = 1024 * 1024;
/** Consecutive read failures (not end of stream) before a channel is given up. */
const MAX_READ_FAILURES = 5;
const RETRY_MS = 250;
const RECENT = 32;

export interface LiveStreamStats {
  segmentsIn: number;
  segmentsOut: number;
  segmentErrors: number;
  controlMessages: number;
  /** ffmpeg wall time per segment (first input byte to exit), the last RECENT segments, ms. */
  recentTotalMs: number[];
  /** Time added after the input segment was complete, the last RECENT segments, ms. */
  recentTailMs: number[];
}

const TRICKLE_NOT_FOUND = 'TRICKLE_STREAM_NOT_FOUND';
const TRICKLE_EOS = 'TRICKLE_EOS';

function fatal(err: unknown): boolean {
  return isLivepeerError(err) && err.fatal;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function push(ring: number[], v: number): void {
  ring.push(Math.round(v * 10) / 10);
  if (ring.length > RECENT) ring.shift();
}

export class LiveStream {
  params: LiveParams;
  readonly startedAt = Date.now();
  endReason: LiveStreamEnd | undefined;
  lastError: string | undefined;
  readonly stats: LiveStreamStats = { segmentsIn: 0, segmentsOut: 0, segmentErrors: 0, controlMessages: 0, recentTotalMs: [], recentTailMs: [] };
  /** Resolves once the stream has ended and released everything. */
  readonly ended: Promise<LiveStreamEnd>;

  private readonly ac = new AbortController();
  private readonly input: TrickleSubscriber;
  private readonly output: TricklePublisher;
  private readonly control: TrickleSubscriber | undefined;
  private readonly eventsPub: TricklePublisher | undefined;
  private readonly events: EventSink;
  private heartbeat: NodeJS.Timeout | undefined;
  private loops: Promise<unknown>[] = [];
  private stopping: Promise<void> | undefined;
  private resolveEnded!: (r: LiveStreamEnd) => void;

  constructor(
    readonly req: StreamStartRequest,
    private readonly opts: LiveStreamOptions,
  ) {
    this.params = req.params;
    this.ended = new Promise((r) => (this.resolveEnded = r));
    const t = opts.trickle;
    this.input = t.subscriber(req.subscribe_url, RUNNER_SUBSCRIBE_START);
    this.output = t.publisher(req.publish_url, 'video/mp2t');
    this.control = req.control_url ? t.subscriber(req.control_url, RUNNER_SUBSCRIBE_START) : undefined;
    this.eventsPub = req.events_url ? t.publisher(req.events_url, 'application/json') : undefined;
    this.events = new EventSink(this.eventsPub, (err) => this.log(`event not written: ${message(err)}`));
  }

  get requestId(): string {
    return this.req.gateway_request_id;
  }

  get running(): boolean {
    return this.stopping === undefined;
  }

  start(): void {
    this.sendHeartbeat();
    this.heartbeat = setInterval(() => this.sendHeartbeat(), this.opts.heartbeatMs ?? 10_000);
    // shutdown waits for the loops, so the loops' own ending calls stop() outside them
    const ingest = this.ingestLoop();
    this.loops.push(ingest);
    ingest.then((end) => this.stop(end), (err: unknown) => this.fail(err));
    if (this.control) this.loops.push(this.controlLoop().catch((err: unknown) => this.log(`control loop: ${message(err)}`)));
  }

  /** Applies a params update (control channel or /stream/params); throws LIVE_BAD_PARAMS, leaving the params. */
  update(update: unknown): LiveParams {
    this.params = applyParams(update, this.params);
    this.events.emit(liveEvent('params_updated', { params: this.params.raw }));
    return this.params;
  }

  /** Ends the stream (idempotent); resolves when everything is released. */
  stop(reason: LiveStreamEnd = 'stopped'): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private fail(err: unknown): Promise<void> {
    this.lastError = message(err);
    return this.stop('error');
  }

  private async shutdown(reason: LiveStreamEnd): Promise<void> {
    this.endReason = reason;
    clearInterval(this.heartbeat);
    this.ac.abort(new Error(`stream ${reason}`));
    this.input.close();
    this.control?.close();
    await Promise.allSettled(this.loops);
    this.events.emit(liveEvent('stream_stopped', { reason, ...(this.lastError ? { error: this.lastError } : {}) }));
    await this.events.flush();
    // closing the publishers releases their preconnects, and tells the output's readers EOS
    await Promise.allSettled([this.output.close(), this.eventsPub?.close()]);
    this.log(`stream ${this.requestId} ended: ${reason}`);
    this.resolveEnded(reason);
  }

  private log(msg: string): void {
    this.opts.log?.(msg);
  }

  private sendHeartbeat(): void {
    const r = this.req;
    this.events.emit(
      liveEvent(
        'heartbeat',
        {
          urls: { subscribe: r.subscribe_url, publish: r.publish_url, control: r.control_url ?? '', events: r.events_url ?? '', data: r.data_url ?? '' },
          dimensions: { width: this.params.raw.width ?? 512, height: this.params.raw.height ?? 512 },
          filter: this.params.filter,
          segments_in: this.stats.segmentsIn,
          segments_out: this.stats.segmentsOut,
          segment_errors: this.stats.segmentErrors,
        },
        HEARTBEAT_QUEUE,
      ),
    );
  }

  private errorEvent(msg: string, err?: unknown): void {
    this.lastError = msg;
    this.log(msg);
    this.events.emit(liveEvent('error', { message: msg, ...(errorCode(err) ? { code: errorCode(err) } : {}) }));
  }

  private async pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, RETRY_MS);
      this.ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  /** Reads the next segment of `sub`; null at end of stream, 'gone' when the channel is gone. */
  private async readNext(sub: TrickleSubscriber, what: string): Promise<SegmentReader | null | 'gone' | 'failed'> {
    for (let failures = 0; ; ) {
      if (this.ac.signal.aborted) return null;
      try {
        return await sub.read(this.ac.signal);
      } catch (err) {
        if (this.ac.signal.aborted) return null;
        const code = errorCode(err);
        if (code === TRICKLE_EOS) return null;
        if (code === TRICKLE_NOT_FOUND) return 'gone';
        if (fatal(err) || ++failures > MAX_READ_FAILURES) {
          this.errorEvent(`${what} channel failed: ${message(err)}`, err);
          return 'failed';
        }
        await this.pause();
      }
    }
  }

  private async ingestLoop(): Promise<LiveStreamEnd> {
    for (;;) {
      const seg = await this.readNext(this.input, 'input');
      if (this.ac.signal.aborted) return 'stopped';
      if (seg === null) return 'input_eos';
      if (seg === 'gone') return 'input_not_found';
      if (seg === 'failed') return 'error';
      const end = await this.processSegment(seg);
      if (end) return end;
    }
  }

  /** One input segment to one output segment; returns an end reason only when the output is gone. */
  private async processSegment(seg: SegmentReader): Promise<LiveStreamEnd | undefined> {
    if (this.stats.segmentsIn++ === 0) this.events.emit(liveEvent('receive_first_ingest_segment'));
    const filter = this.params.filter;
    let writer: SegmentWriter | undefined;
    try {
      const r = await transformSegment(
        seg,
        async (chunk) => {
          writer ??= await this.output.next();
          await writer.write(chunk);
        },
        {
          filter,
          signal: this.ac.signal,
          ...(this.opts.segmentTimeoutMs ? { timeoutMs: this.opts.segmentTimeoutMs } : {}),
          ...(this.opts.maxSegmentBytes ? { maxInputBytes: this.opts.maxSegmentBytes } : {}),
          ...(this.opts.ffmpegPath ? { ffmpegPath: this.opts.ffmpegPath } : {}),
        },
      );
      if (!writer) throw new Error(`input segment ${seg.seq} gave no output`);
      try {
        await writer.end();
      } catch (err) {
        throw sinkError(`ending output segment ${writer.seq} failed: ${message(err)}`, err);
      }
      push(this.stats.recentTotalMs, r.totalMs);
      push(this.stats.recentTailMs, r.tailMs);
      if (this.stats.segmentsOut++ === 0) this.events.emit(liveEvent('send_first_processed_segment'));
      return undefined;
    } catch (err) {
      writer?.abort(err instanceof Error ? err : new Error(String(err)));
      if (this.ac.signal.aborted) return 'stopped';
      if (isSinkError(err) && (errorCode(err.cause) === TRICKLE_NOT_FOUND || errorCode(err.cause) === TRICKLE_EOS)) return 'output_closed';
      this.stats.segmentErrors++;
      this.errorEvent(`segment ${seg.seq} (${filter}) failed: ${message(err)}`, isSinkError(err) ? err.cause : err);
      return undefined;
    }
  }

  private async controlLoop(): Promise<void> {
    for (;;) {
      const seg = await this.readNext(this.control!, 'control');
      if (seg === null || seg === 'gone' || seg === 'failed') return;
      let text: string;
      try {
        text = await readText(seg, MAX_CONTROL_BYTES);
      } catch (err) {
        if (this.ac.signal.aborted) return;
        this.errorEvent(`control message ${seg.seq} unreadable: ${message(err)}`, err);
        continue;
      }
      if (text.trim() === '') continue;
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        this.errorEvent(`control message ${seg.seq} is not JSON: ${text.slice(0, 80)}`);
        continue;
      }
      if (isKeepalive(msg)) continue;
      this.stats.controlMessages++;
      try {
        this.update(msg);
      } catch (err) {
        this.errorEvent(`control update refused: ${message(err)}`, err);
      }
    }
  }
}

function isKeepalive(m: unknown): boolean {
  return m !== null && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length === 1 && (m as { keep?: unknown }).keep === 'alive';
}

async function readText(seg: AsyncIterable<Uint8Array>, max: number): Promise<string> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of seg) {
    n += c.byteLength;
    if (n > max) throw new Error(`over ${max} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts).toString('utf8');
}
