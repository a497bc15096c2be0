// Public surface of src/settlement: what an orchestrator or a redeemer does on chain for itself,
// apart from taking payments — initialising rounds, calling reward, redeeming winning tickets
// (the redemption queue, over a Store), watching what each sender can cover (the sender monitor)
// and advising on funding.
export { RoundInitializer } from './rounds.js';
export {
  RewardCaller,
  REWARD_ALREADY_CALLED,
  REWARD_NOT_ACTIVE,
  ROUND_NOT_INITIALIZED,
  type RewardCallerOptions,
  type RewardOutcome,
  type RewardStatus,
} from './reward.js';
export {
  adviseGateway,
  adviseOrchestrator,
  MIN_DEPOSIT_PENDING_RATIO,
  type FundingStatus,
  type GatewayFundingAdvice,
  type GatewayFundingInput,
  type OrchestratorFundingAdvice,
  type OrchestratorFundingInput,
} from './funding.js';
export { RedemptionQueue, type RedemptionQueueOptions, type PendingRedemption } from './redemption/queue.js';
export { NonceManager } from './redemption/nonces.js';
export { quoteGas, gasQuoteFromFeeHistory, type GasQuote, type GasQuoteOptions } from './redemption/gas.js';
export {
  redemptionCodes,
  redemptionDecision,
  revertDecision,
  RedemptionError,
  type RedemptionCode,
  type RedemptionDecision,
  type RedemptionOutcome,
} from './redemption/codes.js';
export type { RedemptionHooks } from './redemption/context.js';
export { redeemArgs, batchArgs } from './redemption/calls.js';
// Until src/store's own MemoryStore is plugged in: the orchestrator's default store.
export { InMemoryStore } from './redemption/testkit.js';
export {
  SenderMonitor,
  fundsCheckWith,
  maxFloatOf,
  reserveAllocation,
  senderFundsCodes,
  senderRefusal,
  type OpenFaceValue,
  type ReservePool,
  type SenderFunds,
  type SenderFundsCode,
  type SenderFundsReader,
  type SenderMonitorOptions,
  type SenderRefusal,
} from './senders.js';
