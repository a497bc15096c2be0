// The redemption queue: winning tickets → TicketBroker, with every ticket's state in a Store (never
// only in memory). The sink side commits a winner to the store before the payment that carried it
// is acknowledged; the chain side runs one pass per new block (or on flush):
//   reconcile what is in flight (reconcile.ts) → expire, wait, defer or accept each pending ticket
//   (plan.ts) → batch, sign, record, broadcast (submit.ts), several transactions in flight.
// Usable by an orchestrator (its own key) and by a redeemer process (which owns the key and takes
// tickets from several orchestrators): the recipient is read from each ticket.
import type { Address, Hex, PublicClient } from 'viem';
import type { Logger } from 'pino';
import { roundsManagerAbi, ticketBrokerAbi, waitForReceipt, type Wallet } from '../../eth/index.js';
import type { Hex32, WinningTicket, WinningTicketSink } from '../../pm/index.js';
import type { Store, TicketState } from '../../store/index.js';
import { RedemptionError, type RedemptionOutcome } from './codes.js';
import { OpenTickets, senderOf, type QueueContext, type QueueSettings, type RedemptionHooks } from './context.js';
import { quoteGas, type GasQuoteOptions } from './gas.js';
import { NonceManager } from './nonces.js';
import { plan } from './plan.js';
import { reconcile } from './reconcile.js';
import { submit } from './submit.js';

export interface RedemptionQueueOptions {
  store: Store;
  publicClient: PublicClient;
  /** The key that sends redemptions (a local account: transactions are signed before they are recorded). */
  wallet: Wallet;
  ticketBroker: Address;
  roundsManager: Address;
  /** Shared with the key's other writers (reward, initializeRound) so their nonces never collide. */
  nonces?: NonceManager;
  /** Latest L1 block for params expiry (Arbitrum: the L1 block its blocks report); default: the chain's block. */
  latestL1Block?: () => bigint | Promise<bigint>;
  /** Initialises the current round when a redemption needs it; true when it is initialised afterwards. */
  ensureRoundInitialized?: () => Promise<boolean>;
  /** -maxGasPrice, wei (0 = none). */
  maxGasPrice?: bigint;
  /** -redeemCostMultiplier: redeem while payout > gas cost × this (default 1: go-livepeer's faceValue > txCost). */
  costMultiplier?: bigint;
  /** Tickets per transaction (default 20). */
  maxBatch?: number;
  /** Transactions in flight at most (default 8). */
  maxInFlight?: number;
  /** Gas limit headroom over eth_estimateGas, percent (default 20). */
  gasMarginPercent?: number;
  gas?: GasQuoteOptions;
  /** Pending tickets read per pass (oldest first; default 2000). */
  maxPerPass?: number;
  /**
   * The last this many blocks of a round (RoundsManager's clock, blockNum()), tickets that can still
   * be redeemed in the next round are held: a transaction sent then may be mined in the next round
   * before anyone initialises it, and a batch reverts whole (default 4; 0 = never hold).
   */
  roundEndGuard?: bigint;
  log?: Logger;
  onOutcome?: (o: RedemptionOutcome) => void;
  hooks?: RedemptionHooks;
}

/** A ticket still owed (pending or in flight), for status pages and the demo's settlement. */
export interface PendingRedemption {
  ticketHash: Hex32;
  sender: Address;
  faceValue: bigint;
  paramsExpirationBlock: bigint;
  state: TicketState;
  attempts: number;
  reasonCode?: string;
  lastError?: string;
  txHash?: Hex;
}

/**
 * Blocks of a round's end during which tickets that can wait for the next round are held. Off (0)
 * by default: held tickets are reconsidered on the next block, and a quiet chain (a devnet whose
 * only blocks are our own transactions) may never bring one, so they would wait forever (seen in
 * CI: a redeemer holding 22 winners). A batch that reverts at a round boundary is retried as a
 * batch (BATCH_REVERTED) either way; turning the guard on suits chains that always make blocks.
 */
export const DEFAULT_ROUND_END_GUARD = 0n;

export class RedemptionQueue implements WinningTicketSink {
  private readonly ctx: QueueContext;
  private readonly open = new OpenTickets();
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private started: Promise<void> | undefined;
  private lastPassBlock: bigint | undefined;
  private lastPassL1Block: bigint | undefined;
  private roundInfo: { round: bigint; validity: bigint; end: bigint } | undefined;
  private counts = { passes: 0, txs: 0, requeued: 0 };

