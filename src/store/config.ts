// How a store is chosen and how durable its commits are, and the flag spellings that pick them.
import { StoreError } from './errors.js';
import type { Migration } from './migrations.js';

/**
 * `full`: a commit is on stable storage before it resolves (SQLite WAL with synchronous=FULL,
 * PostgreSQL with synchronous_commit=on): it survives a process crash and a power loss.
 * `normal`: it survives a crash of this process, not a power loss or an OS crash (SQLite
 * synchronous=NORMAL: the WAL is synced at checkpoints only; PostgreSQL synchronous_commit=off:
 * the server flushes within ~3 × wal_writer_delay).
 */
export type StoreDurability = 'full' | 'normal';

export const DEFAULT_DURABILITY: StoreDurability = 'full';
/** The SQLite file's name in the node's data directory. */
export const SQLITE_FILE = 'livepeer-ts.sqlite';

export interface SqliteStoreOptions {
  backend: 'sqlite';
  /** The node's data directory (-dataDir); created if missing. */
  dataDir: string;
  /** The file's name inside dataDir; default livepeer-ts.sqlite. */
  file?: string;
  durability?: StoreDurability;
  /** How long a write waits for another process's write lock before STORE_UNAVAILABLE; default 5000 ms. */
  busyTimeoutMs?: number;
  /** The schema migrations to bring the file up to; default MIGRATIONS (tests pass their own). */
  migrations?: readonly Migration[];
}

export interface PostgresStoreOptions {
  backend: 'postgres';
  /** postgres://user:password@host:port/database (a unix socket: ?host=/socket/dir). */
  connectionString: string;
  durability?: StoreDurability;
  /** Connections in the pool; default 4. */
  poolSize?: number;
  migrations?: readonly Migration[];
}

export interface MemoryStoreOptions {
  backend: 'memory';
}

export type OpenStoreOptions = SqliteStoreOptions | PostgresStoreOptions | MemoryStoreOptions;

export function durabilityArg(v: unknown): StoreDurability {
  if (v === undefined) return DEFAULT_DURABILITY;
  if (v === 'full' || v === 'normal') return v;
  throw new StoreError('STORE_CONFIG_INVALID', `-storeDurability must be full or normal, not ${JSON.stringify(v)}`);
}

/**
 * The store a node's flags select: `-storeUrl postgres://…` → PostgreSQL; else `-dataDir none` →
 * memory (nothing survives a restart); else SQLite in `-dataDir`.
 */
export function storeOptionsFromFlags(flags: { dataDir?: string; storeUrl?: string; storeDurability?: string }): OpenStoreOptions {
  const durability = durabilityArg(flags.storeDurability);
  if (flags.storeUrl !== undefined && flags.storeUrl !== '') {
    if (!/^postgres(ql)?:\/\//.test(flags.storeUrl)) {
      throw new StoreError('STORE_CONFIG_INVALID', '-storeUrl must be a postgres:// or postgresql:// URL');
    }
    return { backend: 'postgres', connectionString: flags.storeUrl, durability };
  }
  if (flags.dataDir === undefined || flags.dataDir === '') throw new StoreError('STORE_CONFIG_INVALID', 'a SQLite store needs a data directory (-dataDir)');
  if (flags.dataDir === 'none') return { backend: 'memory' };
  return { backend: 'sqlite', dataDir: flags.dataDir, durability };
}

/** A connection string with its password replaced, for logs and describe(). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}
