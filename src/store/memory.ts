// The in-memory store: for tests and `-dataDir none`. Same rules as the durable ones (the same
// planners and codec), nothing survives the process. Rows are kept encoded, so what a caller does
// to a returned ticket never changes the store.
import type { Address, Hex } from 'viem';
import type { Hex32, WinningTicket } from '../pm/index.js';
import { encodeTicket, msArg, hashArg } from './codec.js';
import { StoreError } from './errors.js';
import {
  deferArgs, emptyTotals, eventArg, finalArgs, limitArg, notFound, planDefer, planFinal, planRedeem, planSubmit, redeemArgs, rowState, stateArg,
  submitArgs, toStored, type Plan, type RawTicketRow, type RowState,
} from './ledger.js';
import { addressArg, checkpointArgs, checkpointNameArg, describeDurability } from './shared.js';
import { MemorySignerStates, type SignerStateStore } from './signer-states.js';
import type { Checkpoint, CheckpointStore, RedemptionEvent, StateTotals, Store, StoredTicket, TicketLedger, TicketState } from './types.js';

/** Finished tickets (redeemed, dropped, expired) kept before the oldest are forgotten. */
export const DEFAULT_MAX_FINISHED = 10_000;

interface Row {
  raw: RawTicketRow;
  events: RedemptionEvent[];
}

const isOpen = (s: unknown) => s === 'pending' || s === 'submitted';

export class MemoryStore implements Store, TicketLedger, CheckpointStore {
  private readonly rows = new Map<Hex32, Row>();
  private readonly cps = new Map<string, Checkpoint>();
  /** Finished tickets in the order they finished: the eviction order. */
  private readonly finished = new Set<Hex32>();
  private readonly maxFinished: number;
  private closed = false;
  readonly signerStates: SignerStateStore = new MemorySignerStates(() => this.live());

  constructor(opts: { maxFinished?: number } = {}) {
    this.maxFinished = opts.maxFinished ?? DEFAULT_MAX_FINISHED;
  }

  get tickets(): TicketLedger {
    return this;
  }
  get checkpoints(): CheckpointStore {
    return this;
  }

