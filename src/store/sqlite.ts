// The SQLite store (better-sqlite3, in the node's data directory), in WAL mode.
//
// Durability: a commit resolves after SQLite's COMMIT returned. With synchronous=FULL (the
// default) SQLite fsyncs the WAL at every commit, so a resolved addWinning survives a process
// crash and a power loss; with synchronous=NORMAL the WAL is synced only at checkpoints, so it
// survives a process crash (the WAL is in the OS's page cache) but not a power loss.
//
// better-sqlite3 is synchronous: each commit holds the event loop for its fsync. Writes that
// arrive together (addWinning from concurrent payments, the marks for one batch receipt) are
// therefore committed together: one transaction, one fsync, each write in its own savepoint (a
// refused write is rolled back alone and rejects alone), every promise settled after the COMMIT.
//
// Several handles (processes) may open one file: every write is a BEGIN IMMEDIATE transaction
// that reads the rows it changes under the write lock, so two redeemers cannot both move a ticket.
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import type { Hex32, WinningTicket } from '../pm/index.js';
import { encodeTicket, msArg, hashArg, i64Arg, weiCol, type EncodedTicket } from './codec.js';
import { DEFAULT_DURABILITY, SQLITE_FILE, type SqliteStoreOptions, type StoreDurability } from './config.js';
import { StoreError } from './errors.js';
import {
  deferArgs, emptyTotals, eventArg, finalArgs, limitArg, notFound, planDefer, planFinal, planRedeem, planSubmit, redeemArgs, rowState, stateArg,
  submitArgs, toEvent, toStored, type Plan, type RawEventRow, type RawTicketRow,
} from './ledger.js';
import { MIGRATIONS, checkMigrations, migrationFailed, tooNew, type Migration } from './migrations.js';
import { addressArg, checkpointArgs, checkpointNameArg, describeDurability, toCheckpoint } from './shared.js';
import { SqliteSignerStates } from './signer-states-sql.js';
import type { SignerStateStore } from './signer-states.js';
import type { Checkpoint, CheckpointStore, RedemptionEvent, StateTotals, Store, StoredTicket, TicketLedger, TicketState } from './types.js';

type Db = Database.Database;

const TICKET_COLS = 'ticket_hash, sender, face_value, ticket, ticket_sum, state, received_at, attempts, not_before_block, tx_hash, tx_nonce, reason_code, reason, updated_at';

/** Maps driver errors to StoreError: a busy lock or I/O failure is STORE_UNAVAILABLE (retryable). */
function wrap(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string }).code ?? '';
  const fatal = !/^SQLITE_(BUSY|LOCKED|IOERR|FULL)/.test(code);
  return new StoreError('STORE_UNAVAILABLE', `SQLite store: ${what} failed (${code || (err as Error).message})`, { fatal, cause: err });
}

