// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./BondingActiveSet.sol";
import "../libraries/MathUtils.sol";
import "../libraries/PreciseMathUtils.sol";

/// LIP-36 earnings: crediting rewards and fees to a transcoder's earnings pool, and settling a
/// delegator's share of them (claims).
///
/// Precision domains are kept apart: rewardCut / feeShare use MathUtils (1e6); the cumulative
/// factors and the treasury cut use PreciseMathUtils (1e27); reward minting (1e9) is the Minter's.
///
/// The transcoder's own commission, plus what its own *unclaimed* rewards earn, cannot be reached
/// through the factors (that stake belongs to no delegator yet), so it is tracked in the
/// transcoder's cumulativeRewards / cumulativeFees and added when the transcoder claims.
abstract contract BondingEarnings is BondingActiveSet {
    using EarningsPool for EarningsPool.Data;

    // --- factors ---

    /// The factors in force at `_round`: the pool's own, or those of the last round rewards /
    /// fees were credited in before it (pools are written lazily).
    function _latestFactors(Transcoder storage _t, uint256 _round) internal view returns (uint256 crf, uint256 cff) {
        EarningsPool.Data storage pool = _t.earningsPoolPerRound[_round];
        crf = pool.cumulativeRewardFactor;
        cff = pool.cumulativeFeeFactor;
        if (crf == 0) {
            uint256 lastRewardRound = _t.lastRewardRound;
            if (lastRewardRound < _round) crf = _t.earningsPoolPerRound[lastRewardRound].cumulativeRewardFactor;
        }
        if (cff == 0) {
            uint256 lastFeeRound = _t.lastFeeRound;
            if (lastFeeRound < _round) cff = _t.earningsPoolPerRound[lastFeeRound].cumulativeFeeFactor;
        }
    }

    /// Stores the factors in force into `_round`'s pool where it has none yet. Any delegator whose
    /// claim round becomes `_round` reads its start factors from that pool later, so they must be
    /// the real ones and never the defaults (the "rebond with uninitialised factors" exploit).
    function _initFactors(Transcoder storage _t, uint256 _round) internal {
        EarningsPool.Data storage pool = _t.earningsPoolPerRound[_round];
        (uint256 crf, uint256 cff) = _latestFactors(_t, _round);
        if (pool.cumulativeRewardFactor == 0 && crf != 0) pool.cumulativeRewardFactor = crf;
        if (pool.cumulativeFeeFactor == 0 && cff != 0) pool.cumulativeFeeFactor = cff;
    }

    // --- delegator side ---

    /// What `_delegator` would hold after claiming up to `_round`.
    function _pendingStakeAndFees(address _delegator, uint256 _round)
        internal
        view
        returns (uint256 stake, uint256 fees)
    {
        Delegator storage del = delegators[_delegator];
        stake = del.bondedAmount;
        fees = del.fees;
        address delegate = del.delegateAddress;
        if (delegate == address(0)) return (stake, fees);

        Transcoder storage t = transcoders[delegate];
        uint256 lastClaimRound = del.lastClaimRound;
        if (lastClaimRound < _round) {
            EarningsPool.Data storage start = t.earningsPoolPerRound[lastClaimRound];
            (uint256 endCrf, uint256 endCff) = _latestFactors(t, _round);
            (stake, fees) = EarningsPool.delegatorEarnings(
                stake,
                fees,
                start.cumulativeRewardFactor,
                start.cumulativeFeeFactor,
                endCrf,
                endCff
            );
        }
        // Everything tracked there is owed to the transcoder up to now, so only add it when the
        // end is the current round (it always is here).
        if (delegate == _delegator) {
            stake += t.cumulativeRewards;
            fees += t.cumulativeFees;
        }
    }

    /// Settles `_delegator`'s earnings up to `_round`, at most once per round. Rewards are bonded.
    function _claimEarnings(address _delegator, uint256 _round) internal {
        Delegator storage del = delegators[_delegator];
        uint256 lastClaimRound = del.lastClaimRound;
        if (lastClaimRound >= _round) return;

        (uint256 stake, uint256 fees) = _pendingStakeAndFees(_delegator, _round);
        address delegate = del.delegateAddress;
        if (delegate != address(0)) {
            Transcoder storage t = transcoders[delegate];
            _initFactors(t, _round);
            if (delegate == _delegator) {
                t.cumulativeRewards = 0;
                t.cumulativeFees = 0;
            }
        }
        emit EarningsClaimed(delegate, _delegator, stake - del.bondedAmount, fees - del.fees, lastClaimRound + 1, _round);
        del.lastClaimRound = _round;
        del.bondedAmount = stake;
        del.fees = fees;
    }

    /// A third party (bondFor, transferBond) must not settle someone's earnings in a round before
    /// that delegator's active transcoder has called reward: the delegator would lose that round's
    /// rewards (the "reward griefing" fix).
    function _authorizeClaimEarnings(address _delegator, uint256 _round) internal view {
        if (msg.sender == _delegator) return;
        Delegator storage del = delegators[_delegator];
        if (del.bondedAmount == 0 || del.lastClaimRound == _round) return;
        Transcoder storage t = transcoders[del.delegateAddress];
        require(!_isActive(t, _round) || t.lastRewardRound == _round, "ILLEGAL_CLAIM_EARNINGS");
    }

    function pendingStake(address _delegator, uint256 _endRound) external view returns (uint256) {
        _endRound; // ignored: always up to the current round
        (uint256 stake, ) = _pendingStakeAndFees(_delegator, _currentRound());
        return stake;
    }

    function pendingFees(address _delegator, uint256 _endRound) external view returns (uint256) {
        _endRound; // ignored: always up to the current round
        (, uint256 fees) = _pendingStakeAndFees(_delegator, _currentRound());
        return fees;
    }

    // --- transcoder side ---

    /// Before the first reward or fee of a round: fix the round's commission and stake snapshot.
    function _openRound(Transcoder storage _t, EarningsPool.Data storage _pool, uint256 _round) internal {
        _pool.setCommission(_t.rewardCut, _t.feeShare);
        _fillStakeSnapshot(_t, _round);
    }

    /// Credits `_rewards` (already net of the treasury share) for `_round`.
    function _creditRewards(Transcoder storage _t, EarningsPool.Data storage _pool, uint256 _round, uint256 _rewards)
        internal
    {
        // Keep the factor in force before this reward reachable as round-1's, so fee accounting
        // later in this round needs no reconstruction from Minter figures. The deployed contract
        // rebuilds it instead, which is where the mixed-precision C4 H-01 bug lived.
        EarningsPool.Data storage prevPool = _t.earningsPoolPerRound[_round - 1];
        (uint256 prevCrf, ) = _latestFactors(_t, _round - 1);
        if (prevPool.cumulativeRewardFactor == 0 && prevCrf != 0) prevPool.cumulativeRewardFactor = prevCrf;

        uint256 stake = _pool.totalStake;
        uint256 commission = MathUtils.percOf(_rewards, _pool.transcoderRewardCut);
        uint256 delegatorsRewards = _rewards - commission;
        uint256 activeRewards = _t.cumulativeRewards;
        _t.activeCumulativeRewards = activeRewards;
        // The transcoder's unclaimed rewards are part of `stake`; their share goes to it directly.
        uint256 ownStakeRewards = PreciseMathUtils.percOf(delegatorsRewards, activeRewards, stake);
        _t.cumulativeRewards = activeRewards + commission + ownStakeRewards;
        _pool.addRewards(prevCrf, delegatorsRewards);
        _t.lastRewardRound = _round;
    }

    /// Credits `_fees` wei to `_transcoder`'s pool for `_round` (always the current round, LIP-36).
    function _creditFees(address _transcoder, uint256 _fees, uint256 _round) internal {
        Transcoder storage t = transcoders[_transcoder];
        EarningsPool.Data storage pool = t.earningsPoolPerRound[_round];
        uint256 activeRewards = t.activeCumulativeRewards;
        if (t.lastRewardRound < _round) {
            _openRound(t, pool, _round);
            // reward() would set activeCumulativeRewards to this value if called later this round.
            activeRewards = t.cumulativeRewards;
        }
        uint256 stake = pool.totalStake;
        // A registered transcoder that never had active stake has nobody to share fees with.
        require(stake > 0, "transcoder has no stake snapshot for the current round");

        (uint256 prevCrf, uint256 prevCff) = _latestFactors(t, _round - 1);
        uint256 delegatorsFees = MathUtils.percOf(_fees, pool.transcoderFeeShare);
        uint256 ownStakeFees = PreciseMathUtils.percOf(delegatorsFees, activeRewards, stake);
        t.cumulativeFees += (_fees - delegatorsFees) + ownStakeFees;
        pool.addFees(prevCrf, prevCff, delegatorsFees);
        t.lastFeeRound = _round;
    }
}