  constructor(private readonly opts: RedemptionQueueOptions) {
    const settings: QueueSettings = {
      maxGasPrice: opts.maxGasPrice ?? 0n,
      costMultiplier: opts.costMultiplier ?? 1n,
      maxBatch: Math.max(1, opts.maxBatch ?? 20),
      maxInFlight: Math.max(1, opts.maxInFlight ?? 8),
      gasMarginPercent: BigInt(opts.gasMarginPercent ?? 20),
      gas: { ...opts.gas, ...(opts.maxGasPrice ? { maxGasPrice: opts.maxGasPrice } : {}) },
    };
    this.ctx = {
      store: opts.store,
      publicClient: opts.publicClient,
      wallet: opts.wallet,
      nonces: opts.nonces ?? new NonceManager({ publicClient: opts.publicClient, address: opts.wallet.account.address }),
      ticketBroker: opts.ticketBroker,
      settings,
      hooks: opts.hooks ?? {},
      log: opts.log,
      ensureRoundInitialized: opts.ensureRoundInitialized,
      emit: (o) => this.emit(o),
      memo: { minGas: undefined },
    };
  }

  get nonces(): NonceManager {
    return this.ctx.nonces;
  }

  private emit(o: RedemptionOutcome): void {
    if (o.kind === 'redeemed' || o.kind === 'dropped' || o.kind === 'expired') this.open.remove(o.sender, o.faceValue);
    if (o.kind === 'requeued') this.counts.requeued++;
    try {
      this.opts.onOutcome?.(o);
    } catch (err) {
      this.ctx.log?.warn({ err: (err as Error).message }, 'redemption outcome listener threw');
    }
  }

  /**
   * Loads what the store owes us (for pendingFor) and settles the transactions that were in
   * flight when this process (or its predecessor) stopped. Called once; kick/flush wait for it.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.open.clear();
      const [pending, submitted] = await Promise.all([this.opts.store.tickets.list('pending'), this.opts.store.tickets.list('submitted')]);
      for (const t of [...pending, ...submitted]) this.open.add(senderOf(t), t.ticket.ticket.faceValue);
      if (submitted.length) {
        const block = await this.opts.publicClient.getBlockNumber({ cacheTime: 0 });
        await reconcile(this.ctx, submitted, block);
      }
    })().catch((err: unknown) => {
      this.started = undefined; // tried again by the next pass
      throw err;
    });
    return this.started;
  }

  /** The sink: resolves once the ticket is committed to the store (idempotent by ticket hash). */
  async onWinningTicket(t: WinningTicket): Promise<void> {
    if (this.closed) throw new RedemptionError('QUEUE_CLOSED', 'the redemption queue is closed: the winning ticket was not stored');
    const { inserted, ticketHash } = await this.opts.store.tickets.addWinning(t);
    if (!inserted) return;
    this.open.add(t.ticket.sender, t.ticket.faceValue);
    this.ctx.log?.info({ ticketHash, sender: t.ticket.sender, faceValue: t.ticket.faceValue.toString() }, 'winning ticket stored');
  }

  /** Face value owed by a sender (pending + in flight): go-livepeer's pendingAmount, for max float. */
  pendingFor(sender: Address): bigint {
    return this.open.faceOf(sender);
  }

  /** Open tickets (pending + submitted) this process knows of. */
  get openCount(): number {
    return this.open.count;
  }

  async pending(): Promise<PendingRedemption[]> {
    const [p, s] = await Promise.all([this.opts.store.tickets.list('pending'), this.opts.store.tickets.list('submitted')]);
    return [...p, ...s].map((t) => ({
      ticketHash: t.ticketHash,
      sender: senderOf(t),
      faceValue: t.ticket.ticket.faceValue,
      paramsExpirationBlock: t.ticket.ticket.paramsExpirationBlock,
      state: t.state,
      attempts: t.attempts,
      ...(t.reasonCode !== undefined ? { reasonCode: t.reasonCode } : {}),
      ...(t.reason !== undefined || t.reasonCode !== undefined ? { lastError: t.reason ?? t.reasonCode } : {}),
      ...(t.txHash !== undefined ? { txHash: t.txHash } : {}),
    }));
  }

  status(): { passes: number; txs: number; requeued: number; open: number; senders: number; nonce: ReturnType<NonceManager['status']> } {
    return { ...this.counts, open: this.open.count, senders: this.open.senders, nonce: this.ctx.nonces.status() };
  }

