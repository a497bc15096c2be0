// Winning tickets → TicketBroker.redeemWinningTicket, straight from the orchestrator's key.
// go-livepeer's fairness rule: a ticket is submitted only once paramsExpirationBlock ≤ the latest
// block, so recipientRand is never revealed while the gateway could still use those params.
// Kept in memory (this node has no store yet): tickets queued when the process dies are lost.
import type { Address, Hex, PublicClient } from 'viem';
import { EthError, sendTx, ticketBrokerAbi, ticketBrokerRevertCode, type TicketBrokerRevertCode, type Wallet } from '../../eth/index.js';
import type { WinningTicket, WinningTicketSink } from '../../pm/index.js';
import { auxData, bytesToHex, ticketHash } from '../../pm/index.js';
import type { Logger } from 'pino';

/**
 * What to do after a failed redemption, decided by the decoded revert reason's code (src/eth
 * ticketBrokerRevertCode), never by the error's text. A winning ticket is money: only what can never
 * succeed is dropped (go-livepeer pm/queue.go isNonRetryableTicketErr drops a used ticket, a mined
 * tx that failed, and a creation round without a block hash; the other entries here are just as
 * permanent for this ticket). An uninitialised round is initialised and retried; anything else — a
 * paused system, an RPC hiccup, a gas spike — is retried on a later block.
 */
export type RedemptionDecision = 'drop' | 'initialize-round' | 'retry';

const DROP: ReadonlySet<TicketBrokerRevertCode> = new Set<TicketBrokerRevertCode>([
  'TICKET_USED',
  'TICKET_EXPIRED',
  'TICKET_CREATION_ROUND_NO_BLOCK_HASH',
  'TICKET_CREATION_ROUND_BLOCK_HASH_INVALID',
  'TICKET_DID_NOT_WIN',
  'RECIPIENT_RAND_MISMATCH',
  'TICKET_SIGNATURE_INVALID',
  'TICKET_AUX_DATA_INVALID',
  'TICKET_RECIPIENT_NULL',
  'TICKET_SENDER_NULL',
  'SENDER_UNLOCKED',
  'SENDER_FUNDS_ZERO',
]);

export function redemptionDecision(err: unknown): RedemptionDecision {
  if (!(err instanceof EthError) || err.code !== 'TX_REVERTED') return 'retry';
  const code = ticketBrokerRevertCode(err.reason);
  if (code === 'ROUND_NOT_INITIALIZED') return 'initialize-round';
  if (code !== undefined) return DROP.has(code) ? 'drop' : 'retry';
  // Mined and reverted with no reason to be had: go-livepeer's "transaction failed", dropped.
  if (err.reason === undefined && err.txHash !== undefined) return 'drop';
  return 'retry';
}

export interface PendingRedemption {
  ticketHash: Hex;
  sender: Address;
  faceValue: bigint;
  paramsExpirationBlock: bigint;
  attempts: number;
  lastError?: string;
}

export interface RedeemedTicket {
  ticketHash: Hex;
  sender: Address;
  faceValue: bigint;
  txHash: Hex;
}

export interface RedemptionQueueOptions {
  publicClient: PublicClient;
  wallet: Wallet;
  ticketBroker: Address;
  latestBlock: () => bigint;
  maxAttempts: number;
  log?: Logger;
  onRedeemed?: (r: RedeemedTicket) => void;
  onDropped?: (p: PendingRedemption, reason: string) => void;
  /**
   * Called when a redemption reverts because the current round is not initialised (redemptions mine
   * blocks and can walk a quiet chain into a new round); resolves true when the round is now
   * initialised, and the ticket is retried at once. Without it the ticket waits for a later block.
   */
  ensureRoundInitialized?: () => Promise<boolean>;
}

interface Item extends PendingRedemption {
  t: WinningTicket;
  /** Latest block at the last attempt: retries wait for a newer block (one attempt per item per block). */
  lastAttemptBlock?: bigint;
}

