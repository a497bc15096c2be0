// The PostgreSQL store (pg), for several processes sharing one store (orchestrators and a
// redeemer, say).
//
// Durability: every session runs with synchronous_commit=on (durability full, the default), so a
// resolved commit has been flushed to the server's WAL: it survives a crash of this process, of the
// server and a power loss — provided the server itself runs with fsync=on (describe() reports it
// when it does not). Durability normal sets synchronous_commit=off: commits return before the
// flush, so the last ~3 × wal_writer_delay of them can be lost if the server crashes.
//
// Concurrency: each state change is one transaction that locks the rows it changes (ordered by
// hash, so two batches cannot deadlock) and re-checks their state once it holds the lock; a
// concurrent markSubmitted of the same pending ticket waits, sees it `submitted`, and skips it.
import type pg from 'pg';
import type { Address, Hex } from 'viem';
import type { Hex32, WinningTicket } from '../pm/index.js';
import { encodeTicket, msArg, hashArg, weiCol } from './codec.js';
import { DEFAULT_DURABILITY, redactUrl, type PostgresStoreOptions, type StoreDurability } from './config.js';
import { StoreError } from './errors.js';
import {
  deferArgs, emptyTotals, eventArg, finalArgs, limitArg, notFound, planDefer, planFinal, planRedeem, redeemArgs, rowState, stateArg, submitArgs,
  toEvent, toStored, type Plan, type RawEventRow, type RawTicketRow, type RowState,
} from './ledger.js';
import { MIGRATIONS, checkMigrations, migrationFailed, tooNew, type Migration } from './migrations.js';
import { addressArg, checkpointArgs, checkpointNameArg, describeDurability, toCheckpoint } from './shared.js';
import { PgSignerStates } from './signer-states-sql.js';
import type { SignerStateStore } from './signer-states.js';
import type { Checkpoint, CheckpointStore, RedemptionEvent, StateTotals, Store, StoredTicket, TicketLedger, TicketState } from './types.js';

const TICKET_COLS = 'ticket_hash, sender, face_value::text AS face_value, ticket, ticket_sum, state, received_at, attempts, not_before_block, tx_hash, tx_nonce, reason_code, reason, updated_at';
/** pg_advisory_xact_lock key that serialises migrations between processes ("lpts"). */
const MIGRATION_LOCK = 0x6c707473;
/** Deadlocks and serialisation failures are retried this many times before STORE_UNAVAILABLE. */
const RETRIES = 3;

function wrap(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  // Connection trouble, shutdown, resources, lock conflicts: worth retrying. Anything else is not.
  const transient = /^(08|53|57P|40001|40P01|55P03)/.test(code) || /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|NOTFOUND|AI_AGAIN)$/.test(code);
  return new StoreError('STORE_UNAVAILABLE', `PostgreSQL store: ${what} failed (${code || (err as Error).message})`, { fatal: !transient, cause: err });
}

const str = (v: bigint | number | null | undefined): string | null => (v === null || v === undefined ? null : v.toString());

