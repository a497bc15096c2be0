// Splits a continuous MPEG-TS byte stream into segments that each start at a video keyframe and
// decode on their own (each begins with the stream's PAT and PMT). Keyframes are the video PES
// packets whose adaptation field carries random_access_indicator, which ffmpeg's mpegts muxer sets
// on key packets. A segment is complete the moment the next keyframe arrives, so a live producer's
// segments come out as soon as they exist.

import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

const TS_PACKET = 188;
const SYNC = 0x47;
/** H.264, HEVC, MPEG-2, MPEG-1 and MPEG-4 part 2 video stream types in a PMT. */
const VIDEO_STREAM_TYPES = new Set([0x1b, 0x24, 0x02, 0x01, 0x10]);

export interface TsSegment {
  data: Uint8Array;
  /** The first keyframe's PTS in seconds (90 kHz clock), when it has one. */
  startSec: number | undefined;
  /** The next keyframe's PTS − this one's; undefined for the last segment of the input. */
  durationSec: number | undefined;
}

export const tsSplitErrorCodes = defineErrorCodes('src/media (MPEG-TS splitter)', {
  TS_SEGMENT_TOO_LARGE: 'A segment grew past its byte cap before the next video keyframe: the GOP is longer than the segment, or there is no video.',
});

export class TsSplitError extends LivepeerError<CodeOf<typeof tsSplitErrorCodes>> {
  override name = 'TsSplitError';
  constructor(message: string) {
    super('TS_SEGMENT_TOO_LARGE', message, { fatal: true });
  }
}

interface Pending {
  parts: Uint8Array[];
  bytes: number;
  startPts: number | undefined;
  keyframe: boolean;
}

export class TsSplitter {
  private carry: Uint8Array = new Uint8Array(0);
  private pat: Uint8Array | undefined;
  private pmt: Uint8Array | undefined;
  private pmtPid: number | undefined;
  private videoPid: number | undefined;
  private cur: Pending = { parts: [], bytes: 0, startPts: undefined, keyframe: false };

  constructor(private readonly maxSegmentBytes = 64 * 1024 * 1024) {}

  /** Feeds bytes; returns the segments this completed (usually none or one). */
  push(chunk: Uint8Array): TsSegment[] {
    const out: TsSegment[] = [];
    let buf = this.carry.byteLength ? concat([this.carry, chunk]) : chunk;
    let off = 0;
    while (buf.byteLength - off >= TS_PACKET) {
      if (buf[off] !== SYNC) {
        // lost sync (garbage or a torn write): skip to the next sync byte
        const next = buf.indexOf(SYNC, off + 1);
        if (next < 0) {
          off = buf.byteLength;
          break;
        }
        off = next;
        continue;
      }
      this.packet(buf.subarray(off, off + TS_PACKET), out);
      off += TS_PACKET;
    }
    this.carry = buf.subarray(off).slice();
    buf = new Uint8Array(0);
    return out;
  }

  /** End of input: the last segment (it has no duration). */
  end(): TsSegment[] {
    const out: TsSegment[] = [];
    if (this.cur.keyframe && this.cur.bytes > 0) out.push(this.complete(this.cur, undefined));
    this.cur = { parts: [], bytes: 0, startPts: undefined, keyframe: false };
    return out;
  }

  private packet(p: Uint8Array, out: TsSegment[]): void {
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const pusi = (p[1]! & 0x40) !== 0;
    const afc = (p[3]! >> 4) & 3;
    const afLen = afc & 2 ? p[4]! + 1 : 0;
    const payload = afc & 1 ? 4 + afLen : TS_PACKET;
    if (pid === 0 && pusi) {
      this.pat = p.slice();
      this.pmtPid = parsePat(p, payload);
    } else if (pid === this.pmtPid && pusi) {
      this.pmt = p.slice();
      this.videoPid = parsePmt(p, payload) ?? this.videoPid;
    } else if (pid === this.videoPid && pusi && afLen > 1 && (p[5]! & 0x40) !== 0) {
      const pts = parsePts(p, payload);
      if (this.cur.keyframe) {
        out.push(this.complete(this.cur, pts));
        this.cur = { parts: [], bytes: 0, startPts: undefined, keyframe: false };
        for (const h of [this.pat, this.pmt]) if (h) this.add(h);
      }
      this.cur.keyframe = true;
      this.cur.startPts = pts;
    }
    this.add(p.slice());
  }

