// Public surface of src/settlement: what an orchestrator or a redeemer does on chain for itself,
// apart from taking payments — initialising rounds and calling reward.
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
