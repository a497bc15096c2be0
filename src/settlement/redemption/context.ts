// What the queue's steps (reconcile, plan, submit) share: the chain and the store, the queue's
// settings, and the few writes every step makes the same way.
import type { Address, Hex, PublicClient } from 'viem';
import type { Logger } from 'pino';
import type { Wallet } from '../../eth/index.js';
import type { Hex32 } from '../../pm/index.js';
import type { Store, StoredTicket } from '../../store/index.js';
import type { RedemptionOutcome } from './codes.js';
import type { GasQuoteOptions } from './gas.js';
import type { NonceManager } from './nonces.js';

/** Test seams at the two points a crash matters: after the record, and after the broadcast. */
export interface RedemptionHooks {
  /** The transaction is signed and recorded (tickets `submitted`), not yet broadcast. */
  signed?(tx: { txHash: Hex; nonce: number; tickets: readonly Hex32[] }): void | Promise<void>;
  /** The transaction was accepted by the node. */
  broadcast?(tx: { txHash: Hex; nonce: number; tickets: readonly Hex32[] }): void | Promise<void>;
}

export interface QueueSettings {
  /** -maxGasPrice, wei: above it nothing is submitted (0 or unset: no cap). */
  maxGasPrice: bigint;
  /** Redeem only when what a ticket pays is above gas cost × this (last round: above the gas cost). */
  costMultiplier: bigint;
  /** Tickets per batch transaction. */
  maxBatch: number;
  /** Transactions in flight (signed, not yet mined) at most. */
  maxInFlight: number;
  /** Gas limit = estimate × (100 + this) / 100. */
  gasMarginPercent: bigint;
  gas: GasQuoteOptions;
}

export interface QueueContext {
  store: Store;
  publicClient: PublicClient;
  wallet: Wallet;
  nonces: NonceManager;
  ticketBroker: Address;
  settings: QueueSettings;
  hooks: RedemptionHooks;
  log: Logger | undefined;
  ensureRoundInitialized: (() => Promise<boolean>) | undefined;
  emit(o: RedemptionOutcome): void;
  /**
   * The least gas a single redemption has been estimated at: a ticket worth less than that much gas
   * is deferred without simulating it again (a long gas spike costs no RPC per waiting ticket).
   */
  memo: { minGas: bigint | undefined };
}

export const senderOf = (t: StoredTicket): Address => t.ticket.ticket.sender;

export function outcome(t: StoredTicket, kind: RedemptionOutcome['kind'], extra: { txHash?: Hex; code?: string; detail?: string } = {}): RedemptionOutcome {
  return { kind, ticketHash: t.ticketHash, sender: senderOf(t), faceValue: t.ticket.ticket.faceValue, ...extra };
}

/**
 * Defers a ticket — writing only when its reason changes (or a backoff is set), so a ticket that
 * waits out a gas spike for 500 blocks has one history line for it, not 500.
 */
export async function defer(ctx: QueueContext, t: StoredTicket, code: string, detail: string, block: bigint, notBeforeBlock?: bigint): Promise<void> {
  if (t.state === 'pending' && t.reasonCode === code && notBeforeBlock === undefined && t.notBeforeBlock === undefined) return;
  await ctx.store.tickets.markDeferred(t.ticketHash, { code, detail, block, ...(notBeforeBlock !== undefined ? { notBeforeBlock } : {}) });
  ctx.log?.info({ ticketHash: t.ticketHash, code, detail }, t.state === 'submitted' ? 'winning ticket requeued' : 'winning ticket deferred');
  ctx.emit(outcome(t, t.state === 'submitted' ? 'requeued' : 'deferred', { code, detail }));
}

export async function finish(ctx: QueueContext, t: StoredTicket, state: 'dropped' | 'expired', code: string, detail: string, block: bigint, txHash?: Hex): Promise<void> {
  await ctx.store.tickets.markFinal(t.ticketHash, state, { code, detail, block, ...(txHash ? { txHash } : {}) });
  ctx.log?.warn({ ticketHash: t.ticketHash, faceValue: t.ticket.ticket.faceValue.toString(), code, detail }, `winning ticket ${state}`);
  ctx.emit(outcome(t, state, { code, detail, ...(txHash ? { txHash } : {}) }));
}

export async function redeemed(ctx: QueueContext, t: StoredTicket, txHash: Hex, block?: bigint): Promise<void> {
  await ctx.store.tickets.markRedeemed(t.ticketHash, { txHash, ...(block !== undefined ? { block } : {}) });
  ctx.log?.info({ ticketHash: t.ticketHash, faceValue: t.ticket.ticket.faceValue.toString(), txHash }, 'winning ticket redeemed');
  ctx.emit(outcome(t, 'redeemed', { txHash }));
}

/** Face value still owed to us per sender (pending + submitted), mirrored for the sync max-float hook. */
export class OpenTickets {
  private readonly bySender = new Map<string, { count: number; face: bigint }>();
  private total = 0;
  add(sender: Address, face: bigint): void {
    const k = sender.toLowerCase();
    const e = this.bySender.get(k) ?? { count: 0, face: 0n };
    e.count++;
    e.face += face;
    this.bySender.set(k, e);
    this.total++;
  }
  /** Entries leave the map when their last ticket closes: bounded by the senders with open tickets. */
  remove(sender: Address, face: bigint): void {
    const k = sender.toLowerCase();
    const e = this.bySender.get(k);
    if (!e) return;
    e.count--;
    e.face -= face;
    this.total--;
    if (e.count <= 0) this.bySender.delete(k);
  }
  faceOf(sender: Address): bigint {
    return this.bySender.get(sender.toLowerCase())?.face ?? 0n;
  }
  get count(): number {
    return this.total;
  }
  get senders(): number {
    return this.bySender.size;
  }
  clear(): void {
    this.bySender.clear();
    this.total = 0;
  }
}
