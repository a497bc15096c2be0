// A Store (src/store's contract) held in memory: the test double the redemption queue's tests run
// against, and the orchestrator's stand-in until src/store's own implementations are plugged in.
// It keeps the contract's rules (idempotent addWinning, only `pending` tickets move to `submitted`,
// a history line for every change) and copies every value in and out, so a caller can never edit
// the "stored" ticket by holding on to an object — as with a real store. Nothing survives the
// process: `durability` says so.
import type { Address } from 'viem';
import { ticketHash as hashOf, type Hex32, type WinningTicket } from '../../pm/index.js';
import type { Checkpoint, CheckpointStore, RedemptionEvent, StateTotals, Store, StoredTicket, TicketLedger, TicketState } from '../../store/index.js';

const STATES: readonly TicketState[] = ['pending', 'submitted', 'redeemed', 'dropped', 'expired'];

class MemoryLedger implements TicketLedger {
  private readonly tickets = new Map<Hex32, StoredTicket>();
  private readonly events = new Map<Hex32, RedemptionEvent[]>();
  /** Calls so far, per method (tests check that a path writes what it should, and no more). */
  readonly calls: Record<string, number> = {};

  constructor(private readonly now: () => number) {}

  private count(m: string): void {
    this.calls[m] = (this.calls[m] ?? 0) + 1;
  }

  private push(e: RedemptionEvent): void {
    const list = this.events.get(e.ticketHash) ?? [];
    list.push(structuredClone(e));
    this.events.set(e.ticketHash, list);
  }

  private must(h: Hex32): StoredTicket {
    const t = this.tickets.get(h);
    if (!t) throw new Error(`no stored ticket ${h}`);
    return t;
  }

  async addWinning(t: WinningTicket, now = this.now()) {
    this.count('addWinning');
    const ticketHash = hashOf(t.ticket);
    if (this.tickets.has(ticketHash)) return { inserted: false, ticketHash };
    this.tickets.set(ticketHash, { ticketHash, ticket: structuredClone(t), state: 'pending', receivedAt: now, attempts: 0, updatedAt: now });
    this.push({ ticketHash, at: now, kind: 'received' });
    return { inserted: true, ticketHash };
  }

  async get(h: Hex32) {
    const t = this.tickets.get(h);
    return t ? structuredClone(t) : undefined;
  }

  async list(state: TicketState, limit?: number) {
    const out = [...this.tickets.values()]
      .filter((t) => t.state === state)
      .sort((a, b) => a.receivedAt - b.receivedAt || (a.ticketHash < b.ticketHash ? -1 : a.ticketHash > b.ticketHash ? 1 : 0));
    return structuredClone(limit === undefined ? out : out.slice(0, limit));
  }

  async openFaceValue(sender: Address) {
    let sum = 0n;
    for (const t of this.tickets.values()) {
      if ((t.state === 'pending' || t.state === 'submitted') && t.ticket.ticket.sender.toLowerCase() === sender.toLowerCase()) sum += t.ticket.ticket.faceValue;
    }
    return sum;
  }

  async totals() {
    const out = Object.fromEntries(STATES.map((s) => [s, { count: 0, faceValue: 0n }])) as Record<TicketState, StateTotals>;
    for (const t of this.tickets.values()) {
      out[t.state].count++;
      out[t.state].faceValue += t.ticket.ticket.faceValue;
    }
    return out;
  }

  async markSubmitted(hashes: readonly Hex32[], tx: { txHash: `0x${string}`; nonce: number; gasPrice?: bigint; block?: bigint }) {
    this.count('markSubmitted');
    const skipped: Hex32[] = [];
    const at = this.now();
    for (const h of hashes) {
      const t = this.tickets.get(h);
      if (!t || t.state !== 'pending') {
        skipped.push(h);
        continue;
      }
      Object.assign(t, { state: 'submitted', txHash: tx.txHash, txNonce: tx.nonce, attempts: t.attempts + 1, updatedAt: at });
      delete t.notBeforeBlock;
      delete t.reasonCode;
      delete t.reason;
      this.push({ ticketHash: h, at, kind: 'submitted', txHash: tx.txHash, txNonce: tx.nonce, ...(tx.gasPrice !== undefined ? { gasPrice: tx.gasPrice } : {}), ...(tx.block !== undefined ? { block: tx.block } : {}) });
    }
    return { skipped };
  }

