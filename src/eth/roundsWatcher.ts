// Rounds (go-livepeer's TimeWatcher): the last initialised round and its block hash, from
// RoundsManager's NewRound events as the block follower delivers them. Read once from the contract
// at start and again after a reorg; between those, only events move it, and only forward (a range
// read again after a restart from an older checkpoint replays NewRound events already applied).
import { parseEventLogs, type Address, type Log, type PublicClient } from 'viem';
import type { Hex32 } from '../pm/index.js';
import { ZERO_HASH } from '../pm/index.js';
import { roundsManagerAbi } from './bindings/index.js';
import type { BlockFollower, ProcessedRange } from './follower.js';

export type RoundListener = (round: bigint) => void;

export interface RoundState {
  round: bigint;
  hash: Hex32;
  preHash: Hex32;
}

export class RoundsWatcher {
  private state: RoundState = { round: 0n, hash: ZERO_HASH, preHash: ZERO_HASH };
  private readonly listeners = new Set<RoundListener>();
  private readonly off: () => void;

  constructor(
    private readonly opts: { follower: BlockFollower; publicClient: PublicClient; roundsManager: Address; onError?: (e: Error) => void },
  ) {
    this.off = opts.follower.subscribe({
      addresses: [opts.roundsManager],
      onLogs: (logs, range) => this.onLogs(logs, range),
      onReorg: () => this.reload(),
    });
  }

  /** Reads the current round from the contract (throws when the RPC fails). */
  async init(): Promise<void> {
    await this.reload();
  }

  get current(): RoundState {
    return this.state;
  }

  onRound(fn: RoundListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }

  private hashFor(round: bigint): Promise<Hex32> {
    if (round <= 0n) return Promise.resolve(ZERO_HASH);
    return this.opts.publicClient.readContract({ address: this.opts.roundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] }) as Promise<Hex32>;
  }

  private async reload(): Promise<void> {
    const round = await this.opts.publicClient.readContract({ address: this.opts.roundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' });
    const [hash, preHash] = await Promise.all([this.hashFor(round), this.hashFor(round - 1n)]);
    this.set({ round, hash, preHash });
  }

  private async onLogs(logs: readonly Log[], _range: ProcessedRange): Promise<void> {
    if (logs.length === 0) return;
    for (const ev of parseEventLogs({ abi: roundsManagerAbi, logs: logs as Log[], eventName: 'NewRound' })) {
      const { round, blockHash } = ev.args;
      const cur = this.state;
      if (round <= cur.round) continue;
      const preHash = round === cur.round + 1n ? cur.hash : await this.hashFor(round - 1n);
      this.set({ round, hash: blockHash as Hex32, preHash });
    }
  }

  private set(next: RoundState): void {
    const changed = next.round !== this.state.round;
    this.state = next;
    if (!changed) return;
    for (const fn of this.listeners) {
      try {
        fn(next.round);
      } catch (err) {
        this.opts.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