  private add(p: Uint8Array): void {
    this.cur.parts.push(p);
    this.cur.bytes += p.byteLength;
    if (this.cur.bytes > this.maxSegmentBytes) {
      throw new TsSplitError(`an MPEG-TS segment grew past ${this.maxSegmentBytes} bytes before the next video keyframe (is the GOP longer than the segment, or is there no video?)`);
    }
  }

  /** The segment `seg`, ended by the keyframe at `nextPts` (undefined at end of input). */
  private complete(seg: Pending, nextPts: number | undefined): TsSegment {
    const d = seg.startPts !== undefined && nextPts !== undefined ? ptsDiff(nextPts, seg.startPts) / 90_000 : undefined;
    return { data: concat(seg.parts), startSec: sec(seg.startPts), durationSec: d };
  }
}

function sec(pts: number | undefined): number | undefined {
  return pts === undefined ? undefined : pts / 90_000;
}

/** PTS are 33-bit and wrap. */
function ptsDiff(a: number, b: number): number {
  const wrap = 2 ** 33;
  return (((a - b) % wrap) + wrap) % wrap;
}

function section(p: Uint8Array, payload: number): { start: number; end: number } | undefined {
  if (payload >= TS_PACKET) return undefined;
  const start = payload + 1 + p[payload]!; // pointer_field
  if (start + 3 > TS_PACKET) return undefined;
  const len = ((p[start + 1]! & 0x0f) << 8) | p[start + 2]!;
  return { start, end: Math.min(TS_PACKET, start + 3 + len - 4) }; // without the CRC
}

function parsePat(p: Uint8Array, payload: number): number | undefined {
  const s = section(p, payload);
  if (!s || p[s.start] !== 0x00) return undefined;
  for (let o = s.start + 8; o + 4 <= s.end; o += 4) {
    const program = (p[o]! << 8) | p[o + 1]!;
    if (program !== 0) return ((p[o + 2]! & 0x1f) << 8) | p[o + 3]!;
  }
  return undefined;
}

function parsePmt(p: Uint8Array, payload: number): number | undefined {
  const s = section(p, payload);
  if (!s || p[s.start] !== 0x02) return undefined;
  const infoLen = ((p[s.start + 10]! & 0x0f) << 8) | p[s.start + 11]!;
  for (let o = s.start + 12 + infoLen; o + 5 <= s.end; ) {
    const type = p[o]!;
    const pid = ((p[o + 1]! & 0x1f) << 8) | p[o + 2]!;
    if (VIDEO_STREAM_TYPES.has(type)) return pid;
    o += 5 + (((p[o + 3]! & 0x0f) << 8) | p[o + 4]!);
  }
  return undefined;
}

function parsePts(p: Uint8Array, payload: number): number | undefined {
  const o = payload;
  if (o + 14 > TS_PACKET || p[o] !== 0 || p[o + 1] !== 0 || p[o + 2] !== 1) return undefined;
  if ((p[o + 7]! & 0x80) === 0) return undefined; // no PTS
  const b = o + 9;
  // 33 bits over 5 bytes with marker bits; multiply instead of shifting (beyond 32 bits)
  return ((p[b]! >> 1) & 0x07) * 2 ** 30 + p[b + 1]! * 2 ** 22 + ((p[b + 2]! >> 1) & 0x7f) * 2 ** 15 + p[b + 3]! * 2 ** 7 + ((p[b + 4]! >> 1) & 0x7f);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const x of parts) n += x.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.byteLength;
  }
  return out;
}
