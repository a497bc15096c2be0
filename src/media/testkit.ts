// Real media for tests, made at test time with the ffmpeg binary of @ffmpeg-installer/ffmpeg: a
// sine tone in any container/codec ffmpeg can write, or a test-pattern image.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from './ffmpeg.js';

const run = promisify(execFile);

export { ffmpegPath };

async function make(ext: string, args: string[]): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'livepeer-media-'));
  try {
    const out = join(dir, `out.${ext}`);
    await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args, out], { timeout: 30_000 });
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Audio formats ai-runner decodes (PyAV), with the ffmpeg arguments that write them. */
export const AUDIO_FORMATS = {
  wav: { ext: 'wav', args: [] },
  mp3: { ext: 'mp3', args: ['-c:a', 'libmp3lame'] },
  flac: { ext: 'flac', args: [] },
  ogg: { ext: 'ogg', args: ['-c:a', 'libvorbis'] },
  opus: { ext: 'opus', args: ['-c:a', 'libopus'] },
  m4a: { ext: 'm4a', args: ['-c:a', 'aac'] },
  webm: { ext: 'webm', args: ['-c:a', 'libopus'] },
  aac: { ext: 'aac', args: ['-c:a', 'aac', '-f', 'adts'] },
} as const;
export type AudioFormat = keyof typeof AUDIO_FORMATS;

/** A 440 Hz tone of `seconds` in `format`. */
export function makeTone(format: AudioFormat, seconds: number, sampleRate = 16_000): Promise<Uint8Array> {
  const f = AUDIO_FORMATS[format];
  return make(f.ext, ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=${sampleRate}`, ...f.args]);
}

/** A width×height test pattern as PNG, JPEG or GIF. */
export function makeImage(format: 'png' | 'jpg' | 'gif' | 'bmp', width: number, height: number): Promise<Uint8Array> {
  return make(format, ['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=1`, '-frames:v', '1']);
}
