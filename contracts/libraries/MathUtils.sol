// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// Percentages out of 1e6 (rewardCut, feeShare, roundLockAmount).
/// `percOf(a, num, den)` goes through a rounded-down intermediate percentage, as the deployed
/// contracts do, so results match them to the wei (it is not exact a*num/den).
library MathUtils {
    uint256 internal constant PERC_DIVISOR = 1000000;

    function validPerc(uint256 _amount) internal pure returns (bool) {
        return _amount <= PERC_DIVISOR;
    }

    function percOf(uint256 _amount, uint256 _fracNum, uint256 _fracDenom) internal pure returns (uint256) {
        return (_amount * percPoints(_fracNum, _fracDenom)) / PERC_DIVISOR;
    }

    function percOf(uint256 _amount, uint256 _fracNum) internal pure returns (uint256) {
        return (_amount * _fracNum) / PERC_DIVISOR;
    }

    function percPoints(uint256 _fracNum, uint256 _fracDenom) internal pure returns (uint256) {
        return (_fracNum * PERC_DIVISOR) / _fracDenom;
    }
}
