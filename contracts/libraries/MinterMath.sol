// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// Percentages out of 1e9: the Minter's inflation, inflationChange and targetBondingRate
/// (go-livepeer's `percDivisorMinter`). Kept apart from the 1e6 and 1e27 domains on purpose.
library MinterMath {
    uint256 internal constant PERC_DIVISOR = 1000000000;

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
