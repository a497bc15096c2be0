// pm's ChainView over a viem PublicClient: polls the latest block and RoundsManager's last
// initialized round (+ its block hash) on a bounded, stoppable timer, so the hot path stays sync.
import type { Address, PublicClient } from 'viem';
import type { ChainView, Hex32 } from '../../pm/index.js';
import { ZERO_HASH } from '../../pm/index.js';
import { roundsManagerAbi } from '../../eth/index.js';

export interface ChainWatcherOptions {
  publicClient: PublicClient;
  roundsManager: Address;
  /** Poll period in ms (default 500; clamped to 50…60000). */
  pollMs?: number;
  /** Per-poll failures are reported here (the previous view is kept). */
  onError?: (err: Error) => void;
}

export type BlockListener = (block: bigint) => void;
export type RoundListener = (round: bigint) => void;

function clampPoll(ms: number | undefined): number {
  const v = ms ?? 500;
  return Math.min(60_000, Math.max(50, Math.floor(v)));
}

/**
 * Latest "L1" block = the chain's block number. On Arbitrum, a block carries the L1 block number
 * in `l1BlockNumber` (what go-livepeer uses for ticket expiry); we take it when present.
 */
function l1BlockOf(block: { number: bigint | null; l1BlockNumber?: unknown }): bigint {
  const l1 = block.l1BlockNumber;
  if (typeof l1 === 'string' && /^0x[0-9a-f]+$/i.test(l1)) return BigInt(l1);
  if (typeof l1 === 'bigint') return l1;
  return block.number ?? 0n;
}

export class ChainWatcher implements ChainView {
  private block = 0n;
  private round = 0n;
  private roundHash: Hex32 = ZERO_HASH;
  private preRoundHash: Hex32 = ZERO_HASH;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private initialized = false;
  private inflight: Promise<void> | undefined;
  private readonly blockListeners = new Set<BlockListener>();
  private readonly roundListeners = new Set<RoundListener>();
  private readonly pollMs: number;

  private constructor(private readonly opts: ChainWatcherOptions) {
    this.pollMs = clampPoll(opts.pollMs);
  }

  /** Reads the chain once (throws if the RPC is unreachable), then polls until stop(). */
  static async start(opts: ChainWatcherOptions): Promise<ChainWatcher> {
    const w = new ChainWatcher(opts);
    await w.poll(true);
    w.schedule();
    return w;
  }

  lastSeenL1Block(): bigint {
    return this.block;
  }
  lastInitializedRound(): bigint {
    return this.round;
  }
  lastInitializedL1BlockHash(): Hex32 {
    return this.roundHash;
  }
  preLastInitializedL1BlockHash(): Hex32 {
    return this.preRoundHash;
  }

  /** Called on every new block seen (after the view is updated). Returns an unsubscribe function. */
  onBlock(fn: BlockListener): () => void {
    this.blockListeners.add(fn);
    return () => this.blockListeners.delete(fn);
  }
  onRound(fn: RoundListener): () => void {
    this.roundListeners.add(fn);
    return () => this.roundListeners.delete(fn);
  }

  /** Reads the chain now (after any poll already running), so changes made before the call are seen. */
  async refresh(): Promise<void> {
    if (this.inflight) await this.inflight;
    return this.poll(false);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.blockListeners.clear();
    this.roundListeners.clear();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll(false).finally(() => this.schedule());
    }, this.pollMs);
    this.timer.unref?.();
  }

  private poll(throwOnError: boolean): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.read()
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        if (throwOnError) throw e;
        this.opts.onError?.(e);
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async read(): Promise<void> {
    const { publicClient: pc, roundsManager } = this.opts;
    const blk = await pc.getBlock({ blockTag: 'latest' });
    const block = l1BlockOf(blk as { number: bigint | null; l1BlockNumber?: unknown });
    const round = await pc.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' });
    let roundHash = this.roundHash;
    let preRoundHash = this.preRoundHash;
    const roundChanged = round !== this.round || !this.initialized;
    if (roundChanged) {
      roundHash = (await pc.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] })) as Hex32;
      preRoundHash =
        round > 0n
          ? ((await pc.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round - 1n] })) as Hex32)
          : ZERO_HASH;
    }
    if (this.stopped) return;
    const newBlock = block !== this.block;
    const newRound = round !== this.round;
    this.initialized = true;
    this.block = block;
    this.round = round;
    this.roundHash = roundHash;
    this.preRoundHash = preRoundHash;
    if (newRound) for (const fn of this.roundListeners) safeCall(() => fn(round), this.opts.onError);
    if (newBlock) for (const fn of this.blockListeners) safeCall(() => fn(block), this.opts.onError);
  }
}

function safeCall(fn: () => void, onError?: (e: Error) => void): void {
  try {
    fn();
  } catch (err) {
    onError?.(err instanceof Error ? err : new Error(String(err)));
  }
}
