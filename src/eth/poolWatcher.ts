// The transcoder pool (what a sender's reserve is divided by): BondingManager.getTranscoderPoolSize,
// and whether the claimant (this orchestrator) is active — TicketBroker pays a reserve share only to
// an active orchestrator. go-livepeer's TimeWatcher reads the pool size on every NewRound; the pool
// also changes whenever an orchestrator joins or leaves it (TranscoderActivated / Deactivated), so
// those events trigger a read too. Read again after a reorg.
import { parseEventLogs, type Address, type Log, type PublicClient } from 'viem';
import { bondingManagerAbi, roundsManagerAbi } from './bindings/index.js';
import type { BlockFollower } from './follower.js';

export interface PoolState {
  size: bigint;
  /** undefined when no claimant was given. */
  claimantActive: boolean | undefined;
}

export class PoolWatcher {
  private state: PoolState = { size: 0n, claimantActive: undefined };
  private readonly listeners = new Set<(s: PoolState) => void>();
  private readonly off: () => void;

  constructor(
    private readonly opts: {
      follower: BlockFollower;
      publicClient: PublicClient;
      bondingManager: Address;
      roundsManager: Address;
      claimant?: Address;
      onError?: (e: Error) => void;
    },
  ) {
    this.off = opts.follower.subscribe({
      addresses: [opts.bondingManager, opts.roundsManager],
      onLogs: async (logs) => {
        if (logs.length === 0) return;
        const pool = parseEventLogs({ abi: bondingManagerAbi, logs: logs as Log[], eventName: ['TranscoderActivated', 'TranscoderDeactivated'] });
        const rounds = parseEventLogs({ abi: roundsManagerAbi, logs: logs as Log[], eventName: 'NewRound' });
        if (pool.length > 0 || rounds.length > 0) await this.reload();
      },
      onReorg: () => this.reload(),
    });
  }

  async init(): Promise<void> {
    await this.reload();
  }

  get current(): PoolState {
    return this.state;
  }

  /** Called when the pool size or the claimant's activity changes. */
  onChange(fn: (s: PoolState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private async reload(): Promise<void> {
    const { publicClient: pc, bondingManager, claimant } = this.opts;
    const [size, active] = await Promise.all([
      pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'getTranscoderPoolSize' }),
      claimant ? pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'isActiveTranscoder', args: [claimant] }) : Promise.resolve(undefined),
    ]);
    const changed = size !== this.state.size || active !== this.state.claimantActive;
    this.state = { size, claimantActive: active };
    if (!changed) return;
    for (const fn of this.listeners) {
      try {
        fn(this.state);
      } catch (err) {
        this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
