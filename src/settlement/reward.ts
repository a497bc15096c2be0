// go-livepeer's reward service (-reward): an active transcoder calls BondingManager.reward() once
// per round to mint its share of the round's inflation; a round without the call loses that share
// for good. go-livepeer tries once per new round; we also retry a failed call (bounded, with
// backoff) within the round, since a missed round cannot be made up later.
//
// Never twice in a round: each attempt first reads the transcoder's lastRewardRound (at the pending
// block, where our transaction will run), attempts are serialised, and a round is "settled" once
// rewarded, found already rewarded (another process with the same key, or our own earlier life),
// or found inactive. The contract refuses a second call anyway; the check saves the gas.
import { parseEventLogs, type Address, type Hex, type PublicClient } from 'viem';
import type { Logger } from 'pino';
import { bondingManagerAbi, EthError, roundsManagerAbi, sendTx, type Wallet } from '../eth/index.js';

/** BondingManager's revert reasons that settle the round: retrying cannot succeed in it. */
export const REWARD_ALREADY_CALLED = 'caller has already called reward for the current round';
export const REWARD_NOT_ACTIVE = 'caller must be an active transcoder';
/** Retried as soon as the round is initialised (by us with -initializeRound, or by anyone). */
export const ROUND_NOT_INITIALIZED = 'current round is not initialized';

export type RewardOutcome =
  | { kind: 'rewarded'; round: bigint; amount: bigint; txHash: Hex }
  | { kind: 'already-rewarded'; round: bigint }
  | { kind: 'inactive'; round: bigint }
  | { kind: 'round-not-initialized'; round: bigint }
  | { kind: 'failed'; round: bigint; attempt: number; code: string; reason: string; willRetry: boolean }
  | { kind: 'skipped' };

export interface RewardCallerOptions {
  publicClient: PublicClient;
  wallet: Wallet;
  bondingManager: Address;
  roundsManager: Address;
  /** Initialises the current round when it is not (the node's RoundInitializer); true when it is afterwards. */
  ensureRoundInitialized?: () => Promise<boolean>;
  /** Attempts per round before giving up on it (default 8). */
  maxAttempts?: number;
  /** Delay before retry n (1-based), ms (default 1 s doubling, capped at 60 s). */
  retryDelayMs?: (attempt: number) => number;
  log?: Logger;
  onOutcome?: (o: RewardOutcome) => void;
}

export interface RewardStatus {
  /** The last round that needs nothing more (rewarded, already rewarded or inactive); 0 before any. */
  settledRound: bigint;
  /** Reward calls this process made, and the LPT (wei) they minted for this transcoder. */
  calls: number;
  minted: bigint;
  last: RewardOutcome | undefined;
}

const defaultDelay = (attempt: number) => Math.min(60_000, 1000 * 2 ** (attempt - 1));

export class RewardCaller {
  private chain: Promise<unknown> = Promise.resolve();
  private settled = 0n;
  private failures = { round: 0n, count: 0 };
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private queued = 0;
  /** The newest round seen while a tick was running: checked once that tick is done. */
  private seen = 0n;
  private calls = 0;
  private minted = 0n;
  private last: RewardOutcome | undefined;
  private readonly address: Address;

  constructor(private readonly opts: RewardCallerOptions) {
    this.address = opts.wallet.account.address;
  }

  status(): RewardStatus {
    return { settledRound: this.settled, calls: this.calls, minted: this.minted, last: this.last };
  }

