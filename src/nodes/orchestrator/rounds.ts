// go-livepeer's -initializeRound: the orchestrator initialises a new round when it sees one.
// Tickets can only be redeemed in an initialised round, and on a quiet chain (a devnet whose only
// blocks are our own transactions) nobody else will do it. One attempt in flight at a time; losing
// the race to another initialiser ("round already initialized") is fine.
import type { Address, PublicClient } from 'viem';
import { roundsManagerAbi, sendTx, type Wallet } from '../../eth/index.js';
import type { Logger } from 'pino';

export class RoundInitializer {
  private inflight: Promise<boolean> | undefined;

  constructor(
    private readonly opts: { publicClient: PublicClient; wallet: Wallet; roundsManager: Address; log?: Logger; onInitialized?: (round: bigint) => void },
  ) {}

  /** Initialises the current round if it is not; true when it is initialised afterwards. */
  ensure(): Promise<boolean> {
    this.inflight ??= this.run().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async run(): Promise<boolean> {
    const { publicClient, wallet, roundsManager, log } = this.opts;
    const read = (functionName: 'currentRoundInitialized' | 'currentRound') =>
      publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName });
    if (await read('currentRoundInitialized')) return true;
    try {
      await sendTx(publicClient, wallet, { address: roundsManager, abi: roundsManagerAbi, functionName: 'initializeRound', args: [] });
      const round = (await read('currentRound')) as bigint;
      log?.info({ round: round.toString() }, 'initialized round');
      this.opts.onInitialized?.(round);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'round initialisation failed');
    }
    return (await read('currentRoundInitialized')) as boolean;
  }
}