async function migrate(pool: pg.Pool, migrations: readonly Migration[], where: string): Promise<void> {
  checkMigrations(migrations);
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const c = await pool.connect();
  try {
    // One transaction per migration, each under the advisory lock, so concurrent openers apply
    // each migration once; the first pass (no migration) only checks the version.
    for (const m of [undefined, ...migrations]) {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query('CREATE TABLE IF NOT EXISTS store_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
        const v = Number((await c.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM store_migrations')).rows[0]!.v);
        if (v > known) throw tooNew(v, known, where);
        if (m && v < m.version) {
          try {
            await c.query(m.postgres);
          } catch (err) {
            throw migrationFailed(m, where, err);
          }
          await c.query('INSERT INTO store_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        }
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    }
  } finally {
    c.release();
  }
}

export class PgStore implements Store, TicketLedger, CheckpointStore {
  readonly durability: StoreDurability;
  private closed = false;
  private serverNote = '';
  readonly signerStates: SignerStateStore = new PgSignerStates((what, sql, params) => this.q(what, sql, params));

  private constructor(private readonly pool: pg.Pool, private readonly location: string, durability: StoreDurability) {
    this.durability = durability;
  }

  get tickets(): TicketLedger {
    return this;
  }
  get checkpoints(): CheckpointStore {
    return this;
  }

  static async open(opts: Omit<PostgresStoreOptions, 'backend'>): Promise<PgStore> {
    const durability = opts.durability ?? DEFAULT_DURABILITY;
    const location = redactUrl(opts.connectionString);
    // pg is loaded on first use: every node imports the store layer, few use PostgreSQL, and
    // loading it costs ~0.2 s of CPU per process start.
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 4,
      // Set at session start, so no statement can run with another setting.
      options: `-c synchronous_commit=${durability === 'full' ? 'on' : 'off'}`,
      application_name: 'livepeer-ts',
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    try {
      await migrate(pool, opts.migrations ?? MIGRATIONS, location);
      const store = new PgStore(pool, location, durability);
      const fsync = (await pool.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync;
      if (fsync !== 'on') store.serverNote = `but the server runs with fsync=${String(fsync)}: a server crash or power loss can lose commits`;
      return store;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw wrap(err, `opening ${location}`);
    }
  }

  describe() {
    return { backend: 'postgres' as const, durability: describeDurability('postgres', this.durability, this.serverNote), location: this.location };
  }

  /** The settings one pooled session runs with, as the server reports them. */
  async settings(): Promise<{ synchronousCommit: string; fsync: string }> {
    const rows = await this.q<{ s: string; f: string }>('settings', "SELECT current_setting('synchronous_commit') AS s, current_setting('fsync') AS f");
    return { synchronousCommit: rows[0]!.s, fsync: rows[0]!.f };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private live(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the PostgreSQL store is closed');
  }

  private async q<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<R[]> {
    this.live();
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      throw wrap(err, what);
    }
  }

  /** One transaction on one connection; retried on deadlock / serialisation failure. */
  private async tx<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.live();
      let c: pg.PoolClient;
      try {
        c = await this.pool.connect();
      } catch (err) {
        throw wrap(err, what);
      }
      let broken: Error | undefined;
      try {
        await c.query('BEGIN');
        const out = await fn(c);
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch((e: Error) => (broken = e));
        const code = String((err as { code?: unknown }).code ?? '');
        if ((code === '40P01' || code === '40001') && attempt < RETRIES) continue;
        throw wrap(err, what);
      } finally {
        c.release(broken);
      }
    }
  }

  async addWinning(t: WinningTicket, now = Date.now()): Promise<{ inserted: boolean; ticketHash: Hex32 }> {
    this.live();
    const e = encodeTicket(t);
    msArg(now);
    // One statement, so the row and its 'received' line commit together without a BEGIN.
    const rows = await this.q(
      'addWinning',
      `WITH ins AS (
         INSERT INTO tickets (ticket_hash, sender, recipient, face_value, ticket, ticket_sum, state, received_at, attempts, updated_at)
         VALUES ($1, $2, $3, $4, $5, $7, 'pending', $6, 0, $6) ON CONFLICT (ticket_hash) DO NOTHING RETURNING ticket_hash)
       INSERT INTO ticket_events (ticket_hash, at, kind) SELECT ticket_hash, $6, 'received' FROM ins RETURNING ticket_hash`,
      [e.ticketHash, e.sender, e.recipient, e.faceValue, e.json, String(now), e.sum],
    );
    return { inserted: rows.length === 1, ticketHash: e.ticketHash };
  }

  async get(ticketHash: Hex32): Promise<StoredTicket | undefined> {
    const rows = await this.q<RawTicketRow>('get', `SELECT ${TICKET_COLS} FROM tickets WHERE ticket_hash = $1`, [hashArg(ticketHash)]);
    return rows[0] ? toStored(rows[0]) : undefined;
  }

  async list(state: TicketState, limit?: number): Promise<StoredTicket[]> {
    const rows = await this.q<RawTicketRow>('list', `SELECT ${TICKET_COLS} FROM tickets WHERE state = $1 ORDER BY received_at, ticket_hash LIMIT $2`, [stateArg(state), limitArg(limit) ?? null]);
    return rows.map(toStored);
  }

  async openFaceValue(sender: Address): Promise<bigint> {
    const rows = await this.q<{ s: string }>('openFaceValue', `SELECT COALESCE(SUM(face_value), 0)::text AS s FROM tickets WHERE sender = $1 AND state IN ('pending', 'submitted')`, [addressArg(sender)]);
    return weiCol(sender, rows[0]?.s, 'open face value');
  }

  async totals(): Promise<Record<TicketState, StateTotals>> {
    const out = emptyTotals();
    for (const r of await this.q<{ state: string; n: string; fv: string }>('totals', 'SELECT state, COUNT(*)::text AS n, SUM(face_value)::text AS fv FROM tickets GROUP BY state')) {
      const key = stateArg(r.state);
      out[key] = { count: Number(r.n), faceValue: weiCol(`(state ${key})`, r.fv, 'face value sum') };
    }
    return out;
  }

  async markSubmitted(ticketHashes: readonly Hex32[], tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }): Promise<{ skipped: Hex32[] }> {
    this.live();
    const a = submitArgs(ticketHashes, tx);
    if (a.list.length === 0) return { skipped: [] };
    // One conditional UPDATE (as planSubmit): only rows still `pending` once locked move.
    const rows = await this.q<{ ticket_hash: Hex32 }>(
      'markSubmitted',
      `WITH locked AS (
         SELECT ticket_hash FROM tickets WHERE ticket_hash = ANY($1::text[]) AND state = 'pending' ORDER BY ticket_hash FOR UPDATE),
       moved AS (
         UPDATE tickets t SET state = 'submitted', attempts = t.attempts + 1, not_before_block = NULL, tx_hash = $2, tx_nonce = $3,
           reason_code = NULL, reason = NULL, updated_at = $4
         FROM locked WHERE t.ticket_hash = locked.ticket_hash AND t.state = 'pending' RETURNING t.ticket_hash)
       INSERT INTO ticket_events (ticket_hash, at, kind, block, tx_hash, tx_nonce, gas_price)
       SELECT ticket_hash, $4, 'submitted', $5, $2, $3, $6 FROM moved RETURNING ticket_hash`,
      [a.list, a.tx.txHash, a.tx.nonce, String(Date.now()), str(a.tx.block), str(a.tx.gasPrice)],
    );
    const moved = new Set(rows.map((r) => r.ticket_hash));
    return { skipped: a.list.filter((h) => !moved.has(h)) };
  }

  /** Locks one ticket's row, plans its change from the locked state, writes it. */
  private change(what: string, hash: Hex32, plan: (cur: RowState, now: number) => Plan): Promise<void> {
    return this.tx(what, async (c) => {
      const r = (await c.query<RawTicketRow>(`SELECT ${TICKET_COLS} FROM tickets WHERE ticket_hash = $1 FOR UPDATE`, [hash])).rows[0];
      if (!r) throw notFound(hash);
      const p = plan(rowState(r), Date.now());
      if (p === 'noop') return;
      const s = p.row;
      await c.query(
        `UPDATE tickets SET state = $2, attempts = $3, not_before_block = $4, tx_hash = $5, tx_nonce = $6, reason_code = $7, reason = $8, updated_at = $9
         WHERE ticket_hash = $1`,
        [hash, s.state, s.attempts, str(s.notBeforeBlock), s.txHash, s.txNonce, s.reasonCode, s.reason, String(s.updatedAt)],
      );
      await this.insertEvent(c, p.event);
    });
  }

  private async insertEvent(c: pg.PoolClient | pg.Pool, e: RedemptionEvent): Promise<void> {
    await c.query('INSERT INTO ticket_events (ticket_hash, at, kind, block, code, detail, tx_hash, tx_nonce, gas_price) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      e.ticketHash, String(e.at), e.kind, str(e.block), e.code ?? null, e.detail ?? null, e.txHash ?? null, e.txNonce ?? null, str(e.gasPrice),
    ]);
  }

  async markRedeemed(ticketHash: Hex32, tx: { txHash: Hex; block?: bigint }): Promise<void> {
    const h = hashArg(ticketHash);
    const a = redeemArgs(tx);
    return this.change('markRedeemed', h, (cur, now) => planRedeem(h, cur, a, now));
  }

  async markDeferred(ticketHash: Hex32, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }): Promise<void> {
    const h = hashArg(ticketHash);
    const a = deferArgs(why);
    return this.change('markDeferred', h, (cur, now) => planDefer(h, cur, a, now));
  }

  async markFinal(ticketHash: Hex32, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: Hex }): Promise<void> {
    const h = hashArg(ticketHash);
    const a = finalArgs(state, why);
    return this.change('markFinal', h, (cur, now) => planFinal(h, cur, a.state, a.why, now));
  }

  async record(e: RedemptionEvent): Promise<void> {
    this.live();
    const ev = eventArg(e);
    try {
      await this.insertEvent(this.pool, ev);
    } catch (err) {
      if ((err as { code?: unknown }).code === '23503') throw notFound(ev.ticketHash);
      throw wrap(err, 'record');
    }
  }

  async history(ticketHash: Hex32): Promise<RedemptionEvent[]> {
    const rows = await this.q<RawEventRow>(
      'history',
      'SELECT ticket_hash, at, kind, block, code, detail, tx_hash, tx_nonce, gas_price::text AS gas_price FROM ticket_events WHERE ticket_hash = $1 ORDER BY id',
      [hashArg(ticketHash)],
    );
    return rows.map(toEvent);
  }

  async getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    const rows = await this.q<{ name: string; block: string; hash: string }>('getCheckpoint', 'SELECT name, block, hash FROM checkpoints WHERE name = $1', [checkpointNameArg(name)]);
    return rows[0] ? toCheckpoint(rows[0]) : undefined;
  }

  async setCheckpoint(name: string, c: Checkpoint): Promise<void> {
    const a = checkpointArgs(name, c);
    await this.q(
      'setCheckpoint',
      `INSERT INTO checkpoints (name, block, hash, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO UPDATE SET block = excluded.block, hash = excluded.hash, updated_at = excluded.updated_at`,
      [a.name, a.block.toString(), a.hash, String(Date.now())],
    );
  }
}
