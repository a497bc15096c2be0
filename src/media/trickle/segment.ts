// One segment of a channel: an append-only list of the chunks its publisher wrote, read by any
// number of cursors, each from the segment's start, getting bytes as they arrive. The server counts
// every byte it holds (`account`), and releases a segment's chunks when it leaves the channel's
// window: a reader still inside it then sees TRICKLE_SEGMENT_ABORTED, so a slow reader can never
// make the server keep more than the window.
import { TrickleError, segmentAborted } from './errors.js';

export type SegmentState = 'open' | 'ended' | 'aborted';

export class Segment {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private wake: (() => void)[] = [];
  state: SegmentState = 'open';
  error: TrickleError | undefined;
  /** Chunks dropped (the segment left the window): readers not yet done see an error. */
  released = false;
  /** Chunk count when the segment ended (a reader past it is done even after release). */
  finalCount = -1;
  /** Open cursors, so a closed channel's segments are dropped once their last reader is done. */
  private readers = 0;
  private releaseWhenIdle = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly seq: number,
    private readonly maxBytes: number,
    private readonly account: (delta: number) => void,
  ) {}

  get size(): number {
    return this.bytes;
  }

  /** Readers currently inside this segment. */
  get readerCount(): number {
    return this.readers;
  }

  /** Nothing written and still open: a preconnect (GET or POST) waiting for this seq. */
  get fresh(): boolean {
    return this.state === 'open' && this.bytes === 0;
  }

  /** Appends a chunk (kept by reference). Returns false (and aborts the segment) past the byte cap. */
  append(chunk: Buffer): boolean {
    if (this.state !== 'open' || this.released) return false;
    if (this.bytes + chunk.length > this.maxBytes) {
      this.abort(new TrickleError('TRICKLE_SEGMENT_TOO_LARGE', `segment ${this.seq} is larger than the server's cap of ${this.maxBytes} bytes`, { status: 413 }));
      return false;
    }
    if (chunk.length === 0) return true;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.account(chunk.length);
    this.notify();
    return true;
  }

  end(): void {
    if (this.state !== 'open') return;
    this.state = 'ended';
    this.finalCount = this.chunks.length;
    this.notify();
  }

  abort(err: TrickleError = segmentAborted(`segment ${this.seq} was abandoned by its publisher`)): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.error = err;
    this.notify();
  }

  /** Ends the segment and drops its chunks once no reader is inside it (its channel closed). */
  retire(graceMs: number): void {
    this.end();
    if (this.readers === 0) return this.release();
    this.releaseWhenIdle = true;
    // A reader that never drains (stalled socket) must not pin the bytes forever.
    this.graceTimer = setTimeout(() => this.release(), graceMs);
    this.graceTimer.unref();
  }

  /** Drops the chunks now (the segment left the window): readers still inside it see an error. */
  release(): void {
    if (this.released) return;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.state === 'open') this.abort(segmentAborted(`segment ${this.seq} left the window of 5 before its publisher finished it`));
    this.released = true;
    this.account(-this.bytes);
    this.chunks = [];
    this.notify();
  }

  reader(): SegmentCursor {
    this.readers++;
    return new SegmentCursor(this, () => {
      this.readers--;
      if (this.readers === 0 && this.releaseWhenIdle) this.release();
    });
  }

  /** @internal for SegmentCursor */
  chunkAt(i: number): Buffer | undefined {
    return this.chunks[i];
  }

  /** @internal for SegmentCursor */
  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Resolves at the next change (bytes, end, abort, release). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wake.push(resolve));
  }

  private notify(): void {
    const w = this.wake;
    if (w.length === 0) return;
    this.wake = [];
    for (const f of w) f();
  }
}

/** What a cursor has for its reader right now. */
export type CursorStep = { kind: 'data'; chunks: Buffer[] } | { kind: 'wait' } | { kind: 'end' } | { kind: 'error'; error: TrickleError };

export class SegmentCursor {
  private next = 0;
  private closed = false;
  /** Bytes handed out so far. */
  read = 0;

  constructor(
    readonly segment: Segment,
    private readonly onClose: () => void,
  ) {}

  /** Every cursor is closed by its reader when it stops (done, error or cancelled). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  step(): CursorStep {
    const s = this.segment;
    if (s.released) {
      if (this.next === -1 || (s.state === 'ended' && this.next === s.finalCount)) {
        this.next = -1;
        return { kind: 'end' };
      }
      return { kind: 'error', error: s.error ?? segmentAborted(`segment ${s.seq} left the window of 5 before this reader finished it`) };
    }
    if (this.next < s.chunkCount) {
      const out: Buffer[] = [];
      while (this.next < s.chunkCount) {
        const c = s.chunkAt(this.next++)!;
        this.read += c.length;
        out.push(c);
      }
      return { kind: 'data', chunks: out };
    }
    if (s.state === 'ended') {
      this.next = -1;
      return { kind: 'end' };
    }
    if (s.state === 'aborted') return { kind: 'error', error: s.error ?? segmentAborted(`segment ${s.seq} was abandoned`) };
    return { kind: 'wait' };
  }

  /** True once every byte was handed out and the segment ended normally. */
  get done(): boolean {
    return this.next === -1;
  }
}