export class RedemptionQueue implements WinningTicketSink {
  private readonly items = new Map<Hex, Item>();
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly opts: RedemptionQueueOptions) {}

  onWinningTicket(t: WinningTicket): void {
    if (this.closed) return;
    const h = ticketHash(t.ticket);
    if (this.items.has(h)) return;
    this.items.set(h, {
      t,
      ticketHash: h,
      sender: t.ticket.sender,
      faceValue: t.ticket.faceValue,
      paramsExpirationBlock: t.ticket.paramsExpirationBlock,
      attempts: 0,
    });
    this.opts.log?.info({ ticketHash: h, sender: t.ticket.sender, faceValue: t.ticket.faceValue.toString() }, 'winning ticket queued');
  }

  /** Face value queued for a sender (go-livepeer's pendingAmount, which lowers max float). */
  pendingFor(sender: Address): bigint {
    let sum = 0n;
    const s = sender.toLowerCase();
    for (const i of this.items.values()) if (i.sender.toLowerCase() === s) sum += i.faceValue;
    return sum;
  }

  pending(): PendingRedemption[] {
    return [...this.items.values()].map(({ t: _t, ...p }) => ({ ...p }));
  }

  /** Starts a pass (coalesced: a pass requested while one runs triggers one more afterwards). */
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
   * Waits for the pass in progress, then tries every redeemable ticket again even if it was already
   * tried at the current block. What still fails stays queued for later blocks.
   */
  async flush(): Promise<void> {
    // Forced passes while they make progress (bounded by the queue size): a redemption mines a
    // block, and what one pass could not redeem may succeed in the next.
    for (let left = this.items.size + 1; left > 0; left--) {
      while (this.running) await this.running;
      const before = this.items.size;
      if (this.closed || !this.redeemable().length) return;
      this.running = this.pass(true).finally(() => {
        this.running = undefined;
      });
      await this.running;
      if (this.items.size >= before) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.running) await this.running.catch(() => undefined);
  }

  private redeemable(): Item[] {
    const latest = this.opts.latestBlock();
    return [...this.items.values()].filter((i) => i.paramsExpirationBlock <= latest);
  }

  private async pass(force: boolean): Promise<void> {
    const latest = this.opts.latestBlock();
    for (const item of this.redeemable()) {
      if (this.closed) return;
      if (!force && item.lastAttemptBlock === latest) continue;
      item.lastAttemptBlock = latest;
      await this.redeemOne(item);
    }
  }

  private drop(item: Item, reason: string): void {
    this.items.delete(item.ticketHash);
    this.opts.log?.warn({ ticketHash: item.ticketHash, reason }, 'winning ticket dropped');
    this.opts.onDropped?.(item, reason);
  }

  private async redeemOne(item: Item, roundRetry = true): Promise<void> {
    const { publicClient, ticketBroker, wallet } = this.opts;
    item.attempts++;
    try {
      const used = await publicClient.readContract({ address: ticketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [item.ticketHash] });
      if (used) return this.drop(item, 'ticket is used');
      const t = item.t.ticket;
      const receipt = await sendTx(publicClient, wallet, {
        address: ticketBroker,
        abi: ticketBrokerAbi,
        functionName: 'redeemWinningTicket',
        args: [
          {
            recipient: t.recipient,
            sender: t.sender,
            faceValue: t.faceValue,
            winProb: t.winProb,
            senderNonce: t.senderNonce,
            recipientRandHash: t.recipientRandHash,
            auxData: bytesToHex(auxData(t)),
          },
          bytesToHex(item.t.sig),
          item.t.recipientRand,
        ],
      });
      this.items.delete(item.ticketHash);
      const r: RedeemedTicket = { ticketHash: item.ticketHash, sender: item.sender, faceValue: item.faceValue, txHash: receipt.transactionHash };
      this.opts.log?.info({ ...r, faceValue: r.faceValue.toString() }, 'winning ticket redeemed');
      this.opts.onRedeemed?.(r);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      item.lastError = msg;
      const decision = redemptionDecision(err);
      if (decision === 'drop') return this.drop(item, msg);
      if (roundRetry && decision === 'initialize-round' && this.opts.ensureRoundInitialized && (await this.opts.ensureRoundInitialized())) {
        return this.redeemOne(item, false);
      }
      if (item.attempts >= this.opts.maxAttempts) {
        this.opts.log?.error({ ticketHash: item.ticketHash, faceValue: item.faceValue.toString(), err: msg }, 'giving up on a WINNING ticket');
        return this.drop(item, `gave up after ${item.attempts} attempts on different blocks: ${msg}`);
      }
      this.opts.log?.warn({ ticketHash: item.ticketHash, attempt: item.attempts, err: msg }, 'redemption failed; retrying on the next block');
    }
  }
}
