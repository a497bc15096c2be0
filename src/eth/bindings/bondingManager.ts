// Typed ABI for what a node calls on BondingManager (contracts.md §7): staking, registration,
// rewards, fees, the pool walk and the watched events. Checked by test/contracts/abi.test.ts.
import { parseAbi } from 'viem';

export const bondingManagerAbi = parseAbi([
  'function bond(uint256 _amount, address _to)',
  'function bondWithHint(uint256 _amount, address _to, address _oldDelegateNewPosPrev, address _oldDelegateNewPosNext, address _currDelegateNewPosPrev, address _currDelegateNewPosNext)',
  'function unbond(uint256 _amount)',
  'function unbondWithHint(uint256 _amount, address _newPosPrev, address _newPosNext)',
  'function rebond(uint256 _unbondingLockId)',
  'function rebondWithHint(uint256 _unbondingLockId, address _newPosPrev, address _newPosNext)',
  'function rebondFromUnbonded(address _to, uint256 _unbondingLockId)',
  'function rebondFromUnbondedWithHint(address _to, uint256 _unbondingLockId, address _newPosPrev, address _newPosNext)',
  'function withdrawStake(uint256 _unbondingLockId)',
  'function withdrawFees(address _recipient, uint256 _amount)',
  'function claimEarnings(uint256 _endRound)',
  'function reward()',
  'function rewardWithHint(address _newPosPrev, address _newPosNext)',
  'function transcoder(uint256 _rewardCut, uint256 _feeShare)',
  'function getTranscoder(address _transcoder) view returns (uint256 lastRewardRound, uint256 rewardCut, uint256 feeShare, uint256 lastActiveStakeUpdateRound, uint256 activationRound, uint256 deactivationRound, uint256 activeCumulativeRewards, uint256 cumulativeRewards, uint256 cumulativeFees, uint256 lastFeeRound)',
  'function getDelegator(address _delegator) view returns (uint256 bondedAmount, uint256 fees, address delegateAddress, uint256 delegatedAmount, uint256 startRound, uint256 lastClaimRound, uint256 nextUnbondingLockId)',
  'function getDelegatorUnbondingLock(address _delegator, uint256 _unbondingLockId) view returns (uint256 amount, uint256 withdrawRound)',
  'function getTranscoderEarningsPoolForRound(address _transcoder, uint256 _round) view returns (uint256 totalStake, uint256 transcoderRewardCut, uint256 transcoderFeeShare, uint256 cumulativeRewardFactor, uint256 cumulativeFeeFactor)',
  'function getFirstTranscoderInPool() view returns (address)',
  'function getNextTranscoderInPool(address _transcoder) view returns (address)',
  'function getTranscoderPoolSize() view returns (uint256)',
  'function getTranscoderPoolMaxSize() view returns (uint256)',
  'function transcoderTotalStake(address _transcoder) view returns (uint256)',
  'function transcoderStatus(address _transcoder) view returns (uint8)',
  'function delegatorStatus(address _delegator) view returns (uint8)',
  'function isActiveTranscoder(address _transcoder) view returns (bool)',
  'function isRegisteredTranscoder(address _transcoder) view returns (bool)',
  'function getTotalBonded() view returns (uint256)',
  'function pendingStake(address _delegator, uint256 _endRound) view returns (uint256)',
  'function pendingFees(address _delegator, uint256 _endRound) view returns (uint256)',
  'function unbondingPeriod() view returns (uint64)',
  'event Bond(address indexed newDelegate, address indexed oldDelegate, address indexed delegator, uint256 additionalAmount, uint256 bondedAmount)',
  'event Unbond(address indexed delegate, address indexed delegator, uint256 unbondingLockId, uint256 amount, uint256 withdrawRound)',
  'event Rebond(address indexed delegate, address indexed delegator, uint256 unbondingLockId, uint256 amount)',
  'event WithdrawStake(address indexed delegator, uint256 unbondingLockId, uint256 amount, uint256 withdrawRound)',
  'event WithdrawFees(address indexed delegator, address recipient, uint256 amount)',
  'event EarningsClaimed(address indexed delegate, address indexed delegator, uint256 rewards, uint256 fees, uint256 startRound, uint256 endRound)',
  'event Reward(address indexed transcoder, uint256 amount)',
  'event TranscoderUpdate(address indexed transcoder, uint256 rewardCut, uint256 feeShare)',
  'event TranscoderActivated(address indexed transcoder, uint256 activationRound)',
  'event TranscoderDeactivated(address indexed transcoder, uint256 deactivationRound)',
]);

/** `transcoderStatus` values. */
export const TranscoderStatus = { NotRegistered: 0, Registered: 1 } as const;
/** `delegatorStatus` values. */
export const DelegatorStatus = { Pending: 0, Bonded: 1, Unbonded: 2 } as const;