function migrate(db: Db, migrations: readonly Migration[], where: string): void {
  checkMigrations(migrations);
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  db.exec('CREATE TABLE IF NOT EXISTS store_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
  const current = db.prepare('SELECT COALESCE(MAX(version), 0) FROM store_migrations').pluck();
  const found = Number(current.get());
  if (found > known) throw tooNew(found, known, where);
  const insert = db.prepare('INSERT INTO store_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations) {
    if (m.version <= found) continue;
    const apply = db.transaction(() => {
      // Re-read under the write lock: another process may have applied it meanwhile.
      const v = Number(current.get());
      if (v > known) throw tooNew(v, known, where);
      if (v >= m.version) return;
      db.exec(m.sqlite);
      insert.run(BigInt(m.version), m.name, BigInt(Date.now()));
    });
    try {
      apply.immediate();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw migrationFailed(m, where, err);
    }
  }
}

/** Exact bigint sum of decimal TEXT (SQLite's SUM would go through a double). */
function registerWeiSum(db: Db): void {
  db.aggregate<bigint>('wei_sum', {
    start: 0n,
    step: (total, v) => {
      if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new StoreError('STORE_CORRUPT_ROW', `a face_value column holds ${JSON.stringify(typeof v === 'bigint' ? v.toString() : v)}, not a decimal integer`);
      return total + BigInt(v);
    },
    result: (total) => total.toString() as unknown as bigint,
  });
}

/** A write waiting for the next group commit. */
interface Job {
  op: () => unknown;
  /** One write statement (then reads at most): atomic by itself, so it needs no savepoint of its own. */
  single: boolean;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
  what: string;
}

function prepare(db: Db) {
  return {
    insert: db.prepare(`INSERT INTO tickets (ticket_hash, sender, recipient, face_value, ticket, ticket_sum, state, received_at, attempts, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, 0, ?) ON CONFLICT (ticket_hash) DO NOTHING`),
    event: db.prepare('INSERT INTO ticket_events (ticket_hash, at, kind, block, code, detail, tx_hash, tx_nonce, gas_price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    get: db.prepare(`SELECT ${TICKET_COLS} FROM tickets WHERE ticket_hash = ?`),
    list: db.prepare(`SELECT ${TICKET_COLS} FROM tickets WHERE state = ? ORDER BY received_at, ticket_hash LIMIT ?`),
    update: db.prepare(`UPDATE tickets SET state = ?, attempts = ?, not_before_block = ?, tx_hash = ?, tx_nonce = ?, reason_code = ?, reason = ?, updated_at = ?
      WHERE ticket_hash = ?`),
    open: db.prepare(`SELECT wei_sum(face_value) FROM tickets WHERE sender = ? AND state IN ('pending', 'submitted')`).pluck(),
    totals: db.prepare('SELECT state, COUNT(*) AS n, wei_sum(face_value) AS fv FROM tickets GROUP BY state'),
    history: db.prepare('SELECT ticket_hash, at, kind, block, code, detail, tx_hash, tx_nonce, gas_price FROM ticket_events WHERE ticket_hash = ? ORDER BY id'),
    exists: db.prepare('SELECT 1 FROM tickets WHERE ticket_hash = ?').pluck(),
    getCp: db.prepare('SELECT name, block, hash FROM checkpoints WHERE name = ?'),
    setCp: db.prepare(`INSERT INTO checkpoints (name, block, hash, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at`),
  };
}

class SqliteLedger implements TicketLedger, CheckpointStore {
  private queue: Job[] = [];
  private readonly s: ReturnType<typeof prepare>;
  /** Runs a batch of jobs in one BEGIN IMMEDIATE transaction, each in a savepoint. */
  private readonly commitBatch: Database.Transaction<(jobs: Job[]) => { ok: boolean; value: unknown }[]>;

  constructor(private readonly db: Db, private readonly isClosed: () => boolean) {
    this.s = prepare(db);
    this.commitBatch = db.transaction((jobs: Job[]) =>
      jobs.map((j) => {
        try {
          // A nested better-sqlite3 transaction is a SAVEPOINT: a job that throws undoes only itself.
          // A single statement undoes itself when it fails (SQLite's statement rollback), and a job
          // that throws after it changed nothing (a lost compare-and-set) has nothing to undo.
          return { ok: true, value: j.single ? j.op() : db.transaction(j.op)() };
        } catch (err) {
          // A refusal (StoreError) is that job's answer; a driver error aborts the whole batch.
          if (err instanceof StoreError) return { ok: false, value: err };
          throw err;
        }
      }),
    );
  }

  private live(): void {
    if (this.isClosed()) throw new StoreError('STORE_CLOSED', 'the SQLite store is closed');
  }

  private run<T>(what: string, fn: () => T): Promise<T> {
    try {
      this.live();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(wrap(err, what));
    }
  }

  /**
   * Queues a write for the next group commit (scheduled on the next turn of the event loop) and
   * settles once it is committed. The write runs under the write lock, so it reads fresh rows.
   */
  write<T>(what: string, op: () => T, single = false): Promise<T> {
    try {
      this.live();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, single, resolve: resolve as (v: unknown) => void, reject, what });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits every write queued since the last flush in one transaction (one fsync). */
  flush(): void {
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    let results: { ok: boolean; value: unknown }[];
    try {
      if (this.isClosed()) throw new StoreError('STORE_CLOSED', 'the SQLite store was closed before the write was committed');
      results = this.commitBatch.immediate(jobs);
    } catch (err) {
      for (const j of jobs) j.reject(wrap(err, j.what));
      return;
    }
    jobs.forEach((j, i) => (results[i]!.ok ? j.resolve(results[i]!.value) : j.reject(results[i]!.value)));
  }

  addWinning(t: WinningTicket, now = Date.now()): Promise<{ inserted: boolean; ticketHash: Hex32 }> {
    let enc: EncodedTicket;
    try {
      this.live();
      enc = encodeTicket(t);
      msArg(now);
    } catch (err) {
      return Promise.reject(wrap(err, 'addWinning'));
    }
    return this.write('addWinning', () => {
      const inserted = this.s.insert.run(enc.ticketHash, enc.sender, enc.recipient, enc.faceValue, enc.json, enc.sum, BigInt(now), BigInt(now)).changes === 1;
      if (inserted) this.s.event.run(enc.ticketHash, BigInt(now), 'received', null, null, null, null, null, null);
      return { inserted, ticketHash: enc.ticketHash };
    });
  }

  get(ticketHash: Hex32): Promise<StoredTicket | undefined> {
    return this.run('get', () => {
      const r = this.s.get.get(hashArg(ticketHash)) as RawTicketRow | undefined;
      return r ? toStored(r) : undefined;
    });
  }

  list(state: TicketState, limit?: number): Promise<StoredTicket[]> {
    return this.run('list', () => (this.s.list.all(stateArg(state), BigInt(limitArg(limit) ?? -1)) as RawTicketRow[]).map(toStored));
  }

  openFaceValue(sender: Address): Promise<bigint> {
    return this.run('openFaceValue', () => weiCol(sender, this.s.open.get(addressArg(sender)), 'open face value'));
  }

  totals(): Promise<Record<TicketState, StateTotals>> {
    return this.run('totals', () => {
      const out = emptyTotals();
      for (const r of this.s.totals.all() as { state: TicketState; n: bigint; fv: string }[]) {
        const key = stateArg(r.state);
        out[key] = { count: Number(r.n), faceValue: weiCol(`(state ${key})`, r.fv, 'face value sum') };
      }
      return out;
    });
  }

  /** Applies plans to rows read under the write lock (inside a transaction). */
  private apply(hash: Hex32, plan: Plan): void {
    if (plan === 'noop') return;
    const r = plan.row;
    this.s.update.run(r.state, BigInt(r.attempts), r.notBeforeBlock, r.txHash, r.txNonce === null ? null : BigInt(r.txNonce), r.reasonCode, r.reason, BigInt(r.updatedAt), hash);
    this.insertEvent(plan.event);
  }

  private insertEvent(e: RedemptionEvent): void {
    this.s.event.run(e.ticketHash, BigInt(e.at), e.kind, e.block ?? null, e.code ?? null, e.detail ?? null, e.txHash ?? null, e.txNonce === undefined ? null : BigInt(e.txNonce), e.gasPrice === undefined ? null : e.gasPrice.toString());
  }

  private current(hash: Hex32) {
    const r = this.s.get.get(hash) as RawTicketRow | undefined;
    if (!r) throw notFound(hash);
    return rowState(r);
  }

  markSubmitted(ticketHashes: readonly Hex32[], tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }): Promise<{ skipped: Hex32[] }> {
    return this.write('markSubmitted', () => {
      const a = submitArgs(ticketHashes, tx);
      const now = Date.now();
      const skipped: Hex32[] = [];
      for (const h of a.list) {
        const r = this.s.get.get(h) as RawTicketRow | undefined;
        const plan = r ? planSubmit(h, rowState(r), a.tx, now) : 'skip';
        if (plan === 'skip') skipped.push(h);
        else this.apply(h, plan);
      }
      return { skipped };
    });
  }

  markRedeemed(ticketHash: Hex32, tx: { txHash: Hex; block?: bigint }): Promise<void> {
    return this.write('markRedeemed', () => {
      const h = hashArg(ticketHash);
      this.apply(h, planRedeem(h, this.current(h), redeemArgs(tx), Date.now()));
    });
  }

  markDeferred(ticketHash: Hex32, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }): Promise<void> {
    return this.write('markDeferred', () => {
      const h = hashArg(ticketHash);
      this.apply(h, planDefer(h, this.current(h), deferArgs(why), Date.now()));
    });
  }

  markFinal(ticketHash: Hex32, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: Hex }): Promise<void> {
    return this.write('markFinal', () => {
      const h = hashArg(ticketHash);
      const a = finalArgs(state, why);
      this.apply(h, planFinal(h, this.current(h), a.state, a.why, Date.now()));
    });
  }

  record(e: RedemptionEvent): Promise<void> {
    return this.write('record', () => {
      const ev = eventArg(e);
      if (this.s.exists.get(ev.ticketHash) === undefined) throw notFound(ev.ticketHash);
      this.insertEvent(ev);
    });
  }

  history(ticketHash: Hex32): Promise<RedemptionEvent[]> {
    return this.run('history', () => (this.s.history.all(hashArg(ticketHash)) as RawEventRow[]).map(toEvent));
  }

  getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    return this.run('getCheckpoint', () => {
      const r = this.s.getCp.get(checkpointNameArg(name)) as { name: string; block: unknown; hash: unknown } | undefined;
      return r ? toCheckpoint(r) : undefined;
    });
  }

  setCheckpoint(name: string, c: Checkpoint): Promise<void> {
    return this.write('setCheckpoint', () => {
      const a = checkpointArgs(name, c);
      this.s.setCp.run(a.name, i64Arg(a.block, 'checkpoint block'), a.hash, BigInt(Date.now()));
    });
  }
}

