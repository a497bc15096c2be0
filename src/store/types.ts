// The store's contract: what the redemption queue, the watchers and the sender monitor keep on
// disk. One interface; SQLite (one process, in -datadir) and PostgreSQL (several processes sharing
// one store) implement it, and the same test suite runs against both.
//
// Money columns hold bigint wei exactly (decimal text or NUMERIC, never a float).
import type { SignerStateStore } from './signer-states.js';
import type { Address, Hex } from 'viem';
import type { Hex32, WinningTicket } from '../pm/index.js';

/**
 * A winning ticket's life: `pending` (waiting for its params to expire, for gas, or for the sender's
 * funds) → `submitted` (a transaction carrying it was signed with a recorded nonce, before it was
 * broadcast) → `redeemed`; or `dropped` (a permanent revert, by decoded reason) / `expired` (its
 * round went by unredeemed). `submitted` goes back to `pending` when its transaction is known to
 * have failed or to have been replaced.
 */
export type TicketState = 'pending' | 'submitted' | 'redeemed' | 'dropped' | 'expired';

export interface StoredTicket {
  /** keccak of the ticket (TicketBroker's usedTickets key); the primary key. */
  ticketHash: Hex32;
  /** Everything needed to redeem it: the ticket, its signature and recipientRand. */
  ticket: WinningTicket;
  state: TicketState;
  /** ms since the epoch, when the store first committed it. */
  receivedAt: number;
  /** Redemption attempts so far (submissions and pre-submission refusals). */
  attempts: number;
  /** Not to be tried before this block (a deferral), if set. */
  notBeforeBlock?: bigint;
  /** The transaction that carries it while `submitted` (and the one that redeemed it). */
  txHash?: Hex;
  txNonce?: number;
  /** Why it is where it is: a stable code (never matched as text) and words for people. */
  reasonCode?: string;
  reason?: string;
  updatedAt: number;
}

/** One line of a ticket's history: every attempt and outcome is kept. */
export interface RedemptionEvent {
  ticketHash: Hex32;
  at: number;
  /** What happened. */
  kind: 'received' | 'deferred' | 'submitted' | 'reverted' | 'redeemed' | 'dropped' | 'expired' | 'requeued';
  /** The block the queue saw when it happened, if known. */
  block?: bigint;
  code?: string;
  detail?: string;
  txHash?: Hex;
  txNonce?: number;
  gasPrice?: bigint;
}

export interface StateTotals {
  count: number;
  faceValue: bigint;
}

export interface TicketLedger {
  /**
   * Commits a winning ticket durably (resolves only once it is on disk at the store's durability
   * setting). Idempotent by ticketHash: a ticket already stored is left as it is (`inserted: false`).
   */
  addWinning(t: WinningTicket, now?: number): Promise<{ inserted: boolean; ticketHash: Hex32 }>;
  get(ticketHash: Hex32): Promise<StoredTicket | undefined>;
  /** Tickets in `state`, oldest first (receivedAt, then ticketHash), at most `limit`. */
  list(state: TicketState, limit?: number): Promise<StoredTicket[]>;
  /** Face value of a sender's `pending` + `submitted` tickets (go-livepeer's pendingAmount). */
  openFaceValue(sender: Address): Promise<bigint>;
  totals(): Promise<Record<TicketState, StateTotals>>;
  /**
   * Moves tickets to `submitted` with the transaction that carries them — called after signing and
   * before broadcasting, so a crash in between is recovered by looking the hash up, never by
   * signing again. Only `pending` tickets move; the others are returned in `skipped`.
   */
  markSubmitted(ticketHashes: readonly Hex32[], tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }): Promise<{ skipped: Hex32[] }>;
  /** `submitted` (or `pending`) → `redeemed`. */
  markRedeemed(ticketHash: Hex32, tx: { txHash: Hex; block?: bigint }): Promise<void>;
  /** → `pending`, not before `notBeforeBlock` when given, with the reason recorded. */
  markDeferred(ticketHash: Hex32, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }): Promise<void>;
  /** → `dropped` or `expired` for good, with the reason recorded. */
  markFinal(ticketHash: Hex32, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: Hex }): Promise<void>;
  /** Appends to a ticket's history without changing its state (a revert that is retried, …). */
  record(e: RedemptionEvent): Promise<void>;
  history(ticketHash: Hex32): Promise<RedemptionEvent[]>;
}

/** Where a watcher got to: the last block it processed and that block's hash (to see a reorg). */
export interface Checkpoint {
  block: bigint;
  hash: Hex32;
}

export interface CheckpointStore {
  getCheckpoint(name: string): Promise<Checkpoint | undefined>;
  setCheckpoint(name: string, c: Checkpoint): Promise<void>;
}

export type StoreBackend = 'sqlite' | 'postgres' | 'memory';

export interface Store {
  readonly tickets: TicketLedger;
  readonly checkpoints: CheckpointStore;
  /** The remote signer's high-water marks (src/signer, replay-proof mode); every backend here has them. */
  readonly signerStates?: SignerStateStore;
  /** The backend and its durability promise, in words ("WAL, synchronous=FULL: survives power loss"). */
  describe(): { backend: StoreBackend; durability: string; location: string };
  close(): Promise<void>;
}
