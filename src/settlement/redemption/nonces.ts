// One account's nonces, handed out by the node instead of asked of the chain for every write, so
// several transactions can be in flight at once (the redemption queue pipelines instead of waiting
// for each receipt). Everything that signs with the key goes through one lane: the redemption
// queue's own transactions and — through wrap() — the wallet's writeContract (reward,
// initializeRound, setServiceURI). A lane step is "take a nonce, sign, record, broadcast"; receipts
// are never awaited inside it.
//
// Recovery: a step that fails (nonce too low, a replacement, a refused or unknown broadcast)
// forgets the local counter, and the next step reads the chain's pending nonce again. A gap cannot
// open: steps run one at a time, so a failed step has no successor holding a higher nonce.
import type { Address, PublicClient } from 'viem';
import type { Wallet } from '../../eth/index.js';

export class NonceManager {
  private next: number | undefined;
  private lane: Promise<unknown> = Promise.resolve();
  /** Nonces handed out by steps that completed, for status and tests. */
  private used = 0;
  private resyncs = 0;

  constructor(private readonly opts: { publicClient: PublicClient; address: Address }) {}

  get address(): Address {
    return this.opts.address;
  }

  /**
   * Runs `step` with the next nonce, after every earlier step has finished. When it resolves the
   * nonce counts as used; when it throws, the counter is re-read from the chain before the next step.
   */
  run<T>(step: (nonce: number) => Promise<T>): Promise<T> {
    const go = async (): Promise<T> => {
      this.next ??= await this.opts.publicClient.getTransactionCount({ address: this.opts.address, blockTag: 'pending' });
      const nonce = this.next;
      try {
        const out = await step(nonce);
        this.next = nonce + 1;
        this.used++;
        return out;
      } catch (err) {
        this.resync();
        throw err;
      }
    };
    const p = this.lane.then(go);
    this.lane = p.catch(() => undefined);
    return p;
  }

  /** Forgets the local counter: the next step reads the chain's pending nonce. */
  resync(): void {
    this.next = undefined;
    this.resyncs++;
  }

  status(): { next: number | undefined; used: number; resyncs: number } {
    return { next: this.next, used: this.used, resyncs: this.resyncs };
  }

  /** The wallet with writeContract run in this lane with an explicit nonce. */
  wrap(wallet: Wallet): Wallet {
    const writeContract = ((args: Parameters<Wallet['writeContract']>[0]) =>
      this.run((nonce) => wallet.writeContract({ ...args, nonce } as Parameters<Wallet['writeContract']>[0]))) as Wallet['writeContract'];
    return { ...wallet, writeContract };
  }
}
