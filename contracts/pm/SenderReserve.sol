// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./BrokerBase.sol";

/// A sender's reserve: a float that backs tickets once the deposit is spent. Every active
/// orchestrator may draw an equal share of it per round (pm.md §7 "Reserve rules"):
///   share = (fundsRemaining + claimedThisRound) / poolSize
/// Adding back what was already claimed this round keeps each share fixed for the whole round.
abstract contract SenderReserve is BrokerBase {
    struct ReserveInfo {
        uint256 fundsRemaining;
        uint256 claimedInCurrentRound;
    }

    struct Reserve {
        uint256 funds;
        mapping(uint256 => uint256) claimedForRound; // round => total claimed
        mapping(uint256 => mapping(address => uint256)) claimedByAddress; // round => claimant => claimed
    }

    mapping(address => Reserve) internal reserves;

    event ReserveFunded(address indexed reserveHolder, uint256 amount);
    event ReserveClaimed(address indexed reserveHolder, address claimant, uint256 amount);

    /// Remaining funds and the amount claimed from them in the current round.
    function getReserveInfo(address _reserveHolder) public view returns (ReserveInfo memory info) {
        Reserve storage reserve = reserves[_reserveHolder];
        info.fundsRemaining = reserve.funds;
        info.claimedInCurrentRound = reserve.claimedForRound[_currentRound()];
    }

    /// What `_claimant` may still draw from `_reserveHolder`'s reserve this round; 0 unless the
    /// claimant is an active orchestrator.
    function claimableReserve(address _reserveHolder, address _claimant) public view returns (uint256) {
        return _claimableReserve(reserves[_reserveHolder], _claimant, _currentRound());
    }

    /// What `_claimant` has drawn from `_reserveHolder`'s reserve this round.
    function claimedReserve(address _reserveHolder, address _claimant) public view returns (uint256) {
        return reserves[_reserveHolder].claimedByAddress[_currentRound()][_claimant];
    }

    function _addReserve(address _reserveHolder, uint256 _amount) internal {
        reserves[_reserveHolder].funds += _amount;
        emit ReserveFunded(_reserveHolder, _amount);
    }

    /// Draws up to `_amount` for `_claimant`; returns what was actually drawn (possibly 0).
    function _claimFromReserve(address _reserveHolder, address _claimant, uint256 _amount) internal returns (uint256) {
        Reserve storage reserve = reserves[_reserveHolder];
        uint256 round = _currentRound();
        uint256 claimable = _claimableReserve(reserve, _claimant, round);
        uint256 claimed = _amount < claimable ? _amount : claimable;
        if (claimed == 0) return 0;
        reserve.claimedForRound[round] += claimed;
        reserve.claimedByAddress[round][_claimant] += claimed;
        reserve.funds -= claimed;
        emit ReserveClaimed(_reserveHolder, _claimant, claimed);
        return claimed;
    }

    /// Empties the reserve on withdrawal. The per-round claim records may stay: redemption is
    /// refused from the withdraw round on, so they can never be read against new funds that round.
    function _clearReserve(address _reserveHolder) internal {
        reserves[_reserveHolder].funds = 0;
    }

    function _claimableReserve(Reserve storage _reserve, address _claimant, uint256 _round) private view returns (uint256) {
        IBondingManager bm = _bondingManager();
        if (!bm.isActiveTranscoder(_claimant)) return 0;
        uint256 poolSize = bm.getTranscoderPoolSize();
        if (poolSize == 0) return 0;
        uint256 share = (_reserve.funds + _reserve.claimedForRound[_round]) / poolSize;
        uint256 claimed = _reserve.claimedByAddress[_round][_claimant];
        // The reference contract subtracts with a checked `-`, so when the pool grows mid-round
        // after a claim the view (and any redemption needing the reserve) reverts
        // (contracts.md §9 "Reserve division by a changing pool size"). We return 0 instead:
        // the claimant has already drawn at least its current share.
        return share > claimed ? share - claimed : 0;
    }
}
