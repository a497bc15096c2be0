// pm's ChainView for a node: one block follower (follower.ts) feeding the rounds watcher, the pool
// watcher and the senders watcher, so the hot path reads plain fields and the chain is polled once.
// All three share the follower's checkpoint, which moves only when each has handled a range.
import type { Address, PublicClient } from 'viem';
import type { ChainView, Hex32 } from '../pm/index.js';
import { BlockFollower, type BlockFollowerOptions, type FollowerStatus } from './follower.js';
import { PoolWatcher } from './poolWatcher.js';
import { RoundsWatcher, type RoundListener } from './roundsWatcher.js';
import { SenderWatcher } from './senderWatcher.js';

export type { RoundListener } from './roundsWatcher.js';
export type BlockListener = (block: bigint) => void;

export interface ChainWatcherOptions extends Omit<BlockFollowerOptions, 'publicClient'> {
  publicClient: PublicClient;
  roundsManager: Address;
  /** Enables the pool watcher (pool size, the claimant's activity). */
  bondingManager?: Address;
  /** Enables the senders watcher. */
  ticketBroker?: Address;
  /** This orchestrator: its reserve claims and its activity are tracked. */
  claimant?: Address;
}

export class ChainWatcher implements ChainView {
  readonly blocks: BlockFollower;
  readonly rounds: RoundsWatcher;
  readonly pool: PoolWatcher | undefined;
  readonly senders: SenderWatcher | undefined;

  private constructor(opts: ChainWatcherOptions) {
    const { publicClient, roundsManager, onError } = opts;
    this.blocks = new BlockFollower(opts);
    // Every watcher subscribes before the first poll, so none misses a range.
    this.rounds = new RoundsWatcher({ follower: this.blocks, publicClient, roundsManager, onError });
    this.pool = opts.bondingManager
      ? new PoolWatcher({ follower: this.blocks, publicClient, bondingManager: opts.bondingManager, roundsManager, claimant: opts.claimant, onError })
      : undefined;
    this.senders = opts.ticketBroker
      ? new SenderWatcher({ follower: this.blocks, publicClient, ticketBroker: opts.ticketBroker, roundsManager, claimant: opts.claimant, onError })
      : undefined;
  }

  /**
   * Reads the checkpoint, the head, the round and the pool once (throws if the RPC is unreachable),
   * then follows the chain until stop(), from the checkpoint when there is one.
   */
  static async start(opts: ChainWatcherOptions): Promise<ChainWatcher> {
    const w = new ChainWatcher(opts);
    try {
      await w.blocks.init();
      await w.rounds.init();
      await w.pool?.init();
    } catch (err) {
      w.stop();
      throw err;
    }
    w.blocks.run();
    return w;
  }

  lastSeenL1Block(): bigint {
    return this.blocks.lastSeenL1Block();
  }
  lastInitializedRound(): bigint {
    return this.rounds.current.round;
  }
  lastInitializedL1BlockHash(): Hex32 {
    return this.rounds.current.hash;
  }
  preLastInitializedL1BlockHash(): Hex32 {
    return this.rounds.current.preHash;
  }
  /** BondingManager.getTranscoderPoolSize (0 without a pool watcher). */
  poolSize(): bigint {
    return this.pool?.current.size ?? 0n;
  }
  /** Whether the claimant is an active orchestrator (false without a pool watcher or a claimant). */
  claimantActive(): boolean {
    return this.pool?.current.claimantActive === true;
  }

  status(): FollowerStatus {
    return this.blocks.status();
  }

  /** Called when the head's L1 block number changes. Returns an unsubscribe function. */
  onBlock(fn: BlockListener): () => void {
    return this.blocks.onBlock((l1) => fn(l1));
  }
  onRound(fn: RoundListener): () => void {
    return this.rounds.onRound(fn);
  }

  /** Reads the chain now (after any poll already running), so changes made before the call are seen. Failures go to onError. */
  refresh(): Promise<void> {
    return this.blocks.refresh();
  }
  /** refresh() that rejects when the chain cannot be read. */
  sync(): Promise<void> {
    return this.blocks.sync();
  }

  stop(): void {
    this.blocks.stop();
    this.rounds.close();
    this.pool?.close();
    this.senders?.close();
  }
}
