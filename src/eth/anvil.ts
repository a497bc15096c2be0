// Starts a local anvil (from the npm package @foundry-rs/anvil) on 127.0.0.1 and stops it again.
// The platform binary is spawned directly, not through the package's node wrapper, so `stop()`
// signals anvil itself and no orphan survives.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EthError } from './errors.js';

export interface AnvilOptions {
  /** TCP port on 127.0.0.1; absent or 0 = anvil binds port 0 and we read the port it got from its "Listening on" line. */
  port?: number;
  /** Number of dev accounts derived from the mnemonic (anvil's default mnemonic unless given). */
  accounts?: number;
  mnemonic?: string;
  chainId?: number;
  /** Seconds between blocks; absent = mine one block per transaction (automine). */
  blockTime?: number;
  /** How long to wait for the first JSON-RPC answer (ms). Default 20000. */
  startTimeoutMs?: number;
  /**
   * EVM hardfork (anvil's --hardfork). Default `cancun`: under anvil's own default (prague) every
   * block also writes EIP-2935's block-hash history, and anvil's cost per mined block grows with the
   * chain's length (measured: 1,000 empty blocks take 2 s on a fresh chain and over 30 s once it is
   * 6,000 blocks long), which made round-advancing tests and devnets crawl. Under cancun the same
   * 1,000 blocks take 0.5–1.3 s at any of those lengths. Our contracts are compiled for paris, so
   * nothing they do needs prague.
   */
  hardfork?: string;
}

export interface Anvil {
  rpcUrl: string;
  port: number;
  pid: number;
  /** Where anvil keeps the states it moves out of memory (ours, removed when it exits). */
  cacheDir: string;
  /** Kills anvil (SIGTERM, then SIGKILL after 3 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Path of the anvil executable: the platform package's binary, else the npm wrapper. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    const req = createRequire(join(root, 'package.json'));
    const p = join(dirname(req.resolve(`${pkg}/package.json`)), 'bin', exe);
    if (existsSync(p)) return p;
  } catch {
    // fall through to the wrapper
  }
  const wrapper = join(root, 'node_modules', '.bin', 'anvil');
  if (existsSync(wrapper)) return wrapper;
  throw new EthError('ANVIL_NOT_FOUND', `anvil not found (looked for ${pkg} and node_modules/.bin/anvil); run \`npm install\``);
}

async function rpcAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { result?: string };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  // Port 0 lets the OS choose and anvil reports what it bound: no probe-then-bind race.
  const requested = opts.port && opts.port > 0 ? opts.port : 0;
  const args = ['--host', '127.0.0.1', '--port', String(requested), '--accounts', String(opts.accounts ?? 10)];
  if (opts.mnemonic) args.push('--mnemonic', opts.mnemonic);
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId));
  if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime));
  args.push('--hardfork', opts.hardfork ?? 'cancun');
  // anvil keeps the states it moves out of memory in a directory of its own under
  // ~/.foundry/anvil/tmp and never removes it (~280 MB a devnet here: two days of test runs filled
  // the disk). It gets one of ours instead, removed when it exits.
  const cacheDir = mkdtempSync(join(tmpdir(), 'lpts-anvil-'));
  args.push('--cache-path', cacheDir);
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.once('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
  child.once('error', () => rmSync(cacheDir, { recursive: true, force: true }));
  // anvil logs every request to stdout: keep draining it, and read its "Listening on host:port" line:
  // it tells the port anvil bound, and that this process (not some other server) owns it.
  let port = 0;
  let head = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (port) return;
    head += d.toString();
    const m = /Listening on \S*?:(\d+)/.exec(head);
    if (m) port = Number(m[1]);
    if (head.length > 100000) head = head.slice(-1000);
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  let spawnError: Error | undefined;
  child.on('error', (e) => (spawnError = e));
  const urlOf = (p: number) => `http://127.0.0.1:${p}`;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      if (!(await waitExit(child, 3000))) {
        child.kill('SIGKILL');
        await waitExit(child, 3000);
      }
    })();
    return stopped;
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 20000);
  while (true) {
    if (spawnError || child.exitCode !== null) {
      await stop();
      throw new EthError(
        'ANVIL_START_FAILED',
        `anvil did not start on 127.0.0.1:${requested}: ${spawnError?.message ?? `exited with ${child.exitCode}`} ${stderr.trim()}`.trim(),
      );
    }
    if (port && (await rpcAnswers(urlOf(port)))) break;
    if (Date.now() > deadline) {
      await stop();
      const where = port ? urlOf(port) : `127.0.0.1:${requested}`;
      throw new EthError('ANVIL_START_FAILED', `anvil did not answer JSON-RPC on ${where} in time; is the port taken? ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { rpcUrl: urlOf(port), port, pid: child.pid ?? -1, cacheDir, stop };
}
