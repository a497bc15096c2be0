// Generated test video: ffmpeg's lavfi `testsrc` pattern (colour bars, a moving gradient and a
// frame counter: coloured and left/right asymmetric, so filters show) with an optional sine tone,
// encoded as H.264 whose GOP is exactly the segment length, so every segment starts on a keyframe.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from './ffmpeg.js';

export interface TestVideoOptions {
  /** Default 320. */
  width?: number;
  /** Default 240. */
  height?: number;
  /** Frames per second. Default 15. */
  fps?: number;
  /** Seconds between keyframes (= the segment length). Default 1. */
  gopSeconds?: number;
  /** A 440 Hz AAC tone next to the video. Default true. */
  audio?: boolean;
  /** Length; undefined means endless (a live source, until aborted). */
  seconds?: number;
}

export interface H264Options {
  /** Seconds between keyframes (forced at exactly these times). */
  gopSeconds: number;
  /** The frame rate, when known: caps the GOP at this many frames per segment. */
  fps?: number;
}

function check(name: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) throw new RangeError(`${name} must be ${min}…${max}, got ${v}`);
  return v;
}

/** lavfi input args for the test pattern (and tone). */
export function testVideoInputArgs(opts: TestVideoOptions = {}): string[] {
  const w = check('width', opts.width ?? 320, 16, 4096);
  const h = check('height', opts.height ?? 240, 16, 4096);
  const fps = check('fps', opts.fps ?? 15, 1, 120);
  const dur = opts.seconds === undefined ? '' : `:duration=${check('seconds', opts.seconds, 0.04, 86_400)}`;
  const args = ['-f', 'lavfi', '-i', `testsrc=size=${w}x${h}:rate=${fps}${dur}`];
  if (opts.audio ?? true) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100${dur}`);
  return args;
}

/**
 * libx264 (ultrafast, zerolatency: no B-frames, no lookahead) with a keyframe exactly every
 * `gopSeconds` and none in between (no scene-cut keyframes), yuv420p.
 */
export function h264Args(o: H264Options): string[] {
  // -g is only a ceiling: with an unknown rate it must not cut a segment short, so it is large
  const gop = o.fps === undefined ? 100_000 : Math.max(1, Math.round(o.fps * o.gopSeconds));
  return [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${o.gopSeconds})`,
  ];
}

/** Output args for the test video's streams (H.264 and, with audio, AAC). */
export function testVideoEncodeArgs(opts: TestVideoOptions = {}): string[] {
  const args = h264Args({ fps: opts.fps ?? 15, gopSeconds: opts.gopSeconds ?? 1 });
  if (opts.audio ?? true) args.push('-c:a', 'aac', '-b:a', '64k', '-ac', '1');
  return args;
}

export interface GenerateOptions extends TestVideoOptions {
  seconds: number;
  /** Default 'mpegts'. */
  format?: 'mpegts' | 'mp4';
  signal?: AbortSignal;
}

/** A test video of `seconds`, as fast as ffmpeg can make it (not in real time). */
export async function generateTestVideo(opts: GenerateOptions): Promise<Uint8Array> {
  const args = [...testVideoInputArgs(opts), ...testVideoEncodeArgs(opts), '-t', String(opts.seconds)];
  const signal = opts.signal ? { signal: opts.signal } : {};
  if ((opts.format ?? 'mpegts') === 'mpegts') return new Uint8Array(await runFfmpeg([...args, '-f', 'mpegts', 'pipe:1'], { ...signal, timeoutMs: 120_000 }));
  // mp4 needs a seekable output for its index
  const dir = await mkdtemp(join(tmpdir(), 'livepeer-testvideo-'));
  try {
    const file = join(dir, 'out.mp4');
    await runFfmpeg([...args, '-movflags', '+faststart', '-y', file], { ...signal, timeoutMs: 120_000 });
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
