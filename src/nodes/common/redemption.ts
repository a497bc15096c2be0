// The on-chain redemption wiring the orchestrator (without -redeemerAddr) and the redeemer node
// share: the redemption queue over the node's store and chain adapters with the -redeem* flags, and
// the sender monitor that counts the queue's open winners as pending.
import type { ChainAdapters, Wallet } from '../../eth/index.js';
import { RedemptionQueue, SenderMonitor, type NonceManager, type RedemptionQueueOptions } from '../../settlement/index.js';
import type { Store } from '../../store/index.js';

export interface RedemptionFlags {
  maxGasPrice: bigint;
  redeemCostMultiplier: bigint;
  redeemBatchSize: number;
  redeemMaxInFlight: number;
}

export function chainRedemptionQueue(
  adapters: ChainAdapters,
  store: Store,
  wallet: Wallet,
  nonces: NonceManager | undefined,
  flags: RedemptionFlags,
  more: Pick<RedemptionQueueOptions, 'log' | 'onOutcome' | 'ensureRoundInitialized'>,
): RedemptionQueue {
  return new RedemptionQueue({
    store,
    publicClient: adapters.publicClient,
    wallet,
    ...(nonces ? { nonces } : {}),
    ticketBroker: adapters.contracts.TicketBroker,
    roundsManager: adapters.contracts.RoundsManager,
    latestL1Block: () => adapters.view.lastSeenL1Block(),
    maxGasPrice: flags.maxGasPrice,
    costMultiplier: flags.redeemCostMultiplier,
    maxBatch: flags.redeemBatchSize,
    maxInFlight: flags.redeemMaxInFlight,
    ...more,
  });
}

/** Max float and funds checks per sender, with the queue's open winners as pending (pm.md §6.5). */
export function queueSenderMonitor(adapters: ChainAdapters, q: RedemptionQueue): SenderMonitor {
  return new SenderMonitor({ senders: adapters.senders, pool: adapters.view, pending: { openFaceValue: (s) => Promise.resolve(q.pendingFor(s)) } });
}