  /** Starts a pass for a new block (coalesced: one requested while one runs triggers one more). */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass(false);
        } while (this.again && !this.closed);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Redeems everything redeemable now and waits for the transactions to be mined: passes (ignoring
   * the one-pass-per-block rule) until one sends and requeues nothing and nothing is in flight.
   * Bounded.
   */
  async flush(opts: { receiptTimeoutMs?: number } = {}): Promise<void> {
    for (let i = 0; i < 64 && !this.closed; i++) {
      while (this.running) await this.running;
      if (this.closed) return;
      let sent = 0;
      const requeued = this.counts.requeued;
      this.running = this.pass(true)
        .then((n) => {
          sent = n;
        })
        .finally(() => {
          this.running = undefined;
        });
      await this.running;
      const inFlight = [...new Set((await this.opts.store.tickets.list('submitted')).map((t) => t.txHash).filter((h): h is Hex => h !== undefined))];
      if (sent === 0 && inFlight.length === 0 && this.counts.requeued === requeued) return;
      try {
        for (const h of inFlight) await waitForReceipt(this.opts.publicClient, h, { timeoutMs: opts.receiptTimeoutMs ?? 30_000 });
      } catch {
        return; // not mined (a dropped tx, a stopped chain): the next pass reconciles it
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.running) await this.running.catch(() => undefined);
  }

  /** The round a transaction sent now runs in, the ticket validity period, and the blocks left in that round. */
  private async roundAndValidity(): Promise<{ round: bigint; validity: bigint; blocksLeft: bigint }> {
    const { publicClient, roundsManager } = this.opts;
    // At the PENDING block: the round our transaction will run in, by the round clock (on Arbitrum
    // RoundsManager counts L1 blocks).
    const [round, now] = await Promise.all([
      publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'currentRound', blockTag: 'pending' }),
      publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'blockNum', blockTag: 'pending' }),
    ]);
    if (this.roundInfo?.round !== round) {
      const [validity, start, length] = await Promise.all([
        publicClient.readContract({ address: this.opts.ticketBroker, abi: ticketBrokerAbi, functionName: 'ticketValidityPeriod' }),
        publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'currentRoundStartBlock', blockTag: 'pending' }),
        publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'roundLength', blockTag: 'pending' }),
      ]);
      this.roundInfo = { round, validity, end: start + length };
    }
    return { round, validity: this.roundInfo.validity, blocksLeft: this.roundInfo.end - now };
  }

  /** One pass; returns the transactions it sent. RPC failures end it early (tickets stay as they are). */
  private async pass(force: boolean): Promise<number> {
    if (this.closed) return 0;
    const { publicClient, store } = this.opts;
    try {
      await this.start();
      const block = await publicClient.getBlockNumber({ cacheTime: 0 });
      // One pass per (block, L1 block) seen. The L1 block comes from the chain view, which can lag
      // the RPC's head: a pass that read a new head before the view had it judged params expiry by
      // the old L1 block, and keying on the block alone then skipped the pass the view's own block
      // event asked for. With no further block, those tickets waited forever (seen under load).
      const l1Block = this.opts.latestL1Block ? await this.opts.latestL1Block() : block;
      if (!force && block === this.lastPassBlock && l1Block === this.lastPassL1Block) return 0;
      this.lastPassBlock = block;
      this.lastPassL1Block = l1Block;
      this.counts.passes++;
      const inFlight = await reconcile(this.ctx, await store.tickets.list('submitted'), block);
      const pending = await store.tickets.list('pending', this.opts.maxPerPass ?? 2000);
      if (pending.length === 0 || this.closed) return 0;
      const [rv, quote] = await Promise.all([
        this.roundAndValidity(),
        quoteGas(publicClient, this.ctx.settings.gas),
      ]);
      const committed = new Map<string, bigint>();
      for (const tx of inFlight) {
        for (const t of tx.tickets) {
          const k = senderOf(t).toLowerCase();
          committed.set(k, (committed.get(k) ?? 0n) + t.ticket.ticket.faceValue);
        }
      }
      const slots = this.ctx.settings.maxInFlight - inFlight.length;
      const limit = Math.max(0, slots) * this.ctx.settings.maxBatch;
      const guard = this.opts.roundEndGuard ?? DEFAULT_ROUND_END_GUARD;
      const roundEnding = guard > 0n && rv.blocksLeft <= guard;
      const accepted = await plan(this.ctx, pending, { block, l1Block, round: rv.round, validity: rv.validity, quote, committed, limit, roundEnding });
      if (accepted.length === 0 || slots <= 0 || this.closed) return 0;
      const sent = await submit(this.ctx, accepted, quote, block, slots);
      this.counts.txs += sent;
      return sent;
    } catch (err) {
      this.ctx.log?.warn({ err: (err as Error).message }, 'redemption pass failed: retried on the next block');
      return 0;
    }
  }
}
