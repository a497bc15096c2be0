// ffprobe as a bounded child process: the input is capped in size before anything is spawned, the
// process is killed when it overruns its time, its output is capped, and at most a few run at
// once (a hostile client cannot fork-bomb the node by uploading many files). The binary is the
// one the @ffprobe-installer/ffprobe package ships for this platform.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';
import { looksLikeMpegTs, withoutSdt } from './mpegtsSdt.js';

export const mediaProbeErrorCodes = defineErrorCodes('src/media (ffprobe)', {
  PROBE_INPUT_TOO_LARGE: 'The media is larger than the probe accepts.',
  PROBE_INPUT_EMPTY: 'The media is empty.',
  PROBE_TIMEOUT: 'ffprobe did not finish in time.',
  PROBE_UNREADABLE: 'ffprobe cannot read the media (not a format it knows, or corrupt).',
  PROBE_UNAVAILABLE: "No ffprobe binary (install @ffprobe-installer/ffprobe or set LIVEPEER_FFPROBE): the node's problem, not the input's.",
  PROBE_BUSY: 'Too many probes at once: retry shortly.',
  PROBE_BAD_OUTPUT: 'ffprobe answered something that is not its JSON.',
});

export type MediaProbeErrorCode = CodeOf<typeof mediaProbeErrorCodes>;

export class MediaProbeError extends LivepeerError<MediaProbeErrorCode> {
  override name = 'MediaProbeError';
  constructor(code: MediaProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

export interface ProbeStream {
  /** "audio", "video", … */
  codecType: string;
  codecName: string | undefined;
  /** Bits per second, when the container or codec says. */
  bitRate: number | undefined;
}

export interface ProbeResult {
  /** ffmpeg's input format name, e.g. "mp3", "wav", "mov,mp4,m4a,3gp,3g2,mj2". */
  formatName: string;
  /** The container duration exactly as ffprobe prints it (decimal seconds), when known. */
  duration: string | undefined;
  streams: ProbeStream[];
}

export interface ProbeOptions {
  /**
   * 'pipe' feeds the bytes on stdin, as go-livepeer's lpms does (no file size, no seeking: some
   * formats then have no duration); 'file' writes them to a private temp file first (seekable).
   */
  input?: 'pipe' | 'file';
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default 50 MiB, ai-runner's upload limit. */
  maxBytes?: number;
  /** Path of the ffprobe binary; default the @ffprobe-installer one (or $LIVEPEER_FFPROBE). */
  ffprobePath?: string;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
export const DEFAULT_PROBE_MAX_BYTES = 50 * 1024 * 1024;
/** Probes running at once; further calls wait in a bounded queue. */
export const MAX_CONCURRENT_PROBES = 4;
export const MAX_QUEUED_PROBES = 256;
const MAX_STDOUT_BYTES = 1024 * 1024;
const MAX_STDERR_BYTES = 4096;

let installedPath: string | undefined;

/** The ffprobe binary used by default. */
export function ffprobePath(): string {
  const env = process.env.LIVEPEER_FFPROBE;
  if (env) return env;
  if (!installedPath) {
    try {
      const req = createRequire(import.meta.url);
      installedPath = (req('@ffprobe-installer/ffprobe') as { path: string }).path;
    } catch (err) {
      throw new MediaProbeError('PROBE_UNAVAILABLE', `no ffprobe binary for ${process.platform}-${process.arch}: install @ffprobe-installer/ffprobe or set LIVEPEER_FFPROBE`, { cause: err });
    }
  }
  return installedPath;
}

let running = 0;
const waiting: Array<() => void> = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_PROBES) {
    if (waiting.length >= MAX_QUEUED_PROBES) throw new MediaProbeError('PROBE_BUSY', `too many media probes waiting (${MAX_QUEUED_PROBES}); try again shortly`);
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Probes `bytes` with ffprobe: container format, duration and streams. */
export async function probeMedia(input: Uint8Array, opts: ProbeOptions = {}): Promise<ProbeResult> {
  // the shipped static ffprobe crashes on an MPEG-TS service table; see mpegtsSdt.ts
  const bytes = looksLikeMpegTs(input) ? withoutSdt(input) : input;
  const maxBytes = opts.maxBytes ?? DEFAULT_PROBE_MAX_BYTES;
  if (bytes.byteLength === 0) throw new MediaProbeError('PROBE_INPUT_EMPTY', 'the media file is empty');
  if (bytes.byteLength > maxBytes) {
    throw new MediaProbeError('PROBE_INPUT_TOO_LARGE', `the media file is ${bytes.byteLength} bytes; at most ${maxBytes} bytes are accepted`);
  }
  const bin = opts.ffprobePath ?? ffprobePath();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return withSlot(async () => {
    if ((opts.input ?? 'pipe') === 'pipe') return parseOutput(await run(bin, 'pipe:0', bytes, timeoutMs));
    const dir = await mkdtemp(join(tmpdir(), 'livepeer-probe-'));
    try {
      const file = join(dir, 'input');
      await writeFile(file, bytes, { mode: 0o600 });
      return parseOutput(await run(bin, file, undefined, timeoutMs));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

function run(bin: string, input: string, stdin: Uint8Array | undefined, timeoutMs: number): Promise<string> {
  const args = ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_type,codec_name,bit_rate', '-of', 'json', '-i', input];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let outBytes = 0;
    let err = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new MediaProbeError('PROBE_TIMEOUT', `ffprobe did not finish within ${timeoutMs} ms`)));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      outBytes += Buffer.byteLength(s);
      if (outBytes > MAX_STDOUT_BYTES) {
        child.kill('SIGKILL');
        finish(() => reject(new MediaProbeError('PROBE_BAD_OUTPUT', `ffprobe printed more than ${MAX_STDOUT_BYTES} bytes`)));
        return;
      }
      out += s;
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      err = (err + s).slice(-MAX_STDERR_BYTES);
    });
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish(() => reject(new MediaProbeError('PROBE_UNAVAILABLE', `cannot run ffprobe at ${bin}: ${e.code ?? e.message}`, { cause: e })));
    });
    child.once('close', (code, signal) => {
      if (code === 0) finish(() => resolve(out));
      else finish(() => reject(new MediaProbeError('PROBE_UNREADABLE', `ffprobe cannot read the media (${signal ?? `exit ${code}`}): ${err.trim().split('\n').pop() ?? ''}`)));
    });
    if (stdin) {
      // ffprobe stops reading once it has seen enough, so EPIPE on our side is normal.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(stdin);
    }
  });
}

function parseOutput(text: string): ProbeResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MediaProbeError('PROBE_BAD_OUTPUT', `ffprobe output is not JSON: ${text.slice(0, 80)}`, { cause: err });
  }
  const j = json as { format?: { format_name?: unknown; duration?: unknown }; streams?: unknown };
  if (!j.format || typeof j.format.format_name !== 'string') throw new MediaProbeError('PROBE_BAD_OUTPUT', 'ffprobe output has no format');
  const streams = Array.isArray(j.streams) ? j.streams : [];
  return {
    formatName: j.format.format_name,
    duration: typeof j.format.duration === 'string' ? j.format.duration : undefined,
    streams: streams.map((s: { codec_type?: unknown; codec_name?: unknown; bit_rate?: unknown }) => ({
      codecType: typeof s.codec_type === 'string' ? s.codec_type : 'unknown',
      codecName: typeof s.codec_name === 'string' ? s.codec_name : undefined,
      bitRate: typeof s.bit_rate === 'string' && /^\d+$/.test(s.bit_rate) ? Number(s.bit_rate) : undefined,
    })),
  };
}
