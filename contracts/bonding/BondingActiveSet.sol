// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./BondingState.sol";

/// Changes to delegated stake and to the transcoder pool (next round's active set).
///
/// The pool key of a member is always its `delegatedAmount`, and `nextRoundTotalActiveStake` is
/// always the sum of the keys. The current round's set is frozen: joins, evictions and
/// resignations take effect at current+1 through activationRound / deactivationRound.
abstract contract BondingActiveSet is BondingState {
    using TranscoderPool for TranscoderPool.Data;

    /// Adds `_amount` to what is delegated to `_delegate`; a registered delegate outside the pool
    /// tries to join it.
    function _increaseTotalStake(
        address _delegate,
        uint256 _amount,
        address _newPosPrev,
        address _newPosNext,
        uint256 _round
    ) internal {
        Delegator storage d = delegators[_delegate];
        uint256 newStake = d.delegatedAmount + _amount;
        if (transcoderPool.contains(_delegate)) {
            transcoderPool.updateKey(_delegate, newStake, _newPosPrev, _newPosNext);
            nextRoundTotalActiveStake += _amount;
        } else if (isRegisteredTranscoder(_delegate)) {
            _tryToJoinActiveSet(_delegate, newStake, _round, _newPosPrev, _newPosNext);
        }
        _setNextRoundStake(transcoders[_delegate], newStake, _round);
        d.delegatedAmount = newStake;
    }

    function _decreaseTotalStake(
        address _delegate,
        uint256 _amount,
        address _newPosPrev,
        address _newPosNext,
        uint256 _round
    ) internal {
        Delegator storage d = delegators[_delegate];
        uint256 newStake = d.delegatedAmount - _amount;
        if (transcoderPool.contains(_delegate)) {
            transcoderPool.updateKey(_delegate, newStake, _newPosPrev, _newPosNext);
            nextRoundTotalActiveStake -= _amount;
        }
        _setNextRoundStake(transcoders[_delegate], newStake, _round);
        d.delegatedAmount = newStake;
    }

    /// Joins the pool for next round if there is room, or if `_stake` is strictly greater than the
    /// smallest member's, which is then evicted.
    function _tryToJoinActiveSet(
        address _transcoder,
        uint256 _stake,
        uint256 _round,
        address _newPosPrev,
        address _newPosNext
    ) internal {
        uint256 activationRound = _round + 1;
        if (transcoderPool.isFull()) {
            address smallest = transcoderPool.tail;
            if (smallest == address(0)) return; // a pool of maximum size 0 admits nobody
            uint256 smallestStake = transcoderPool.getKey(smallest);
            if (_stake <= smallestStake) return;
            transcoderPool.remove(smallest);
            nextRoundTotalActiveStake -= smallestStake;
            transcoders[smallest].deactivationRound = activationRound;
            emit TranscoderDeactivated(smallest, activationRound);
        }

        transcoderPool.insert(_transcoder, _stake, _newPosPrev, _newPosNext);
        nextRoundTotalActiveStake += _stake;
        Transcoder storage t = transcoders[_transcoder];
        t.activationRound = activationRound;
        t.deactivationRound = MAX_FUTURE_ROUND;
        _setNextRoundStake(t, _stake, _round);
        emit TranscoderActivated(_transcoder, activationRound);
    }

    /// Leaves the pool; still active until the end of `_round`.
    function _resignTranscoder(address _transcoder, uint256 _round) internal {
        uint256 stake = transcoderPool.getKey(_transcoder);
        transcoderPool.remove(_transcoder);
        nextRoundTotalActiveStake -= stake;
        uint256 deactivationRound = _round + 1;
        transcoders[_transcoder].deactivationRound = deactivationRound;
        emit TranscoderDeactivated(_transcoder, deactivationRound);
    }

    /// Writes next round's pool stake snapshot. The current round's is filled in first if it was
    /// never written, so this round's rewards and fees keep using the stake the round started with.
    ///
    /// Done on every stake change of any delegate, pool member or not. The deployed contract only
    /// does it for members, so a registered transcoder outside the pool (evicted, or never in)
    /// keeps a stale snapshot, and fees credited to it are shared over the wrong total: its
    /// delegators can then claim more than was credited, or less. Here the snapshot always
    /// equals the stake the round started with.
    function _setNextRoundStake(
        Transcoder storage _t,
        uint256 _stake,
        uint256 _round
    ) private {
        _fillStakeSnapshot(_t, _round);
        uint256 nextRound = _round + 1;
        _t.earningsPoolPerRound[nextRound].totalStake = _stake;
        _t.lastActiveStakeUpdateRound = nextRound;
    }

    /// Copies the latest written pool stake into `_round` if `_round`'s was never written.
    function _fillStakeSnapshot(Transcoder storage _t, uint256 _round) internal {
        uint256 lastUpdate = _t.lastActiveStakeUpdateRound;
        if (lastUpdate < _round) {
            _t.earningsPoolPerRound[_round].totalStake = _t.earningsPoolPerRound[lastUpdate].totalStake;
        }
    }
}
