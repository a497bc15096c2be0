// Parent side of node-child.ts: forks a node into its own process, talks to it over IPC, and
// reads its CPU time. Every child is closed (or killed) by its owner; a child whose parent dies
// exits on its own (node-child.ts listens for 'disconnect').
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NodeRequest, NodeRole, NodeStats } from './node-child.js';

const CHILD = fileURLToPath(new URL('./node-child.ts', import.meta.url));
const REPLY_TIMEOUT_MS = 60_000;

export interface BenchNode {
  role: NodeRole;
  pid: number;
  url: string;
  address: string | undefined;
  /** This process's CPU time so far, µs. */
  cpu(): Promise<{ user: number; system: number }>;
  stats(balanceOf?: { sender: string; manifest: string }): Promise<NodeStats>;
  /** The last lines of its log (stderr), for failures. */
  logTail(lines?: number): string;
  close(): Promise<void>;
}

export interface SpawnOptions {
  /** Where its stderr (the node's pino logs) goes. */
  logFile: string;
  /** Write V8 CPU profiles (--cpu-prof) into this folder when the node closes. */
  cpuProfDir?: string;
  /**
   * The node-child.ts to fork (default this checkout's): another checkout's runs that checkout's
   * code, so two versions can be measured side by side in one run, under the same load.
   */
  child?: string;
}

export async function spawnNode(role: NodeRole, options: Record<string, unknown>, so: SpawnOptions): Promise<BenchNode> {
  const logFd = openSync(so.logFile, 'a');
  // One profile per thread (tsx's module loader has its own): each lands in cpuProfDir as
  // CPU.<date>.<pid>.<thread>.<seq>.cpuprofile; the largest is the node's main thread.
  // BENCH_NODE_ARGS: extra node flags for every node, e.g. "--perf-basic-prof" for `perf record`.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const execArgv = ['--import', 'tsx', ...extra, ...(so.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${so.cpuProfDir}`] : [])];
  let child: ChildProcess;
  try {
    child = fork(so.child ?? CHILD, [], { execArgv, stdio: ['ignore', 'ignore', logFd, 'ipc'] });
  } finally {
    closeSync(logFd);
  }
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const logTail = (lines = 20): string => {
    try {
      return readFileSync(so.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const failAll = (why: string): void => {
    for (const [id, w] of waiting) {
      clearTimeout(w.timer);
      w.reject(new Error(`${role} (pid ${child.pid}): ${why}\n${logTail()}`));
      waiting.delete(id);
    }
  };
  child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(`${role}: ${m.error ?? 'failed'}\n${logTail()}`));
  });
  child.once('exit', (code, signal) => failAll(`exited (${signal ?? code})`));
  child.once('error', (err) => failAll(err.message));
  const call = <T>(req: Omit<NodeRequest, 'id'>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${role}: no answer to ${req.op} within ${REPLY_TIMEOUT_MS} ms\n${logTail()}`));
      }, REPLY_TIMEOUT_MS);
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ ...req, id });
    });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let started: { url: string; address?: string };
  try {
    started = await call<{ url: string; address?: string }>({ op: 'start', role, options });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    role,
    pid: child.pid!,
    url: started.url,
    address: started.address,
    cpu: () => call<{ user: number; system: number }>({ op: 'cpu' }),
    stats: (balanceOf) => call<NodeStats>({ op: 'stats', ...(balanceOf ? { balanceOf } : {}) }),
    logTail,
    close: () => {
      closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await call({ op: 'close' }).catch(() => child.kill('SIGKILL'));
        await exited;
        clearTimeout(killer);
      })();
      return closing;
    },
  };
}
