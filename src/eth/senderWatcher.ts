// Senders (go-livepeer's SenderWatcher): pm's SenderInfoSource over TicketBroker.getSenderInfo,
// plus what the claimant (this orchestrator) has drawn from each sender's reserve this round
// (claimedReserve), cached per sender and kept current by TicketBroker's events as the block
// follower delivers them — DepositFunded, ReserveFunded, Unlock, UnlockCancelled, Withdrawal,
// WinningTicketRedeemed / WinningTicketTransfer, ReserveClaimed — and by NewRound (the reserve's
// per-round claims start over). An event drops the sender's cached values and the next read gets
// them from the chain: a top-up is seen as soon as its block is processed, not after a TTL, and
// reading a range twice (a restart from an older checkpoint, a reorg) cannot count anything twice,
// which applying the events' amounts to the cache (as go-livepeer does) would.
import { parseEventLogs, type Address, type Hex, type Log, type PublicClient } from 'viem';
import type { SenderInfo, SenderInfoSource } from '../pm/index.js';
import { roundsManagerAbi, ticketBrokerAbi } from './bindings/index.js';
import type { BlockFollower, ProcessedRange } from './follower.js';

/** Senders kept at most (least recently read first out), and how long an unread one stays (go-livepeer smTTL: 2 days). */
const MAX_SENDERS = 10_000;
const IDLE_MS = 2 * 24 * 3600 * 1000;

export const SENDER_EVENT_NAMES = [
  'DepositFunded',
  'ReserveFunded',
  'ReserveClaimed',
  'WinningTicketRedeemed',
  'WinningTicketTransfer',
  'Unlock',
  'UnlockCancelled',
  'Withdrawal',
] as const;
export type SenderEventName = (typeof SENDER_EVENT_NAMES)[number];

/**
 * What the watcher saw: a TicketBroker event about `sender`, a new round (every sender's reserve
 * claims start over), or a reorg (everything after `fromBlock` is forgotten and read again).
 * Events are delivered at least once: again after a restart from an older checkpoint or a reorg.
 */
export type SenderEvent =
  | { kind: 'event'; name: SenderEventName; sender: Address; block: bigint; txHash: Hex; logIndex: number; args: Readonly<Record<string, unknown>> }
  | { kind: 'round'; round: bigint; block: bigint }
  | { kind: 'reorg'; fromBlock: bigint };

export interface SenderWatcherOptions {
  follower: BlockFollower;
  publicClient: PublicClient;
  ticketBroker: Address;
  roundsManager: Address;
  /** The orchestrator whose reserve claims are tracked (claimedReserve); none on a gateway. */
  claimant?: Address;
  maxSenders?: number;
  idleMs?: number;
  now?: () => number;
  onError?: (e: Error) => void;
}

interface Entry {
  info?: Promise<SenderInfo>;
  claimed?: Promise<bigint>;
  lastAccess: number;
}

export class SenderWatcher implements SenderInfoSource {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(e: SenderEvent) => void>();
  private readonly off: () => void;
  private readonly max: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private reads = 0;

  constructor(private readonly opts: SenderWatcherOptions) {
    this.max = Math.max(1, opts.maxSenders ?? MAX_SENDERS);
    this.idleMs = opts.idleMs ?? IDLE_MS;
    this.now = opts.now ?? Date.now;
    this.off = opts.follower.subscribe({
      addresses: [opts.ticketBroker, opts.roundsManager],
      onLogs: (logs, range) => this.onLogs(logs, range),
      onReorg: (fromBlock) => {
        this.invalidate();
        this.emit({ kind: 'reorg', fromBlock });
      },
    });
  }

  /** TicketBroker.getSenderInfo, from the cache while no event has touched the sender. */
  getSenderInfo(sender: Address): Promise<SenderInfo> {
    const e = this.entry(sender);
    if (e.info) return e.info;
    const p = this.read(async () => {
      const [s, r] = await this.opts.publicClient.readContract({ address: this.opts.ticketBroker, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [sender] });
      return { deposit: s.deposit, withdrawRound: s.withdrawRound, reserve: { fundsRemaining: r.fundsRemaining, claimedInCurrentRound: r.claimedInCurrentRound } };
    });
    this.keep(e, 'info', p);
    return p;
  }

