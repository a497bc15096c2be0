// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../Manager.sol";
import "../interfaces/IBondingManager.sol";
import "../interfaces/IMinter.sol";
import "../interfaces/IRoundsManager.sol";
import "../interfaces/ILivepeerToken.sol";
import "./IBondingManagerEvents.sol";
import "./libraries/EarningsPool.sol";
import "./libraries/TranscoderPool.sol";

/// BondingManager's storage, status rules, contract lookups and read-only views.
abstract contract BondingState is Manager, IBondingManager, IBondingManagerEvents {
    using TranscoderPool for TranscoderPool.Data;

    /// `deactivationRound` of a pool member: "not scheduled to leave".
    uint256 internal constant MAX_FUTURE_ROUND = type(uint256).max;

    bytes32 internal constant ROUNDS_MANAGER_ID = keccak256("RoundsManager");
    bytes32 internal constant MINTER_ID = keccak256("Minter");
    bytes32 internal constant TOKEN_ID = keccak256("LivepeerToken");
    bytes32 internal constant TICKET_BROKER_ID = keccak256("TicketBroker");
    bytes32 internal constant TREASURY_ID = keccak256("Treasury");
    bytes32 internal constant VERIFIER_ID = keccak256("Verifier");

    // Encoded as uint8 in the ABI; go-livepeer parses exactly these numbers.
    enum DelegatorStatus {
        Pending,
        Bonded,
        Unbonded
    }
    enum TranscoderStatus {
        NotRegistered,
        Registered
    }

    struct Transcoder {
        uint256 lastRewardRound;
        uint256 rewardCut; // out of 1e6
        uint256 feeShare; // out of 1e6
        mapping(uint256 => EarningsPool.Data) earningsPoolPerRound;
        uint256 lastActiveStakeUpdateRound; // latest round whose pool totalStake was written
        uint256 activationRound;
        uint256 deactivationRound;
        uint256 activeCumulativeRewards; // cumulativeRewards as they stood at the last reward call
        uint256 cumulativeRewards; // unclaimed commission + returns on the transcoder's own unclaimed rewards
        uint256 cumulativeFees; // same, for fees
        uint256 lastFeeRound;
    }

    struct UnbondingLock {
        uint256 amount;
        uint256 withdrawRound; // 0 = no such lock
    }

    struct Delegator {
        uint256 bondedAmount;
        uint256 fees; // claimed ETH fees not yet withdrawn
        address delegateAddress;
        uint256 delegatedAmount; // stake delegated to this address (self-bond included): the pool key
        uint256 startRound;
        uint256 lastClaimRound;
        uint256 nextUnbondingLockId;
        mapping(uint256 => UnbondingLock) unbondingLocks;
    }

    uint64 public unbondingPeriod; // rounds
    uint256 public currentRoundTotalActiveStake;
    uint256 public nextRoundTotalActiveStake;
    uint256 public treasuryRewardCutRate; // out of 1e27
    uint256 public nextRoundTreasuryRewardCutRate; // out of 1e27
    uint256 public treasuryBalanceCeiling;

    mapping(address => Delegator) internal delegators;
    mapping(address => Transcoder) internal transcoders;
    /// The set that will be active next round (members are activated/deactivated at current+1).
    TranscoderPool.Data internal transcoderPool;

    modifier currentRoundInitialized() {
        require(_roundsManager().currentRoundInitialized(), "current round is not initialized");
        _;
    }

    // --- contract lookups (by name, at call time, like every Manager) ---

    function _roundsManager() internal view returns (IRoundsManager) {
        return IRoundsManager(controller.getContract(ROUNDS_MANAGER_ID));
    }

    function _minter() internal view returns (IMinter) {
        return IMinter(controller.getContract(MINTER_ID));
    }

    function _token() internal view returns (ILivepeerToken) {
        return ILivepeerToken(controller.getContract(TOKEN_ID));
    }

    function _currentRound() internal view returns (uint256) {
        return _roundsManager().currentRound();
    }

    // --- status rules ---

    function _isActive(Transcoder storage _t, uint256 _round) internal view returns (bool) {
        return _t.activationRound <= _round && _round < _t.deactivationRound;
    }

    /// Registered ⇔ self-delegated with a non-zero bond (calling transcoder() is not required).
    function isRegisteredTranscoder(address _transcoder) public view override returns (bool) {
        Delegator storage d = delegators[_transcoder];
        return d.delegateAddress == _transcoder && d.bondedAmount > 0;
    }

    function _delegatorStatus(Delegator storage _del, uint256 _round) internal view returns (DelegatorStatus) {
        if (_del.bondedAmount == 0) return DelegatorStatus.Unbonded;
        if (_del.startRound > _round) return DelegatorStatus.Pending;
        return DelegatorStatus.Bonded;
    }

    // --- views ---

    /// Active now ⇔ activationRound ≤ currentRound < deactivationRound.
    function isActiveTranscoder(address _transcoder) public view override returns (bool) {
        return _isActive(transcoders[_transcoder], _currentRound());
    }

    function transcoderStatus(address _transcoder) external view returns (TranscoderStatus) {
        return isRegisteredTranscoder(_transcoder) ? TranscoderStatus.Registered : TranscoderStatus.NotRegistered;
    }

    function delegatorStatus(address _delegator) external view returns (DelegatorStatus) {
        return _delegatorStatus(delegators[_delegator], _currentRound());
    }

    function transcoderTotalStake(address _transcoder) external view returns (uint256) {
        return delegators[_transcoder].delegatedAmount;
    }

    /// Named for history: this is the current round's total *active* stake, not all bonded LPT.
    function getTotalBonded() external view override returns (uint256) {
        return currentRoundTotalActiveStake;
    }

    function getTranscoder(address _transcoder)
        external
        view
        returns (
            uint256 lastRewardRound,
            uint256 rewardCut,
            uint256 feeShare,
            uint256 lastActiveStakeUpdateRound,
            uint256 activationRound,
            uint256 deactivationRound,
            uint256 activeCumulativeRewards,
            uint256 cumulativeRewards,
            uint256 cumulativeFees,
            uint256 lastFeeRound
        )
    {
        Transcoder storage t = transcoders[_transcoder];
        return (
            t.lastRewardRound,
            t.rewardCut,
            t.feeShare,
            t.lastActiveStakeUpdateRound,
            t.activationRound,
            t.deactivationRound,
            t.activeCumulativeRewards,
            t.cumulativeRewards,
            t.cumulativeFees,
            t.lastFeeRound
        );
    }

    /// Lazily written: totalStake can be 0 for a round in which nothing touched the pool.
    function getTranscoderEarningsPoolForRound(address _transcoder, uint256 _round)
        external
        view
        returns (
            uint256 totalStake,
            uint256 transcoderRewardCut,
            uint256 transcoderFeeShare,
            uint256 cumulativeRewardFactor,
            uint256 cumulativeFeeFactor
        )
    {
        EarningsPool.Data storage p = transcoders[_transcoder].earningsPoolPerRound[_round];
        return (p.totalStake, p.transcoderRewardCut, p.transcoderFeeShare, p.cumulativeRewardFactor, p.cumulativeFeeFactor);
    }

    function getDelegator(address _delegator)
        external
        view
        returns (
            uint256 bondedAmount,
            uint256 fees,
            address delegateAddress,
            uint256 delegatedAmount,
            uint256 startRound,
            uint256 lastClaimRound,
            uint256 nextUnbondingLockId
        )
    {
        Delegator storage d = delegators[_delegator];
        return (
            d.bondedAmount,
            d.fees,
            d.delegateAddress,
            d.delegatedAmount,
            d.startRound,
            d.lastClaimRound,
            d.nextUnbondingLockId
        );
    }

    function getDelegatorUnbondingLock(address _delegator, uint256 _unbondingLockId)
        external
        view
        returns (uint256 amount, uint256 withdrawRound)
    {
        UnbondingLock storage lock = delegators[_delegator].unbondingLocks[_unbondingLockId];
        return (lock.amount, lock.withdrawRound);
    }

    function isValidUnbondingLock(address _delegator, uint256 _unbondingLockId) public view returns (bool) {
        return delegators[_delegator].unbondingLocks[_unbondingLockId].withdrawRound > 0;
    }

    function getFirstTranscoderInPool() external view returns (address) {
        return transcoderPool.head;
    }

    function getNextTranscoderInPool(address _transcoder) external view returns (address) {
        return transcoderPool.getNext(_transcoder);
    }

    /// Counts the pool as it stands: it can include members that only become active next round.
    function getTranscoderPoolSize() external view override returns (uint256) {
        return transcoderPool.size;
    }

    function getTranscoderPoolMaxSize() external view returns (uint256) {
        return transcoderPool.maxSize;
    }
}
