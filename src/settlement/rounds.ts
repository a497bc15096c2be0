// go-livepeer's -initializeRound: the orchestrator initialises a new round when it sees one.
// Tickets can only be redeemed in an initialised round, and on a quiet chain (a devnet whose only
// blocks are our own transactions) nobody else will do it. One attempt in flight at a time; losing
// the race to another initialiser ("round already initialized") is fine.
import type { Address, PublicClient } from 'viem';
import { roundsManagerAbi, sendTx, type Wallet } from '../eth/index.js';
import type { Logger } from 'pino';

export class RoundInitializer {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly opts: { publicClient: PublicClient; wallet: Wallet; roundsManager: Address; log?: Logger; onInitialized?: (round: bigint) => void },
  ) {}

  /**
   * Initialises the current round if it is not; true when it is initialised afterwards. Calls are
   * serialised and each one checks afresh: sharing an in-flight check could hand a caller the answer
   * for an older block (before a round boundary), and on a quiet chain no later block would fix it.
   */
  ensure(): Promise<boolean> {
    const next = this.chain.then(() => this.run());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async run(): Promise<boolean> {
    const { publicClient, wallet, roundsManager, log } = this.opts;
    // Read at the PENDING block: that is where our next transaction (a redemption, or initializeRound)
    // executes. At the latest block the answer can be for the last block of the previous round.
    const read = (functionName: 'currentRoundInitialized' | 'currentRound') =>
      publicClient.readContract({ address: roundsManager, abi: roundsManagerAbi, functionName, blockTag: 'pending' });
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
