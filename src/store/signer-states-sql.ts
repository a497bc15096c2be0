// The signer high-water-mark store on SQLite and PostgreSQL (see signer-states.ts). Each
// compare-and-set is one UPDATE … WHERE state_id = ? AND sequence = ?: atomic on its own in both
// engines (in PostgreSQL a concurrent UPDATE of the same row waits for the first to commit, then
// re-checks the WHERE against the new row and changes nothing).
import type Database from 'better-sqlite3';
import { i64Arg } from './codec.js';
import { signerRecordArg, stateIdArg, toSignerRecord, type AdvanceResult, type SignerStateRecord, type SignerStateStore } from './signer-states.js';

const COLS = 'state_id, sequence, state, spent, updated_at';
type Row = Parameters<typeof toSignerRecord>[0];

export class SqliteSignerStates implements SignerStateStore {
  private readonly s;
  /**
   * `run` reads at once; `write` queues a write for the store's next group commit (one BEGIN
   * IMMEDIATE transaction and one fsync for every write queued in the same turn of the event loop,
   * each in its own savepoint), settling once committed. Arguments are checked before queueing, so
   * a bad one rejects alone. Every write here is one write statement (then reads at most), atomic by
   * itself: `write` may run it without a savepoint.
   */
  constructor(
    db: Database.Database,
    private readonly run: <T>(what: string, fn: () => T) => Promise<T>,
    private readonly write: <T>(what: string, fn: () => T) => Promise<T> = run,
  ) {
    this.s = {
      get: db.prepare(`SELECT ${COLS} FROM signer_states WHERE state_id = ?`),
      create: db.prepare(`INSERT INTO signer_states (${COLS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (state_id) DO NOTHING`),
      advance: db.prepare('UPDATE signer_states SET sequence = ?, state = ?, spent = ?, updated_at = ? WHERE state_id = ? AND sequence = ?'),
      prune: db.prepare('DELETE FROM signer_states WHERE updated_at < ?'),
    };
  }

  get(stateId: string): Promise<SignerStateRecord | undefined> {
    return this.run('signer state read', () => {
      const r = this.s.get.get(stateIdArg(stateId)) as Row | undefined;
      return r ? toSignerRecord(r) : undefined;
    });
  }

  create(rec: SignerStateRecord): Promise<boolean> {
    let r: SignerStateRecord;
    try {
      r = signerRecordArg(rec);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write('signer state create', () => this.s.create.run(r.stateId, r.sequence, r.state, r.spent, BigInt(r.updatedAt)).changes === 1);
  }

  advance(stateId: string, expected: bigint, next: SignerStateRecord): Promise<AdvanceResult> {
    let id: string;
    let r: SignerStateRecord;
    let exp: bigint;
    try {
      id = stateIdArg(stateId);
      r = signerRecordArg({ ...next, stateId: id });
      exp = i64Arg(expected, 'expected signer sequence number');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.write('signer state compare-and-set', (): AdvanceResult => {
      if (this.s.advance.run(r.sequence, r.state, r.spent, BigInt(r.updatedAt), id, exp).changes === 1) return { ok: true };
      const cur = this.s.get.get(id) as Row | undefined;
      return { ok: false, current: cur ? toSignerRecord(cur) : undefined };
    });
  }

  prune(beforeMs: number): Promise<number> {
    return this.run('signer state prune', () => Number(this.s.prune.run(BigInt(Math.max(0, Math.floor(beforeMs)))).changes));
  }
}

type Query = <R extends Record<string, unknown>>(what: string, sql: string, params?: unknown[]) => Promise<R[]>;

export class PgSignerStates implements SignerStateStore {
  constructor(private readonly q: Query) {}

  async get(stateId: string): Promise<SignerStateRecord | undefined> {
    const rows = await this.q<Row>('signer state read', `SELECT ${COLS} FROM signer_states WHERE state_id = $1`, [stateIdArg(stateId)]);
    return rows[0] ? toSignerRecord(rows[0]) : undefined;
  }

  async create(rec: SignerStateRecord): Promise<boolean> {
    const r = signerRecordArg(rec);
    const rows = await this.q('signer state create', `INSERT INTO signer_states (${COLS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (state_id) DO NOTHING RETURNING state_id`, [
      r.stateId, r.sequence.toString(), r.state, r.spent, r.updatedAt,
    ]);
    return rows.length === 1;
  }

  async advance(stateId: string, expected: bigint, next: SignerStateRecord): Promise<AdvanceResult> {
    const id = stateIdArg(stateId);
    const r = signerRecordArg({ ...next, stateId: id });
    const exp = i64Arg(expected, 'expected signer sequence number');
    const rows = await this.q('signer state compare-and-set', 'UPDATE signer_states SET sequence = $1, state = $2, spent = $3, updated_at = $4 WHERE state_id = $5 AND sequence = $6 RETURNING state_id', [
      r.sequence.toString(), r.state, r.spent, r.updatedAt, id, exp.toString(),
    ]);
    if (rows.length === 1) return { ok: true };
    return { ok: false, current: await this.get(id) };
  }

  async prune(beforeMs: number): Promise<number> {
    const rows = await this.q('signer state prune', 'DELETE FROM signer_states WHERE updated_at < $1 RETURNING state_id', [Math.max(0, Math.floor(beforeMs))]);
    return rows.length;
  }
}