  /** TicketBroker.claimedReserve(sender, claimant): what the claimant drew from the sender's reserve this round. */
  claimedReserve(sender: Address): Promise<bigint> {
    const claimant = this.opts.claimant;
    if (!claimant) return Promise.resolve(0n);
    const e = this.entry(sender);
    if (e.claimed) return e.claimed;
    const p = this.read(() => this.opts.publicClient.readContract({ address: this.opts.ticketBroker, abi: ticketBrokerAbi, functionName: 'claimedReserve', args: [sender, claimant] }));
    this.keep(e, 'claimed', p);
    return p;
  }

  /** Forget one sender (e.g. right after redeeming one of its tickets), or all. */
  invalidate(sender?: Address): void {
    if (!sender) {
      for (const e of this.entries.values()) this.drop(e);
      return;
    }
    const e = this.entries.get(sender.toLowerCase());
    if (e) this.drop(e);
  }

  /** Every event the watcher sees (see SenderEvent). Listeners run synchronously; a throw is reported, not propagated. */
  onEvent(fn: (e: SenderEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Senders cached, and chain reads made so far (for tests and stats). */
  get size(): number {
    return this.entries.size;
  }
  get chainReads(): number {
    return this.reads;
  }

  close(): void {
    this.off();
    this.listeners.clear();
    this.entries.clear();
  }

  private entry(sender: Address): Entry {
    const k = sender.toLowerCase();
    const now = this.now();
    let e = this.entries.get(k);
    if (e) {
      // Most recently read last: the size cap evicts from the front.
      this.entries.delete(k);
    } else {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      e = { lastAccess: now };
    }
    e.lastAccess = now;
    this.entries.set(k, e);
    return e;
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    this.reads++;
    return fn();
  }

  /**
   * Caches a read. A failed one is forgotten; one overtaken by an event while in flight already is
   * (drop() cleared the slot), so its possibly older answer goes to its caller only.
   */
  private keep<K extends 'info' | 'claimed'>(e: Entry, key: K, p: NonNullable<Entry[K]>): void {
    e[key] = p;
    (p as Promise<unknown>).catch(() => {
      if (e[key] === p) e[key] = undefined;
    });
  }

  private drop(e: Entry): void {
    e.info = undefined;
    e.claimed = undefined;
  }

  private onLogs(logs: readonly Log[], range: ProcessedRange): void {
    if (logs.length === 0) return;
    const broker = this.opts.ticketBroker.toLowerCase();
    const own = logs.filter((l) => l.address.toLowerCase() === broker) as Log[];
    for (const ev of parseEventLogs({ abi: ticketBrokerAbi, logs: own, eventName: [...SENDER_EVENT_NAMES] })) {
      const args = ev.args as Record<string, unknown>;
      const sender = (args.sender ?? args.reserveHolder) as Address;
      this.invalidate(sender);
      this.emit({ kind: 'event', name: ev.eventName, sender, block: ev.blockNumber, txHash: ev.transactionHash, logIndex: ev.logIndex, args });
    }
    const rounds = parseEventLogs({ abi: roundsManagerAbi, logs: logs.filter((l) => l.address.toLowerCase() !== broker) as Log[], eventName: 'NewRound' });
    if (rounds.length > 0) {
      // claimedInCurrentRound and claimedReserve are per round: every cached sender is stale.
      this.invalidate();
      this.sweep();
      const last = rounds[rounds.length - 1]!;
      this.emit({ kind: 'round', round: last.args.round, block: last.blockNumber ?? range.to });
    }
  }

  /** Drops senders unread for idleMs (go-livepeer's cleanup loop), on each new round. */
  private sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [k, e] of this.entries) if (e.lastAccess < cutoff) this.entries.delete(k);
  }

  private emit(e: SenderEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
