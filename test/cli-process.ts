// Runs `livepeer-ts <args>` as a separate process for CLI tests: captures its output, kills it if it
// outlives `timeoutMs`, and can wait for the one JSON line long-running commands print when ready.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'livepeer-ts.mjs');

export interface CliProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** The first stdout line; rejects if the process exits before printing one. */
  firstLine(): Promise<string>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    return code as number | null;
  });
  const firstLine = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const nl = out.indexOf('\n');
        if (nl < 0) return false;
        child.stdout.off('data', check);
        resolve(out.slice(0, nl));
        return true;
      };
      if (check()) return;
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`livepeer-ts ${args[0]} exited with ${code} before printing a line; stderr: ${err}`)));
    });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    firstLine,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