  describe() {
    return { backend: 'memory' as const, durability: describeDurability('memory', 'full'), location: 'memory' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private live(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the memory store is closed');
  }

  async addWinning(t: WinningTicket, now = Date.now()): Promise<{ inserted: boolean; ticketHash: Hex32 }> {
    this.live();
    const e = encodeTicket(t);
    msArg(now);
    if (this.rows.has(e.ticketHash)) return { inserted: false, ticketHash: e.ticketHash };
    this.rows.set(e.ticketHash, {
      raw: {
        ticket_hash: e.ticketHash, sender: e.sender, face_value: e.faceValue, ticket: e.json, ticket_sum: e.sum, state: 'pending', received_at: now, attempts: 0,
        not_before_block: null, tx_hash: null, tx_nonce: null, reason_code: null, reason: null, updated_at: now,
      },
      events: [{ ticketHash: e.ticketHash, at: now, kind: 'received' }],
    });
    return { inserted: true, ticketHash: e.ticketHash };
  }

  async get(ticketHash: Hex32): Promise<StoredTicket | undefined> {
    this.live();
    const r = this.rows.get(hashArg(ticketHash));
    return r ? toStored(r.raw) : undefined;
  }

  async list(state: TicketState, limit?: number): Promise<StoredTicket[]> {
    this.live();
    const s = stateArg(state);
    const n = limitArg(limit) ?? Infinity;
    const raws = [...this.rows.values()].map((r) => r.raw).filter((r) => r.state === s);
    raws.sort((a, b) => (a.received_at as number) - (b.received_at as number) || (a.ticket_hash < b.ticket_hash ? -1 : a.ticket_hash > b.ticket_hash ? 1 : 0));
    return raws.slice(0, n).map(toStored);
  }

  async openFaceValue(sender: Address): Promise<bigint> {
    this.live();
    const s = addressArg(sender);
    let sum = 0n;
    for (const { raw } of this.rows.values()) if (raw.sender === s && isOpen(raw.state)) sum += BigInt(raw.face_value as string);
    return sum;
  }

  async totals(): Promise<Record<TicketState, StateTotals>> {
    this.live();
    const out = emptyTotals();
    for (const { raw } of this.rows.values()) {
      const t = out[raw.state as TicketState];
      t.count++;
      t.faceValue += BigInt(raw.face_value as string);
    }
    return out;
  }

  private apply(h: Hex32, row: Row, p: Plan): void {
    if (p === 'noop') return;
    const s = p.row;
    Object.assign(row.raw, {
      state: s.state, attempts: s.attempts, not_before_block: s.notBeforeBlock, tx_hash: s.txHash, tx_nonce: s.txNonce,
      reason_code: s.reasonCode, reason: s.reason, updated_at: s.updatedAt,
    });
    row.events.push(p.event);
    if (!isOpen(s.state)) this.finish(h);
  }

  private finish(h: Hex32): void {
    this.finished.add(h);
    while (this.finished.size > this.maxFinished) {
      const oldest = this.finished.values().next().value as Hex32;
      this.finished.delete(oldest);
      this.rows.delete(oldest);
    }
  }

  private row(h: Hex32): { row: Row; cur: RowState } {
    const row = this.rows.get(h);
    if (!row) throw notFound(h);
    return { row, cur: rowState(row.raw) };
  }

  async markSubmitted(ticketHashes: readonly Hex32[], tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }): Promise<{ skipped: Hex32[] }> {
    this.live();
    const a = submitArgs(ticketHashes, tx);
    const now = Date.now();
    const skipped: Hex32[] = [];
    for (const h of a.list) {
      const row = this.rows.get(h);
      const p = row ? planSubmit(h, rowState(row.raw), a.tx, now) : 'skip';
      if (p === 'skip') skipped.push(h);
      else this.apply(h, row!, p);
    }
    return { skipped };
  }

  async markRedeemed(ticketHash: Hex32, tx: { txHash: Hex; block?: bigint }): Promise<void> {
    this.live();
    const h = hashArg(ticketHash);
    const a = redeemArgs(tx);
    const { row, cur } = this.row(h);
    this.apply(h, row, planRedeem(h, cur, a, Date.now()));
  }

  async markDeferred(ticketHash: Hex32, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }): Promise<void> {
    this.live();
    const h = hashArg(ticketHash);
    const a = deferArgs(why);
    const { row, cur } = this.row(h);
    this.apply(h, row, planDefer(h, cur, a, Date.now()));
  }

  async markFinal(ticketHash: Hex32, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: Hex }): Promise<void> {
    this.live();
    const h = hashArg(ticketHash);
    const a = finalArgs(state, why);
    const { row, cur } = this.row(h);
    this.apply(h, row, planFinal(h, cur, a.state, a.why, Date.now()));
  }

  async record(e: RedemptionEvent): Promise<void> {
    this.live();
    const ev = eventArg(e);
    const row = this.rows.get(ev.ticketHash);
    if (!row) throw notFound(ev.ticketHash);
    row.events.push(ev);
  }

  async history(ticketHash: Hex32): Promise<RedemptionEvent[]> {
    this.live();
    return (this.rows.get(hashArg(ticketHash))?.events ?? []).map((e) => ({ ...e }));
  }

  async getCheckpoint(name: string): Promise<Checkpoint | undefined> {
    this.live();
    const c = this.cps.get(checkpointNameArg(name));
    return c ? { ...c } : undefined;
  }

  async setCheckpoint(name: string, c: Checkpoint): Promise<void> {
    this.live();
    const a = checkpointArgs(name, c);
    this.cps.set(a.name, { block: a.block, hash: a.hash });
  }
}
