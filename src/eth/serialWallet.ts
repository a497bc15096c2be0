// One account, several senders (redemptions, initializeRound, reward): each viem write picks its
// nonce from the pending transaction count, so two writes prepared at once can take the same nonce
// and one fails. Submitting them one at a time keeps nonces distinct without tracking them here
// (a local nonce counter would drift whenever a prepared transaction is never sent).
import type { Wallet } from './tx.js';

export function serializeWrites(wallet: Wallet): Wallet {
  let lane: Promise<unknown> = Promise.resolve();
  const writeContract = ((args: Parameters<Wallet['writeContract']>[0]) => {
    const next = lane.then(() => wallet.writeContract(args));
    lane = next.catch(() => undefined);
    return next;
  }) as Wallet['writeContract'];
  return { ...wallet, writeContract };
}