  /**
   * Called on every new block or round with the last initialised round the node has seen: does
   * nothing (no RPC) while that round is settled, otherwise checks and calls reward if due.
   */
  onRound(lastInitializedRound: bigint): void {
    if (this.closed || lastInitializedRound <= this.settled) return;
    if (this.queued > 0) {
      if (lastInitializedRound > this.seen) this.seen = lastInitializedRound;
      return;
    }
    if (this.retryTimer) {
      // A retry is waiting out its backoff: new blocks must not cut it short, a new round may.
      if (lastInitializedRound <= this.failures.round) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    void this.tick();
  }

  /** One serialised check-and-call; resolves with what it found or did. */
  tick(): Promise<RewardOutcome> {
    this.queued++;
    const next = this.chain
      .then(() => this.run())
      .finally(() => {
        // A round that arrived meanwhile may be one this tick did not see (a quiet chain brings no
        // further block to ask again).
        if (--this.queued === 0 && this.seen > this.settled) this.onRound(this.seen);
      });
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private report(o: RewardOutcome): RewardOutcome {
    this.last = o;
    this.opts.onOutcome?.(o);
    return o;
  }

  private settle(round: bigint): void {
    if (round > this.settled) this.settled = round;
  }

  private async run(): Promise<RewardOutcome> {
    if (this.closed) return { kind: 'skipped' };
    const { publicClient, bondingManager, roundsManager, log } = this.opts;
    let round = 0n;
    try {
      // Read at the PENDING block, where our reward() transaction will execute.
      const rm = <T>(functionName: 'currentRoundInitialized' | 'currentRound' | 'lastInitializedRound') =>
        publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName, blockTag: 'pending' }) as Promise<T>;
      let initialized = await rm<boolean>('currentRoundInitialized');
      if (!initialized && this.opts.ensureRoundInitialized) initialized = await this.opts.ensureRoundInitialized();
      round = await rm<bigint>('currentRound');
      if (round <= this.settled) return { kind: 'skipped' };
      if (!initialized) {
        // reward() needs the current round initialised; the last initialised round is over, so
        // nothing is due until the next one is initialised (onRound then calls again).
        this.settle(await rm<bigint>('lastInitializedRound'));
        return this.report({ kind: 'round-not-initialized', round });
      }
      const [t, active] = await Promise.all([
        publicClient.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'getTranscoder', args: [this.address], blockTag: 'pending' }),
        publicClient.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'isActiveTranscoder', args: [this.address], blockTag: 'pending' }),
      ]);
      if (t[0] >= round) {
        this.settle(round);
        return this.report({ kind: 'already-rewarded', round });
      }
      if (!active) {
        // Activation and deactivation take effect at round boundaries: nothing to do until the next.
        this.settle(round);
        log?.debug({ round: round.toString() }, 'not an active transcoder this round: no reward call');
        return this.report({ kind: 'inactive', round });
      }
      const receipt = await sendTx(publicClient, this.opts.wallet, { address: bondingManager, abi: bondingManagerAbi, functionName: 'reward', args: [] });
      const ev = parseEventLogs({ abi: bondingManagerAbi, eventName: 'Reward', logs: receipt.logs }).find(
        (l) => l.address.toLowerCase() === bondingManager.toLowerCase() && l.args.transcoder.toLowerCase() === this.address.toLowerCase(),
      );
      const amount = ev?.args.amount ?? 0n;
      this.settle(round);
      this.calls++;
      this.minted += amount;
      log?.info({ round: round.toString(), amount: amount.toString(), tx: receipt.transactionHash }, 'called reward');
      return this.report({ kind: 'rewarded', round, amount, txHash: receipt.transactionHash });
    } catch (err) {
      return this.report(this.failed(round, err));
    }
  }

  private failed(round: bigint, err: unknown): RewardOutcome {
    const { log } = this.opts;
    const reason = err instanceof EthError ? (err.reason ?? err.message) : err instanceof Error ? err.message : String(err);
    const code = err instanceof EthError ? err.code : 'RPC_ERROR';
    if (err instanceof EthError && err.code === 'TX_REVERTED' && round > 0n) {
      // Decided on the decoded revert reason (exact), never on the message text.
      if (err.reason === REWARD_ALREADY_CALLED) {
        this.settle(round);
        return { kind: 'already-rewarded', round };
      }
      if (err.reason === REWARD_NOT_ACTIVE) {
        this.settle(round);
        return { kind: 'inactive', round };
      }
    }
    if (this.failures.round !== round) this.failures = { round, count: 0 };
    const attempt = ++this.failures.count;
    const max = this.opts.maxAttempts ?? 8;
    // Before the round is known (the chain unreachable) there is no round to give up: keep retrying, capped.
    const willRetry = !this.closed && (round === 0n || attempt < max);
    if (willRetry) {
      const delay = (this.opts.retryDelayMs ?? defaultDelay)(attempt);
      log?.warn({ round: round.toString(), attempt, code, reason, retryInMs: delay }, 'reward call failed; will retry');
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.closed) void this.tick();
      }, delay);
      this.retryTimer.unref?.();
    } else {
      // Give the round up (its share is lost) rather than retry forever; the next round starts afresh.
      this.settle(round);
      log?.error({ round: round.toString(), attempt, code, reason }, 'reward call failed; giving up for this round');
    }
    return { kind: 'failed', round, attempt, code, reason, willRetry };
  }
}