  async markRedeemed(h: Hex32, tx: { txHash: `0x${string}`; block?: bigint }) {
    this.count('markRedeemed');
    const t = this.must(h);
    if (t.state === 'redeemed') return;
    if (t.state !== 'submitted' && t.state !== 'pending') throw new Error(`ticket ${h} is ${t.state}: cannot become redeemed`);
    const at = this.now();
    Object.assign(t, { state: 'redeemed', txHash: tx.txHash, updatedAt: at });
    this.push({ ticketHash: h, at, kind: 'redeemed', txHash: tx.txHash, ...(tx.block !== undefined ? { block: tx.block } : {}) });
  }

  async markDeferred(h: Hex32, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }) {
    this.count('markDeferred');
    const t = this.must(h);
    if (t.state !== 'pending' && t.state !== 'submitted') throw new Error(`ticket ${h} is ${t.state}: cannot be deferred`);
    const at = this.now();
    const requeue = t.state === 'submitted';
    const tx = requeue ? { txHash: t.txHash, txNonce: t.txNonce } : {};
    t.state = 'pending';
    // A requeue undoes a submission (already counted); a deferral is a refusal before one.
    if (!requeue) t.attempts++;
    t.reasonCode = why.code;
    if (why.detail !== undefined) t.reason = why.detail;
    else delete t.reason;
    if (why.notBeforeBlock !== undefined) t.notBeforeBlock = why.notBeforeBlock;
    else delete t.notBeforeBlock;
    delete t.txHash;
    delete t.txNonce;
    t.updatedAt = at;
    this.push({
      ticketHash: h,
      at,
      kind: requeue ? 'requeued' : 'deferred',
      code: why.code,
      ...(why.detail !== undefined ? { detail: why.detail } : {}),
      ...(why.block !== undefined ? { block: why.block } : {}),
      ...(tx.txHash !== undefined ? { txHash: tx.txHash } : {}),
      ...(tx.txNonce !== undefined ? { txNonce: tx.txNonce } : {}),
    });
  }

  async markFinal(h: Hex32, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: `0x${string}` }) {
    this.count('markFinal');
    const t = this.must(h);
    if (t.state === 'redeemed') throw new Error(`ticket ${h} is redeemed: cannot become ${state}`);
    const at = this.now();
    Object.assign(t, { state, reasonCode: why.code, updatedAt: at });
    if (why.detail !== undefined) t.reason = why.detail;
    this.push({ ticketHash: h, at, kind: state, code: why.code, ...(why.detail !== undefined ? { detail: why.detail } : {}), ...(why.block !== undefined ? { block: why.block } : {}), ...(why.txHash ? { txHash: why.txHash } : {}) });
  }

  async record(e: RedemptionEvent) {
    this.count('record');
    this.must(e.ticketHash);
    this.push(e);
  }

  async history(h: Hex32) {
    return structuredClone(this.events.get(h) ?? []);
  }
}

class MemoryCheckpoints implements CheckpointStore {
  private readonly map = new Map<string, Checkpoint>();
  async getCheckpoint(name: string) {
    const c = this.map.get(name);
    return c ? { ...c } : undefined;
  }
  async setCheckpoint(name: string, c: Checkpoint) {
    this.map.set(name, { ...c });
  }
}

/** A Store in memory (the contract of src/store/types.ts). */
export class InMemoryStore implements Store {
  readonly tickets: MemoryLedger;
  readonly checkpoints = new MemoryCheckpoints();
  private closed = false;
  constructor(opts: { now?: () => number } = {}) {
    this.tickets = new MemoryLedger(opts.now ?? Date.now);
  }
  describe() {
    return { backend: 'memory' as const, durability: 'none: held in memory, lost with the process', location: 'memory' };
  }
  async close() {
    this.closed = true;
  }
  get isClosed(): boolean {
    return this.closed;
  }
}

/** What the queue's tests take: a fresh, empty store (the integrator passes SQLite's or PostgreSQL's). */
export type StoreFactory = () => Store | Promise<Store>;
export const memoryStoreFactory: StoreFactory = () => new InMemoryStore();
