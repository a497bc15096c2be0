// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../../libraries/PreciseMathUtils.sol";

/// A transcoder's earnings pool for one round (LIP-36).
///
/// Instead of per-round shares, each pool carries two running factors, both out of 1e27:
/// - cumulativeRewardFactor (CRF): how much one unit of stake bonded at the start has grown to.
///   It starts at 1 (1e27); a stored 0 means "never set" and reads as 1.
/// - cumulativeFeeFactor (CFF): fees earned so far per unit of stake bonded at the start, times the
///   CRF at the time. It starts at 0.
/// A delegator's earnings between two rounds then follow from the factors at both ends alone.
///
/// Precision: rewardCut/feeShare are out of 1e6 (MathUtils); the factors out of 1e27 (PreciseMathUtils).
library EarningsPool {
    struct Data {
        uint256 totalStake; // stake snapshot the round's rewards and fees are shared over
        uint256 transcoderRewardCut; // out of 1e6: share of rewards the transcoder keeps
        uint256 transcoderFeeShare; // out of 1e6: share of fees passed on to delegators
        uint256 cumulativeRewardFactor;
        uint256 cumulativeFeeFactor;
    }

    /// A reward factor that was never set is 1.
    function rewardFactorOrOne(uint256 _factor) internal pure returns (uint256) {
        return _factor == 0 ? PreciseMathUtils.PERC_DIVISOR : _factor;
    }

    function setCommission(Data storage self, uint256 _rewardCut, uint256 _feeShare) internal {
        self.transcoderRewardCut = _rewardCut;
        self.transcoderFeeShare = _feeShare;
    }

    /// CRF_r = CRF_prev + CRF_prev × delegatorsRewards / totalStake_r
    function addRewards(Data storage self, uint256 _prevRewardFactor, uint256 _delegatorsRewards) internal {
        uint256 prev = rewardFactorOrOne(_prevRewardFactor);
        self.cumulativeRewardFactor = prev + PreciseMathUtils.percOf(prev, _delegatorsRewards, self.totalStake);
    }

    /// CFF_r += CRF_prev × delegatorsFees / totalStake_r, starting from the latest earlier CFF.
    /// CRF_prev (not CRF_r) because stake earns this round's fees as it stood before this round's reward.
    function addFees(Data storage self, uint256 _prevRewardFactor, uint256 _prevFeeFactor, uint256 _delegatorsFees)
        internal
    {
        if (self.cumulativeFeeFactor == 0) self.cumulativeFeeFactor = _prevFeeFactor;
        self.cumulativeFeeFactor += PreciseMathUtils.percOf(
            rewardFactorOrOne(_prevRewardFactor),
            _delegatorsFees,
            self.totalStake
        );
    }

    /// Stake and fees of a delegator whose `_stake` was last settled at the start factors:
    ///   stake' = stake × CRF_end / CRF_start
    ///   fees'  = fees + stake × (CFF_end − CFF_start) / CRF_start
    /// Both round down, so claims never exceed what was credited.
    function delegatorEarnings(
        uint256 _stake,
        uint256 _fees,
        uint256 _startRewardFactor,
        uint256 _startFeeFactor,
        uint256 _endRewardFactor,
        uint256 _endFeeFactor
    ) internal pure returns (uint256 stake, uint256 fees) {
        uint256 start = rewardFactorOrOne(_startRewardFactor);
        fees = _fees + PreciseMathUtils.percOf(_stake, _endFeeFactor - _startFeeFactor, start);
        stake = PreciseMathUtils.percOf(_stake, rewardFactorOrOne(_endRewardFactor), start);
    }
}
