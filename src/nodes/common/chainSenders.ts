// pm's SenderInfoSource and MaxFloatSource over TicketBroker views. Results are cached per sender
// until the next block the watcher sees (new block ⇒ deposits, reserves or claims may have moved).
import type { Address, PublicClient } from 'viem';
import type { MaxFloatSource, SenderInfo, SenderInfoSource } from '../../pm/index.js';
import { ticketBrokerAbi } from '../../eth/index.js';
import type { ChainWatcher } from './chainView.js';

const CACHE_MAX = 10_000;

/** A per-key cache of promises, dropped wholesale on every new block (and bounded in size). */
class BlockCache<T> {
  private readonly entries = new Map<string, Promise<T>>();
  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    if (this.entries.size >= CACHE_MAX) this.entries.clear();
    const p = load();
    this.entries.set(key, p);
    // A failed read is not cached: the next call retries.
    p.catch(() => {
      if (this.entries.get(key) === p) this.entries.delete(key);
    });
    return p;
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

export interface ChainSenderOptions {
  publicClient: PublicClient;
  ticketBroker: Address;
  /** When given, the cache is cleared on every new block the watcher sees. */
  watcher?: ChainWatcher;
}

/** TicketBroker.getSenderInfo, cached per block. */
export class ChainSenderInfo implements SenderInfoSource {
  private readonly cache = new BlockCache<SenderInfo>();
  private readonly unsubscribe: (() => void) | undefined;
  constructor(private readonly opts: ChainSenderOptions) {
    this.unsubscribe = opts.watcher?.onBlock(() => this.cache.clear());
  }
  getSenderInfo(sender: Address): Promise<SenderInfo> {
    return this.cache.get(sender.toLowerCase(), async () => {
      const [s, r] = await this.opts.publicClient.readContract({
        address: this.opts.ticketBroker,
        abi: ticketBrokerAbi,
        functionName: 'getSenderInfo',
        args: [sender],
      });
      return {
        deposit: s.deposit,
        withdrawRound: s.withdrawRound,
        reserve: { fundsRemaining: r.fundsRemaining, claimedInCurrentRound: r.claimedInCurrentRound },
      };
    });
  }
  /** Forget one sender (e.g. after redeeming one of its tickets). */
  invalidate(sender?: Address): void {
    if (sender) this.cache.delete(sender.toLowerCase());
    else this.cache.clear();
  }
  close(): void {
    this.unsubscribe?.();
    this.cache.clear();
  }
}

export interface ChainMaxFloatOptions extends ChainSenderOptions {
  /** The orchestrator whose reserve share is computed (the ticket recipient). */
  claimant: Address;
  /** Face value of this sender's tickets currently being redeemed (go-livepeer's pendingAmount). */
  pending?: (sender: Address) => bigint;
  /** Deposit lookup for the pending-ratio rule; defaults to a fresh getSenderInfo read. */
  senders?: SenderInfoSource;
}

/** go-livepeer minDepositPendingRatio: below deposit/pending = 3, pending is taken off the float. */
export const MIN_DEPOSIT_PENDING_RATIO = 3n;

/**
 * go-livepeer SenderMonitor.MaxFloat (pm.md §6.5): the sender's reserve share for this claimant,
 * i.e. TicketBroker.claimableReserve(sender, claimant) — which is 0 when the claimant is not an
 * active orchestrator, as on chain — minus pending redemptions when the deposit does not cover
 * them at least 3 times over.
 */
export class ChainMaxFloat implements MaxFloatSource {
  private readonly cache = new BlockCache<bigint>();
  private readonly unsubscribe: (() => void) | undefined;
  private readonly senders: SenderInfoSource;
  constructor(private readonly opts: ChainMaxFloatOptions) {
    this.unsubscribe = opts.watcher?.onBlock(() => this.cache.clear());
    this.senders = opts.senders ?? new ChainSenderInfo({ publicClient: opts.publicClient, ticketBroker: opts.ticketBroker, watcher: opts.watcher });
  }
  /** claimableReserve(sender, claimant), cached per block. */
  reserveAlloc(sender: Address): Promise<bigint> {
    return this.cache.get(sender.toLowerCase(), () =>
      this.opts.publicClient.readContract({
        address: this.opts.ticketBroker,
        abi: ticketBrokerAbi,
        functionName: 'claimableReserve',
        args: [sender, this.opts.claimant],
      }),
    );
  }
  async maxFloat(sender: Address): Promise<bigint> {
    const alloc = await this.reserveAlloc(sender);
    const pending = this.opts.pending?.(sender) ?? 0n;
    if (pending === 0n) return alloc;
    const info = await this.senders.getSenderInfo(sender);
    if (info.deposit >= pending * MIN_DEPOSIT_PENDING_RATIO) return alloc;
    return alloc - pending;
  }
  invalidate(sender?: Address): void {
    if (sender) this.cache.delete(sender.toLowerCase());
    else this.cache.clear();
  }
  close(): void {
    this.unsubscribe?.();
    this.cache.clear();
  }
}
