// A channel: a ring of the last 5 segments, the server's next write index, and go-livepeer's
// rules for which segment a POST or a GET with a seq (or -1 / -2) lands on.
import { Segment } from './segment.js';

export const SEGMENTS_PER_CHANNEL = 5;

export interface ReadTarget {
  /** The segment, when it is in the window (or was pre-created for the live edge). */
  segment: Segment | undefined;
  /** The seq the request resolved to (-1 / -2 resolved). */
  seq: number;
  /** The server's next write index (Lp-Trickle-Latest). */
  latest: number;
  closed: boolean;
}

export class Channel {
  private readonly ring: (Segment | undefined)[] = new Array<Segment | undefined>(SEGMENTS_PER_CHANNEL).fill(undefined);
  nextWrite = 0;
  writeTime: number;
  closed = false;

  constructor(
    readonly name: string,
    readonly mime: string,
    private readonly limits: { maxSegmentBytes: number; retireGraceMs: number },
    private readonly account: (delta: number) => void,
    now: number,
  ) {
    this.writeTime = now;
  }

  private newSegment(seq: number): Segment {
    const slot = seq % SEGMENTS_PER_CHANNEL;
    this.ring[slot]?.release();
    const seg = new Segment(seq, this.limits.maxSegmentBytes, this.account);
    this.ring[slot] = seg;
    return seg;
  }

  /** The segment a POST of `seq` writes (-1 = next write). */
  forWrite(seq: number): Segment {
    const idx = seq === -1 ? this.nextWrite : seq;
    const cur = this.ring[idx % SEGMENTS_PER_CHANNEL];
    // A fresh segment (pre-created by a waiting GET, or a preconnect that wrote nothing) is reused,
    // so its waiting readers get the bytes. go-livepeer appends a re-post to a written segment;
    // here it starts a new one (readers of the old one see it end): a retry never splices bytes.
    if (cur && cur.seq === idx && cur.fresh) return cur;
    return this.newSegment(idx);
  }

  /** The first byte of `seg` arrived (or its POST ended empty): the live edge moves past it. */
  started(seg: Segment, now: number): void {
    this.nextWrite = seg.seq + 1;
    this.writeTime = now;
  }

  /** Lp-Trickle-Reset: the publisher restarted; segments below `seq` end so their readers stop waiting. */
  resetBelow(seq: number): void {
    for (const s of this.ring) if (s && s.seq < seq) s.end();
  }

  /** The segment a GET of `seq` reads (-1 = next write, -2 = the one being written). */
  forRead(seq: number): ReadTarget {
    let idx = seq;
    if (seq === -1) idx = this.nextWrite;
    else if (seq === -2) idx = this.nextWrite > 0 ? this.nextWrite - 1 : 0;
    let segment = this.ring[idx % SEGMENTS_PER_CHANNEL];
    if (segment && segment.seq !== idx) segment = undefined;
    if (!segment && !this.closed && (idx === this.nextWrite || (this.nextWrite === 0 && idx === 1))) {
      // A reader just ahead of the writer waits for the live edge.
      segment = this.newSegment(idx);
    }
    return { segment, seq: idx, latest: this.nextWrite, closed: this.closed };
  }

  /** The segment of `seq` when it is in the window. */
  get(seq: number): Segment | undefined {
    const s = this.ring[seq % SEGMENTS_PER_CHANNEL];
    return s && s.seq === seq ? s : undefined;
  }

  /** Closes every segment (readers finish what was written) and marks the channel closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.ring.length; i++) {
      this.ring[i]?.retire(this.limits.retireGraceMs);
      this.ring[i] = undefined;
    }
  }

  /** Bytes of the segments in the window. */
  get bytes(): number {
    let n = 0;
    for (const s of this.ring) if (s && !s.released) n += s.size;
    return n;
  }
}
