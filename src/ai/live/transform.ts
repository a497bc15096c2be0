// One MPEG-TS segment through one ffmpeg: decode, the filter, libx264 (ultrafast, zerolatency),
// audio copied, the input's timestamps kept exactly (-copyts; -mpegts_copyts so the muxer adds no
// delay; the encoder in the source's time base). The input streams into ffmpeg as it arrives and the output streams out as ffmpeg writes
// it, so a segment's added latency is the encoder's, not the segment's length.
import type { Writable } from 'node:stream';
import { spawnFfmpeg } from '../../media/index.js';
import { LIVE_FILTERS, LiveRunnerError, type LiveFilter } from './params.js';

export interface TransformOptions {
  filter: LiveFilter;
  signal?: AbortSignal;
  /** Kill ffmpeg when one segment takes longer. Default 30 s. */
  timeoutMs?: number;
  /** Input bytes accepted per segment. Default 32 MiB. */
  maxInputBytes?: number;
  ffmpegPath?: string;
}

export interface TransformResult {
  bytesIn: number;
  bytesOut: number;
  /** From the first input byte to ffmpeg's exit. */
  totalMs: number;
  /** From the last input byte to ffmpeg's exit: what this hop adds once the input is complete. */
  tailMs: number;
}

/** The ffmpeg arguments for one segment with `filter`. */
export function transformArgs(filter: LiveFilter): string[] {
  return [
    '-f', 'mpegts', '-i', 'pipe:0',
    '-map', '0:v:0', '-map', '0:a?',
    '-vf', LIVE_FILTERS[filter],
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    // the encoder in the source's time base: the default (1/frame rate) rounds every PTS to it
    '-enc_time_base:v', '-1',
    '-c:a', 'copy',
    '-copyts', '-vsync', 'passthrough',
    '-f', 'mpegts', '-mpegts_copyts', '1', '-flush_packets', '1', 'pipe:1',
  ];
}

/** Writing the output failed (not ffmpeg's fault): LIVE_OUTPUT_FAILED, `cause` the sink's error. */
export function sinkError(message: string, cause: unknown): LiveRunnerError {
  return new LiveRunnerError('LIVE_OUTPUT_FAILED', message, { cause });
}

export function isSinkError(err: unknown): err is LiveRunnerError {
  return err instanceof LiveRunnerError && err.code === 'LIVE_OUTPUT_FAILED';
}

/**
 * Streams `input` through ffmpeg into `sink` (called with each output chunk, in order; its promise
 * is the backpressure). Throws FfmpegError when ffmpeg fails, LIVE_SEGMENT_TOO_LARGE, the input's
 * own error, or LIVE_OUTPUT_FAILED when `sink` throws.
 */
export async function transformSegment(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, sink: (chunk: Uint8Array) => Promise<void>, opts: TransformOptions): Promise<TransformResult> {
  const max = opts.maxInputBytes ?? 32 * 1024 * 1024;
  const t0 = performance.now();
  const proc = spawnFfmpeg(transformArgs(opts.filter), {
    stdin: true,
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
  });
  let bytesIn = 0;
  let bytesOut = 0;
  let inputEnd = t0;
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    proc.kill(err instanceof Error ? err.message : String(err));
  };
  const feed = (async () => {
    const stdin = proc.stdin!;
    try {
      for await (const chunk of input) {
        // ffmpeg is gone (failed or killed): stop reading; leaving the loop releases the input
        if (stdin.destroyed) return;
        bytesIn += chunk.byteLength;
        if (bytesIn > max) throw new LiveRunnerError('LIVE_SEGMENT_TOO_LARGE', `an input segment is over ${max} bytes`);
        if (!stdin.write(chunk)) await drained(stdin);
      }
      inputEnd = performance.now();
      if (!stdin.destroyed) stdin.end();
    } catch (err) {
      fail(err);
    }
  })();
  const drain = (async () => {
    try {
      for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
        bytesOut += chunk.byteLength;
        try {
          await sink(chunk);
        } catch (err) {
          throw sinkError(`publishing the output failed: ${err instanceof Error ? err.message : String(err)}`, err);
        }
      }
    } catch (err) {
      fail(err);
    }
  })();
  // stdout ends when ffmpeg exits; a feed still waiting on its input then is left to the
  // caller's signal (it writes nothing more: stdin is gone)
  await drain;
  try {
    await proc.done;
  } catch (err) {
    throw failure ?? err;
  }
  await feed;
  if (failure) throw failure;
  const end = performance.now();
  return { bytesIn, bytesOut, totalMs: end - t0, tailMs: end - inputEnd };
}

/** Resolves when `w` can take more, or is gone. */
function drained(w: Writable): Promise<void> {
  if (w.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
  });
}

/** A whole segment in, the whole output out (tests, benches). */
export async function transformBytes(input: Uint8Array, opts: TransformOptions): Promise<{ data: Uint8Array; result: TransformResult }> {
  const parts: Uint8Array[] = [];
  const result = await transformSegment([input], async (c) => void parts.push(c), opts);
  return { data: new Uint8Array(Buffer.concat(parts)), result };
}