export class SqliteStore implements Store {
  readonly tickets: TicketLedger;
  readonly checkpoints: CheckpointStore;
  readonly signerStates: SignerStateStore;
  readonly path: string;
  readonly durability: StoreDurability;
  private readonly db: Db;
  private readonly ledger: SqliteLedger;
  private closed = false;

  constructor(opts: Omit<SqliteStoreOptions, 'backend'>) {
    this.durability = opts.durability ?? DEFAULT_DURABILITY;
    this.path = join(opts.dataDir, opts.file ?? SQLITE_FILE);
    let db: Db | undefined;
    try {
      mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
      // The file holds recipientRand, secret until the params expire: owner-only from the start
      // (SQLite gives the -wal and -shm files the database file's mode).
      closeSync(openSync(this.path, 'a', 0o600));
      db = new Database(this.path, { timeout: opts.busyTimeoutMs ?? 5000 });
      db.defaultSafeIntegers(true);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new StoreError('STORE_UNAVAILABLE', `SQLite store ${this.path}: WAL mode is not available here (journal_mode=${String(mode)})`, { fatal: true });
      db.pragma(`synchronous = ${this.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma('foreign_keys = ON');
      registerWeiSum(db);
      migrate(db, opts.migrations ?? MIGRATIONS, this.path);
      this.db = db;
      this.ledger = new SqliteLedger(db, () => this.closed);
      const ledger = this.ledger;
      this.signerStates = new SqliteSignerStates(
        db,
        <T>(what: string, fn: () => T): Promise<T> => {
          try {
            if (this.closed) throw new StoreError('STORE_CLOSED', 'the SQLite store is closed');
            return Promise.resolve(fn());
          } catch (err) {
            return Promise.reject(wrap(err, what));
          }
        },
        // Writes join the ledger's group commit: concurrent signer calls share one transaction and
        // one fsync. Each is one statement (an INSERT, or an UPDATE then a read): no savepoint.
        (what, fn) => ledger.write(what, fn, true),
      );
    } catch (err) {
      db?.close();
      throw wrap(err, `opening ${this.path}`);
    }
    this.tickets = this.ledger;
    this.checkpoints = this.ledger;
  }

  describe() {
    return { backend: 'sqlite' as const, durability: describeDurability('sqlite', this.durability), location: this.path };
  }

  /** The connection's journal mode and synchronous setting, as SQLite reports them now. */
  settings(): { journalMode: string; synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA' } {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the SQLite store is closed');
    const sync = Number(this.db.pragma('synchronous', { simple: true }));
    return { journalMode: String(this.db.pragma('journal_mode', { simple: true })), synchronous: (['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const)[sync] ?? 'OFF' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Tickets handed over before close are committed, not dropped.
    this.ledger.flush();
    this.closed = true;
    this.db.close();
  }
}
