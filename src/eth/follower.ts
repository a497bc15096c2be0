// The block follower under every chain watcher (go-livepeer's blockwatch, polled): it reads the
// chain head, hands each new range of blocks' logs to its subscribers, and only then moves a
// checkpoint (last processed block + its hash) kept in a CheckpointStore, so a restart resumes
// where it stopped and an RPC outage is caught up from the checkpoint — the events in the gap are
// delivered, not skipped. A checkpoint whose hash is no longer on the chain is a reorg: the follower
// steps back `reorgDepth` blocks, tells the subscribers to forget what they derived from the
// replaced blocks, and reads the range again. Failures back off (doubling up to maxBackoffMs).
import type { Address, Log, PublicClient } from 'viem';
import type { Hex32 } from '../pm/index.js';
import { EthError } from './errors.js';

/** Where a watcher got to. src/store's `Checkpoint` has this shape. */
export interface WatcherCheckpoint {
  block: bigint;
  hash: Hex32;
}

/**
 * Durable watcher positions. src/store's `CheckpointStore` satisfies it (the eth layer sits below
 * the store, so the shape is restated here instead of imported).
 */
export interface WatcherCheckpoints {
  getCheckpoint(name: string): Promise<WatcherCheckpoint | undefined>;
  setCheckpoint(name: string, c: WatcherCheckpoint): Promise<void>;
}

/** A processed range of blocks: every log of it has been handed over. */
export interface ProcessedRange {
  from: bigint;
  to: bigint;
  toHash: Hex32;
  /** The L1 block number of block `to` (its own number on a chain that reports none). */
  l1Block: bigint;
}

export interface LogSubscription {
  /** The contracts whose logs this subscriber wants. */
  addresses: readonly Address[];
  /**
   * The logs of `addresses` in `range`, in chain order (called for every range, with or without
   * logs). The checkpoint moves past the range only when every subscriber has returned (a rejected
   * promise makes the follower read the range again later), so a handler must be idempotent: a
   * range comes again after a restart from an older checkpoint, or after a reorg.
   */
  onLogs(logs: readonly Log[], range: ProcessedRange): void | Promise<void>;
  /** Blocks after `fromBlock` were replaced: forget what they told you (their new logs follow). */
  onReorg?(fromBlock: bigint): void | Promise<void>;
}

export interface BlockFollowerOptions {
  publicClient: PublicClient;
  /** Where the position survives a restart; absent = kept in memory (a restart starts at the head). */
  checkpoints?: WatcherCheckpoints;
  /** The checkpoint's name (default "eth.chain"). */
  name?: string;
  /** Poll period in ms (default 500; clamped to 50…60000). */
  pollMs?: number;
  /** Blocks to step back when the checkpoint's hash is no longer on the chain (default 16). */
  reorgDepth?: number;
  /** Beyond this many blocks of stepping back the checkpoint is given up and the follower restarts at the head (default 256). */
  maxReorgDepth?: number;
  /** Blocks per eth_getLogs call (default 1000, go-livepeer's maxBlocksInGetLogsQuery). */
  maxBlockRange?: number;
  /** Longest wait between failing polls (default 30 s). */
  maxBackoffMs?: number;
  /** Per-poll failures are reported here (the last good view is kept). */
  onError?: (err: Error) => void;
}

export interface FollowerStatus {
  /** Latest head seen (this chain's block number) and its L1 block number. */
  head: bigint;
  l1Block: bigint;
  /** Last block whose logs every subscriber has handled. */
  processed: bigint;
  /** Polls failed in a row (0 when healthy). */
  failures: number;
  lastError: string | undefined;
  reorgs: number;
}

type Header = { number: bigint | null; hash: `0x${string}` | null; l1BlockNumber?: unknown };

/**
 * Latest "L1" block: on Arbitrum a block carries the L1 block number in `l1BlockNumber` (what
 * go-livepeer uses for ticket expiry); elsewhere (the devnet) it is the block's own number.
 */
export function l1BlockOf(block: Header): bigint {
  const l1 = block.l1BlockNumber;
  if (typeof l1 === 'string' && /^0x[0-9a-f]+$/i.test(l1)) return BigInt(l1);
  if (typeof l1 === 'bigint') return l1;
  return block.number ?? 0n;
}

function clamp(v: number | undefined, dflt: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(v ?? dflt)));
}

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
/** Steps per poll before yielding to the timer (a long catch-up continues on the next poll). */
const MAX_STEPS_PER_POLL = 64;

class MemoryCheckpoints implements WatcherCheckpoints {
  private readonly m = new Map<string, WatcherCheckpoint>();
  getCheckpoint(name: string): Promise<WatcherCheckpoint | undefined> {
    return Promise.resolve(this.m.get(name));
  }
  setCheckpoint(name: string, c: WatcherCheckpoint): Promise<void> {
    this.m.set(name, c);
    return Promise.resolve();
  }
}

