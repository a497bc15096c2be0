// ffmpeg as a child process the caller owns: located in the @ffmpeg-installer/ffmpeg package (or
// $LIVEPEER_FFMPEG), cancelled by an AbortSignal or a timeout (SIGKILL), its stderr tail kept for
// a typed error when it fails, its captured output capped. Nothing here retries: a caller decides.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const mediaFfmpegErrorCodes = defineErrorCodes('src/media (ffmpeg)', {
  FFMPEG_UNAVAILABLE: "No ffmpeg binary (install @ffmpeg-installer/ffmpeg or set LIVEPEER_FFMPEG): the node's problem, not the input's.",
  FFMPEG_FAILED: 'ffmpeg exited with an error (the input is not media it can read, or the arguments are wrong); details has its stderr.',
  FFMPEG_TIMEOUT: 'ffmpeg did not finish in time and was killed.',
  FFMPEG_ABORTED: 'The caller cancelled the ffmpeg run (AbortSignal); it was killed.',
  FFMPEG_OUTPUT_TOO_LARGE: 'ffmpeg wrote more than the caller accepts; it was killed.',
});

export type MediaFfmpegErrorCode = CodeOf<typeof mediaFfmpegErrorCodes>;

export class FfmpegError extends LivepeerError<MediaFfmpegErrorCode> {
  override name = 'FfmpegError';
  /** The last lines ffmpeg wrote on stderr (bounded). */
  readonly stderr: string;
  constructor(code: MediaFfmpegErrorCode, message: string, opts: { stderr?: string; cause?: unknown } = {}) {
    super(code, message, {
      fatal: code === 'FFMPEG_UNAVAILABLE',
      ...(opts.stderr ? { details: opts.stderr } : {}),
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.stderr = opts.stderr ?? '';
  }
}

const MAX_STDERR_CHARS = 4096;

let installedPath: string | undefined;

/** The ffmpeg binary used by default: $LIVEPEER_FFMPEG, else the @ffmpeg-installer/ffmpeg one. */
export function ffmpegPath(): string {
  const env = process.env.LIVEPEER_FFMPEG;
  if (env) return env;
  if (!installedPath) {
    try {
      installedPath = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch (err) {
      throw new FfmpegError('FFMPEG_UNAVAILABLE', `no ffmpeg binary for ${process.platform}-${process.arch}: install @ffmpeg-installer/ffmpeg or set LIVEPEER_FFMPEG`, { cause: err });
    }
  }
  return installedPath;
}

export interface FfmpegSpawnOptions {
  signal?: AbortSignal;
  /** Kill the process after this long. Default: none (live processes run until they end or are aborted). */
  timeoutMs?: number;
  /** Whether the caller writes the input on stdin (`-i pipe:0`). Default false. */
  stdin?: boolean;
  /** Default: ffmpegPath(). */
  ffmpegPath?: string;
}

export interface FfmpegProcess {
  readonly child: ChildProcess;
  /** ffmpeg's stdout (what `pipe:1` outputs write). */
  readonly stdout: Readable;
  /** The input pipe, when spawned with `stdin: true`. */
  readonly stdin: Writable | null;
  /** Resolves when ffmpeg exits 0; rejects with an FfmpegError otherwise. */
  readonly done: Promise<void>;
  /** Kills the process (SIGKILL); `done` then rejects with FFMPEG_ABORTED unless it already settled. */
  kill(reason?: string): void;
}

/**
 * Starts ffmpeg with `args` (after `-hide_banner -loglevel error`, and `-nostdin` unless the input
 * comes on stdin). The caller reads stdout and awaits `done`.
 */
export function spawnFfmpeg(args: readonly string[], opts: FfmpegSpawnOptions = {}): FfmpegProcess {
  const bin = opts.ffmpegPath ?? ffmpegPath();
  const full = ['-hide_banner', '-loglevel', 'error', ...(opts.stdin ? [] : ['-nostdin']), ...args];
  const child = spawn(bin, full, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-MAX_STDERR_CHARS);
  });
  if (child.stdin) child.stdin.on('error', () => undefined); // EPIPE when ffmpeg stops reading early: its exit status tells
  let killedWith: FfmpegError | undefined;
  let settled = false;
  const kill = (err: FfmpegError): void => {
    if (settled || killedWith) return;
    killedWith = err;
    child.kill('SIGKILL');
  };
  const onAbort = (): void => kill(new FfmpegError('FFMPEG_ABORTED', 'ffmpeg was cancelled', { cause: opts.signal?.reason }));
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => kill(new FfmpegError('FFMPEG_TIMEOUT', `ffmpeg did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const done = new Promise<void>((resolve, reject) => {
    const finish = (err?: FfmpegError): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      finish(new FfmpegError('FFMPEG_UNAVAILABLE', `cannot run ffmpeg at ${bin}: ${e.code ?? e.message}`, { cause: e }));
    });
    child.once('close', (code, signal) => {
      if (killedWith) return finish(killedWith);
      if (code === 0) return finish();
      const last = stderr.trim().split('\n').pop() ?? '';
      finish(new FfmpegError('FFMPEG_FAILED', `ffmpeg failed (${signal ?? `exit ${code}`}): ${last}`, { stderr: stderr.trim() }));
    });
  });
  done.catch(() => undefined); // handled by whoever awaits it; never an unhandled rejection
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    child,
    stdout: child.stdout!,
    stdin: child.stdin,
    done,
    kill: (reason) => kill(new FfmpegError('FFMPEG_ABORTED', `ffmpeg was killed${reason ? `: ${reason}` : ''}`)),
  };
}

export interface FfmpegRunOptions extends Omit<FfmpegSpawnOptions, 'stdin'> {
  /** Bytes written on stdin (the args then read `-i pipe:0`). */
  input?: Uint8Array;
  /** Cap on the captured stdout. Default 256 MiB. */
  maxOutputBytes?: number;
}

/** Runs ffmpeg to completion and returns what it wrote on stdout. */
export async function runFfmpeg(args: readonly string[], opts: FfmpegRunOptions = {}): Promise<Buffer> {
  const max = opts.maxOutputBytes ?? 256 * 1024 * 1024;
  const p = spawnFfmpeg(args, { ...opts, stdin: opts.input !== undefined });
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  p.stdout.on('data', (c: Buffer) => {
    size += c.byteLength;
    if (size > max) {
      if (!tooLarge) {
        tooLarge = true;
        p.kill('output too large');
      }
      return;
    }
    chunks.push(c);
  });
  if (p.stdin && opts.input) p.stdin.end(opts.input);
  try {
    await p.done;
  } catch (err) {
    if (tooLarge) throw new FfmpegError('FFMPEG_OUTPUT_TOO_LARGE', `ffmpeg wrote more than ${max} bytes`);
    throw err;
  }
  return Buffer.concat(chunks);
}
