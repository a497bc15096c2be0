// The remote signer's high-water-mark store (src/signer's replay-proof mode): one row per signer
// session (StateID) holding the latest sequence number the signer issued, that state's JSON bytes
// and the EV signed for the session so far. `advance` is an atomic compare-and-set on the sequence
// number — one UPDATE … WHERE sequence = expected — so two signer replicas sharing one PostgreSQL
// store (or two processes on one SQLite file) cannot both advance the same state.
import { corrupt, i64Arg, msArg } from './codec.js';
import { StoreError } from './errors.js';

export interface SignerStateRecord {
  /** The session's StateID (the signer makes it: printable, at most 200 characters). */
  stateId: string;
  /** The SequenceNumber of the latest state issued for the session. */
  sequence: bigint;
  /** That state's JSON bytes (RemotePaymentState as Go marshals it), as text. */
  state: string;
  /** EV signed for the session so far, wei as a RatString ("0", "12", "7/3"). */
  spent: string;
  /** ms since the epoch of the last write (what prune goes by). */
  updatedAt: number;
}

export type AdvanceResult = { ok: true } | { ok: false; current: SignerStateRecord | undefined };

export interface SignerStateStore {
  get(stateId: string): Promise<SignerStateRecord | undefined>;
  /** Inserts a fresh session's record; false (nothing written) when the StateID already exists. */
  create(rec: SignerStateRecord): Promise<boolean>;
  /**
   * Replaces the record only if its sequence is still `expected` (compare-and-set). On a lost race
   * (or a missing row) returns the record as it is now, without writing.
   */
  advance(stateId: string, expected: bigint, next: SignerStateRecord): Promise<AdvanceResult>;
  /** Deletes the records last written before `beforeMs`; returns how many. */
  prune(beforeMs: number): Promise<number>;
}

const RAT = /^-?(0|[1-9][0-9]*)(\/[1-9][0-9]*)?$/;

export function stateIdArg(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new StoreError('STORE_INVALID_INPUT', 'a signer StateID must be non-empty text of at most 200 characters');
  return v;
}

export function signerRecordArg(r: SignerStateRecord): SignerStateRecord {
  if (!r || typeof r !== 'object') throw new StoreError('STORE_INVALID_INPUT', 'a signer state record must be an object');
  if (typeof r.state !== 'string' || r.state.length === 0) throw new StoreError('STORE_INVALID_INPUT', 'a signer state record needs its state JSON');
  if (typeof r.spent !== 'string' || !RAT.test(r.spent)) throw new StoreError('STORE_INVALID_INPUT', `a signer state's spent must be a RatString, got ${JSON.stringify(r.spent)}`);
  return { stateId: stateIdArg(r.stateId), sequence: i64Arg(r.sequence, 'signer sequence number'), state: r.state, spent: r.spent, updatedAt: msArg(r.updatedAt) };
}

/** A row back from SQL (the drivers give bigint, number or text for integers). */
export function toSignerRecord(row: { state_id: unknown; sequence: unknown; state: unknown; spent: unknown; updated_at: unknown }): SignerStateRecord {
  const id = String(row.state_id);
  const int = (v: unknown): bigint | undefined =>
    typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : typeof v === 'string' && /^[0-9]+$/.test(v) ? BigInt(v) : undefined;
  const sequence = int(row.sequence);
  const updated = int(row.updated_at);
  if (sequence === undefined || updated === undefined) throw corrupt(`signer state ${id}`, 'its sequence or updated_at is not an integer');
  if (typeof row.state !== 'string' || typeof row.spent !== 'string' || !RAT.test(row.spent)) throw corrupt(`signer state ${id}`, 'its state or spent column is malformed');
  return { stateId: id, sequence, state: row.state, spent: row.spent, updatedAt: Number(updated) };
}

/** In memory (the memory store, and `-dataDir none`): the same compare-and-set rules. */
export class MemorySignerStates implements SignerStateStore {
  private readonly rows = new Map<string, SignerStateRecord>();
  constructor(private readonly live: () => void) {}

  async get(stateId: string): Promise<SignerStateRecord | undefined> {
    this.live();
    const r = this.rows.get(stateIdArg(stateId));
    return r ? { ...r } : undefined;
  }

  async create(rec: SignerStateRecord): Promise<boolean> {
    this.live();
    const r = signerRecordArg(rec);
    if (this.rows.has(r.stateId)) return false;
    this.rows.set(r.stateId, r);
    return true;
  }

  async advance(stateId: string, expected: bigint, next: SignerStateRecord): Promise<AdvanceResult> {
    this.live();
    const id = stateIdArg(stateId);
    const r = signerRecordArg({ ...next, stateId: id });
    const cur = this.rows.get(id);
    if (!cur || cur.sequence !== expected) return { ok: false, current: cur ? { ...cur } : undefined };
    this.rows.set(id, r);
    return { ok: true };
  }

  async prune(beforeMs: number): Promise<number> {
    this.live();
    let n = 0;
    for (const [k, r] of this.rows) {
      if (r.updatedAt < beforeMs) {
        this.rows.delete(k);
        n++;
      }
    }
    return n;
  }
}