export class BlockFollower {
  private readonly subs = new Set<LogSubscription>();
  private readonly blockListeners = new Set<(l1Block: bigint, block: bigint) => void>();
  private readonly checkpoints: WatcherCheckpoints;
  private readonly name: string;
  private readonly pollMs: number;
  private readonly reorgDepth: bigint;
  private readonly maxReorgDepth: bigint;
  private readonly maxRange: bigint;
  private readonly maxBackoffMs: number;
  private cp: WatcherCheckpoint | undefined;
  /** Blocks per eth_getLogs now: halved when a call fails (providers cap ranges and result sizes), grown back after successes. */
  private range: bigint;
  private rangeOk = 0;
  /** The checkpoint a run of reorg steps started from (to bound how far back they go). */
  private reorgBase: bigint | undefined;
  private head = 0n;
  private l1 = 0n;
  private firedL1 = -1n;
  private failures = 0;
  private lastError: string | undefined;
  private reorgs = 0;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: BlockFollowerOptions) {
    this.checkpoints = opts.checkpoints ?? new MemoryCheckpoints();
    this.name = opts.name ?? 'eth.chain';
    this.pollMs = clamp(opts.pollMs, 500, 50, 60_000);
    this.reorgDepth = BigInt(clamp(opts.reorgDepth, 16, 1, 10_000));
    this.maxReorgDepth = BigInt(clamp(opts.maxReorgDepth, 256, 1, 1_000_000));
    this.maxRange = BigInt(clamp(opts.maxBlockRange, 1000, 1, 1_000_000));
    this.maxBackoffMs = clamp(opts.maxBackoffMs, 30_000, this.pollMs, 600_000);
    this.range = this.maxRange;
  }

  /** Subscribers added before start() see every range from the checkpoint on. */
  subscribe(sub: LogSubscription): () => void {
    this.subs.add(sub);
    return () => this.subs.delete(sub);
  }

  /** Called when the head's L1 block number changes (after the poll that saw it). */
  onBlock(fn: (l1Block: bigint, block: bigint) => void): () => void {
    this.blockListeners.add(fn);
    return () => this.blockListeners.delete(fn);
  }

  /**
   * Reads the checkpoint and the head (throws when either is unreachable); without a checkpoint
   * the follower starts at the head. Polling starts with run().
   */
  async init(): Promise<void> {
    const stored = await this.checkpoints.getCheckpoint(this.name);
    const head = await this.opts.publicClient.getBlock({ blockTag: 'latest' });
    this.noteHead(head);
    // Listeners hear of changes from here on (the node reads the first view itself).
    this.firedL1 = this.l1;
    if (stored) {
      this.cp = stored;
    } else {
      this.cp = { block: head.number ?? 0n, hash: head.hash as Hex32 };
      await this.checkpoints.setCheckpoint(this.name, this.cp);
    }
  }

  /** Starts polling (the first poll at once). */
  run(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule(0);
  }

  lastSeenL1Block(): bigint {
    return this.l1;
  }

  status(): FollowerStatus {
    return { head: this.head, l1Block: this.l1, processed: this.cp?.block ?? 0n, failures: this.failures, lastError: this.lastError, reorgs: this.reorgs };
  }

  /** Polls now (after any poll already running) until caught up with the head; rejects when that fails. */
  async sync(): Promise<void> {
    if (this.inflight) await this.inflight.catch(() => undefined);
    await this.poll();
  }

  /** sync() whose failure is reported to onError instead of thrown. */
  refresh(): Promise<void> {
    return this.sync().catch((e: unknown) => this.opts.onError?.(toError(e)));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.subs.clear();
    this.blockListeners.clear();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll()
        .catch((e: unknown) => this.opts.onError?.(toError(e)))
        .finally(() => {
          if (this.timer || this.stopped) return;
          // Doubling backoff while the chain endpoint fails; the poll period once it answers.
          this.schedule(this.failures === 0 ? this.pollMs : Math.min(this.maxBackoffMs, this.pollMs * 2 ** Math.min(this.failures, 20)));
        });
    }, ms);
    this.timer.unref?.();
  }

  private poll(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      try {
        for (let i = 0; i < MAX_STEPS_PER_POLL && !this.stopped; i++) if (!(await this.step())) break;
        this.failures = 0;
        this.lastError = undefined;
      } catch (err) {
        this.failures++;
        this.lastError = toError(err).message;
        throw err;
      } finally {
        this.inflight = undefined;
        this.fireBlock();
      }
    })();
    return this.inflight;
  }

  private noteHead(h: Header): void {
    this.head = h.number ?? 0n;
    this.l1 = l1BlockOf(h);
  }

  private fireBlock(): void {
    if (this.stopped || this.l1 === this.firedL1) return;
    this.firedL1 = this.l1;
    for (const fn of this.blockListeners) {
      try {
        fn(this.l1, this.head);
      } catch (err) {
        this.opts.onError?.(toError(err));
      }
    }
  }

  /** One range (or one reorg step). True when there is more to read. */
  private async step(): Promise<boolean> {
    const pc = this.opts.publicClient;
    const cp = this.cp!;
    const head = await pc.getBlock({ blockTag: 'latest' });
    const headNum = head.number ?? 0n;
    this.noteHead(head);
    if (headNum <= cp.block) {
      if (headNum === cp.block && head.hash === cp.hash) return false;
      // The chain is no longer than our checkpoint, or has another block there: blocks were replaced.
      await this.stepBack(headNum);
      return true;
    }
    const at = await pc.getBlock({ blockNumber: cp.block });
    if (at.hash !== cp.hash) {
      await this.stepBack(headNum);
      return true;
    }
    this.reorgBase = undefined;
    const from = cp.block + 1n;
    const to = headNum - cp.block > this.range ? cp.block + this.range : headNum;
    const toHeader = to === headNum ? head : await pc.getBlock({ blockNumber: to });
    const addresses = this.addresses();
    const logs = addresses.length === 0 ? [] : await this.getLogs(addresses, from, to);
    // The logs belong to the chain whose block `to` we read before AND after them: a reorg in
    // between changes that hash (a block's hash commits to all before it), and we read again.
    const again = to === headNum && addresses.length === 0 ? toHeader : await pc.getBlock({ blockNumber: to });
    if (again.hash !== toHeader.hash || logs.some((l) => l.blockNumber === to && l.blockHash !== toHeader.hash)) return true;
    const range: ProcessedRange = { from, to, toHash: toHeader.hash as Hex32, l1Block: l1BlockOf(toHeader) };
    const sorted = [...logs].sort((a, b) => (a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber! < b.blockNumber! ? -1 : 1));
    for (const sub of [...this.subs]) {
      if (this.stopped) return false;
      const want = new Set(sub.addresses.map((a) => a.toLowerCase()));
      await sub.onLogs(
        sorted.filter((l) => want.has(l.address.toLowerCase())),
        range,
      );
    }
    if (this.stopped) return false;
    const next = { block: to, hash: range.toHash };
    await this.checkpoints.setCheckpoint(this.name, next);
    this.cp = next;
    return to < headNum;
  }

  private async getLogs(address: Address[], fromBlock: bigint, toBlock: bigint): Promise<Log[]> {
    try {
      const logs = await this.opts.publicClient.getLogs({ address, fromBlock, toBlock });
      if (this.range < this.maxRange && ++this.rangeOk >= 16) {
        this.rangeOk = 0;
        this.range = this.range * 2n > this.maxRange ? this.maxRange : this.range * 2n;
      }
      return logs;
    } catch (err) {
      // Too many blocks or logs for the provider, or the endpoint is down: ask for less next time.
      this.rangeOk = 0;
      if (this.range > 1n) this.range /= 2n;
      throw err;
    }
  }

  /** The checkpoint is off the chain: step back reorgDepth blocks (bounded) and read again from there. */
  private async stepBack(headNum: bigint): Promise<void> {
    const cp = this.cp!;
    this.reorgBase ??= cp.block;
    const top = cp.block < headNum ? cp.block : headNum;
    let target = top > this.reorgDepth ? top - this.reorgDepth : 0n;
    if (this.reorgBase - target > this.maxReorgDepth) {
      // Not a reorg of a few blocks: another chain, or a checkpoint from a chain that was reset.
      this.opts.onError?.(
        new EthError('WATCHER_CHECKPOINT_LOST', `watcher checkpoint ${this.name} (block ${this.reorgBase}) is not on this chain within ${this.maxReorgDepth} blocks: restarting at the head (block ${headNum}); events in between are not replayed`, { fatal: false }),
      );
      target = headNum;
    }
    const h = await this.opts.publicClient.getBlock({ blockNumber: target });
    for (const sub of [...this.subs]) await sub.onReorg?.(target);
    const next = { block: target, hash: h.hash as Hex32 };
    await this.checkpoints.setCheckpoint(this.name, next);
    this.cp = next;
    this.reorgs++;
    if (target === headNum) this.reorgBase = undefined;
  }

  private addresses(): Address[] {
    const seen = new Map<string, Address>();
    for (const s of this.subs) for (const a of s.addresses) seen.set(a.toLowerCase(), a);
    return [...seen.values()];
  }
}
