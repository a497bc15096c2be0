// Media cut into MPEG-TS segments of N seconds, delivered in real time as an async iterator: one
// ffmpeg reads the source at its native rate (`-re`), encodes H.264 with a keyframe exactly every N
// seconds (or copies the source's streams), writes one continuous MPEG-TS on a pipe, and the
// TsSplitter cuts it at each keyframe. A segment is yielded the moment the next one starts, so
// segment k arrives about (k+1)·N seconds after the start, as a live source's would.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnFfmpeg } from './ffmpeg.js';
import { h264Args, testVideoEncodeArgs, testVideoInputArgs, type TestVideoOptions } from './testVideo.js';
import { TsSplitter } from './tsSplitter.js';

export type SegmentSource =
  /** A media file ffmpeg can read; `loop` repeats it endlessly (until aborted). */
  | { file: string; loop?: boolean }
  /** Media bytes, fed to ffmpeg on stdin. */
  | { bytes: Uint8Array }
  /** A media byte stream (a pipe, a socket, an upload), fed to ffmpeg on stdin as it comes. */
  | { stream: AsyncIterable<Uint8Array> }
  /** The generated test pattern (see testVideo.ts); its GOP is the segment length. */
  | { testVideo: Omit<TestVideoOptions, 'gopSeconds'> };

export interface SegmentOptions {
  /** Segment length in seconds. Default 2 (pytrickle's GOP). */
  segmentSeconds?: number;
  /** Read the source at its native rate. Default true; false segments as fast as ffmpeg can. */
  realtime?: boolean;
  /**
   * 'encode' (default): H.264 with a keyframe every segmentSeconds, audio to AAC. 'copy': the
   * source's streams as they are (segments then follow the source's own keyframes).
   */
  video?: 'encode' | 'copy';
  signal?: AbortSignal;
  /** A segment larger than this is an error (no keyframe in sight). Default 64 MiB. */
  maxSegmentBytes?: number;
  /** Default: ffmpegPath(). */
  ffmpegPath?: string;
}

export interface MediaSegment {
  /** 0, 1, 2, … in order. */
  seq: number;
  /** One self-contained MPEG-TS segment (PAT, PMT, then a keyframe first). */
  data: Uint8Array;
  /** The segment's first keyframe PTS in seconds (the source's timeline, as muxed). */
  startSec: number | undefined;
  /** Length in seconds by PTS; undefined for the last segment. */
  durationSec: number | undefined;
}

/** The ffmpeg arguments segmentMedia runs (exported for tests and logs). */
export function segmentArgs(source: SegmentSource, opts: SegmentOptions = {}): string[] {
  const n = opts.segmentSeconds ?? 2;
  if (!Number.isFinite(n) || n <= 0 || n > 60) throw new RangeError(`segmentSeconds must be in (0, 60], got ${n}`);
  const re = opts.realtime ?? true;
  const args: string[] = [];
  if ('testVideo' in source) {
    const t = { ...source.testVideo, gopSeconds: n };
    // -re applies to the input after it; the test source may have two (video, tone)
    const input = testVideoInputArgs(t);
    for (let i = 0; i < input.length; i += 4) args.push(...(re ? ['-re'] : []), ...input.slice(i, i + 4));
    args.push(...testVideoEncodeArgs(t));
  } else {
    if (re) args.push('-re');
    if ('file' in source) {
      if (source.loop) args.push('-stream_loop', '-1');
      args.push('-i', source.file);
    } else {
      args.push('-i', 'pipe:0'); // bytes or stream
    }
    if ((opts.video ?? 'encode') === 'copy') args.push('-c', 'copy');
    else args.push(...h264Args({ gopSeconds: n }), '-c:a', 'aac', '-b:a', '96k');
    args.push('-map', '0:v:0', '-map', '0:a:0?');
  }
  // flush every packet: a live reader must not wait on ffmpeg's output buffer
  args.push('-f', 'mpegts', '-flush_packets', '1', 'pipe:1');
  return args;
}

/**
 * Segments `source` (see SegmentSource). Breaking out of the loop or aborting the signal kills
 * ffmpeg; a failure of ffmpeg is thrown as its FfmpegError after the segments already complete.
 */
export async function* segmentMedia(source: SegmentSource, opts: SegmentOptions = {}): AsyncGenerator<MediaSegment, void, undefined> {
  const args = segmentArgs(source, opts);
  const proc = spawnFfmpeg(args, {
    stdin: 'bytes' in source || 'stream' in source,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
  });
  if ('bytes' in source) proc.stdin!.end(source.bytes);
  if ('stream' in source) {
    // a stream that fails kills ffmpeg, whose error the loop below then throws
    pipeline(Readable.from(source.stream), proc.stdin!).catch((err: unknown) => proc.kill(`input stream failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  const splitter = new TsSplitter(opts.maxSegmentBytes);
  let seq = 0;
  try {
    for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
      for (const s of splitter.push(chunk)) yield { seq: seq++, ...s };
    }
    await proc.done; // a failed run throws here, before its possibly truncated last segment
    for (const s of splitter.end()) yield { seq: seq++, ...s };
  } finally {
    proc.kill('segmenting ended');
    await proc.done.catch(() => undefined);
  }
}
