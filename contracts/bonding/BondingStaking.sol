// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./BondingEarnings.sol";

/// Staking entry points: bond (for oneself or, with limits, for someone else), unbond into
/// unbonding locks, rebond them, and transfer part of a bond to another address.
/// Every one settles the delegator's earnings first (at most once per round).
abstract contract BondingStaking is BondingEarnings {
    using TranscoderPool for TranscoderPool.Data;

    function bond(uint256 _amount, address _to) external {
        bondForWithHint(_amount, msg.sender, _to, address(0), address(0), address(0), address(0));
    }

    function bondWithHint(
        uint256 _amount,
        address _to,
        address _oldDelegateNewPosPrev,
        address _oldDelegateNewPosNext,
        address _currDelegateNewPosPrev,
        address _currDelegateNewPosNext
    ) external {
        bondForWithHint(
            _amount,
            msg.sender,
            _to,
            _oldDelegateNewPosPrev,
            _oldDelegateNewPosNext,
            _currDelegateNewPosPrev,
            _currDelegateNewPosNext
        );
    }

    /// Bonds `_amount` LPT from the caller for `_owner`, delegated to `_to`. Changing delegate
    /// moves the owner's whole existing bond. A third party may add stake only: it cannot
    /// delegate an unbonded owner to itself nor change the owner's delegate.
    function bondForWithHint(
        uint256 _amount,
        address _owner,
        address _to,
        address _oldDelegateNewPosPrev,
        address _oldDelegateNewPosNext,
        address _currDelegateNewPosPrev,
        address _currDelegateNewPosNext
    ) public whenSystemNotPaused currentRoundInitialized {
        require(_owner != address(0), "INVALID_DELEGATOR");
        // A null delegate would leave the bond outside every pool and claim.
        require(_to != address(0), "INVALID_DELEGATE");
        uint256 round = _currentRound();
        _authorizeClaimEarnings(_owner, round);
        _claimEarnings(_owner, round);

        Delegator storage del = delegators[_owner];
        address oldDelegate = del.delegateAddress;
        uint256 moved = _leaveOldDelegate(
            del,
            _owner,
            _to,
            round,
            _oldDelegateNewPosPrev,
            _oldDelegateNewPosNext
        );
        uint256 delegationAmount = _amount + moved;
        require(delegationAmount > 0, "delegation amount must be greater than 0");

        del.delegateAddress = _to;
        del.bondedAmount += _amount;
        _initFactors(transcoders[_to], round);
        _increaseTotalStake(_to, delegationAmount, _currDelegateNewPosPrev, _currDelegateNewPosNext, round);
        if (_amount > 0) _token().transferFrom(msg.sender, address(_minter()), _amount);
        emit Bond(_to, oldDelegate, _owner, _amount, del.bondedAmount);
    }

    /// Checks who may (re)delegate `_owner`, sets its start round, and when the delegate changes
    /// takes the existing bond off the old delegate. Returns the stake that moves with it.
    function _leaveOldDelegate(
        Delegator storage _del,
        address _owner,
        address _to,
        uint256 _round,
        address _newPosPrev,
        address _newPosNext
    ) private returns (uint256 moved) {
        DelegatorStatus status = _delegatorStatus(_del, _round);
        address current = _del.delegateAddress;
        if (msg.sender != _owner) {
            if (status == DelegatorStatus.Unbonded) require(_to != _owner, "INVALID_DELEGATE");
            else require(current == _to, "INVALID_DELEGATE_CHANGE");
        }
        if (status == DelegatorStatus.Unbonded) {
            _del.startRound = _round + 1;
        } else if (current != _to) {
            require(!isRegisteredTranscoder(_owner), "registered transcoders can't delegate towards other addresses");
            _del.startRound = _round + 1;
            moved = _del.bondedAmount;
            _decreaseTotalStake(current, moved, _newPosPrev, _newPosNext, _round);
        }
    }

    function unbond(uint256 _amount) external {
        unbondWithHint(_amount, address(0), address(0));
    }

    /// Moves `_amount` of the caller's bond into a new unbonding lock, withdrawable after
    /// `unbondingPeriod` rounds. A full unbond clears the delegate and resigns a pool member.
    function unbondWithHint(
        uint256 _amount,
        address _newPosPrev,
        address _newPosNext
    ) public whenSystemNotPaused currentRoundInitialized {
        uint256 round = _currentRound();
        _claimEarnings(msg.sender, round);
        _unbond(msg.sender, _amount, _newPosPrev, _newPosNext, round);
    }

    function _unbond(
        address _delegator,
        uint256 _amount,
        address _newPosPrev,
        address _newPosNext,
        uint256 _round
    ) private returns (uint256 lockId) {
        Delegator storage del = delegators[_delegator];
        require(_delegatorStatus(del, _round) == DelegatorStatus.Bonded, "caller must be bonded");
        require(_amount > 0, "unbond amount must be greater than 0");
        require(_amount <= del.bondedAmount, "amount is greater than bonded amount");

        address delegate = del.delegateAddress;
        uint256 withdrawRound = _round + unbondingPeriod;
        lockId = del.nextUnbondingLockId++;
        del.unbondingLocks[lockId] = UnbondingLock({amount: _amount, withdrawRound: withdrawRound});
        del.bondedAmount -= _amount;

        if (del.bondedAmount == 0) {
            del.delegateAddress = address(0);
            del.startRound = 0;
            if (transcoderPool.contains(_delegator)) _resignTranscoder(_delegator, _round);
        }
        // After a resignation this only lowers delegatedAmount.
        _decreaseTotalStake(delegate, _amount, _newPosPrev, _newPosNext, _round);
        emit Unbond(delegate, _delegator, lockId, _amount, withdrawRound);
    }

    function rebond(uint256 _unbondingLockId) external {
        rebondWithHint(_unbondingLockId, address(0), address(0));
    }

    /// Puts an unbonding lock's stake back on the caller's current delegate.
    function rebondWithHint(
        uint256 _unbondingLockId,
        address _newPosPrev,
        address _newPosNext
    ) public whenSystemNotPaused currentRoundInitialized {
        uint256 round = _currentRound();
        _claimEarnings(msg.sender, round);
        require(_delegatorStatus(delegators[msg.sender], round) != DelegatorStatus.Unbonded, "caller must be bonded");
        _rebond(msg.sender, _unbondingLockId, _newPosPrev, _newPosNext, round);
    }

    function rebondFromUnbonded(address _to, uint256 _unbondingLockId) external {
        rebondFromUnbondedWithHint(_to, _unbondingLockId, address(0), address(0));
    }

    /// Rebonds a lock of an unbonded caller, delegating to `_to` from next round.
    function rebondFromUnbondedWithHint(
        address _to,
        uint256 _unbondingLockId,
        address _newPosPrev,
        address _newPosNext
    ) public whenSystemNotPaused currentRoundInitialized {
        require(_to != address(0), "INVALID_DELEGATE");
        uint256 round = _currentRound();
        _claimEarnings(msg.sender, round);
        Delegator storage del = delegators[msg.sender];
        require(_delegatorStatus(del, round) == DelegatorStatus.Unbonded, "caller must be unbonded");
        del.startRound = round + 1;
        del.delegateAddress = _to;
        _rebond(msg.sender, _unbondingLockId, _newPosPrev, _newPosNext, round);
    }

    function _rebond(
        address _delegator,
        uint256 _unbondingLockId,
        address _newPosPrev,
        address _newPosNext,
        uint256 _round
    ) private {
        Delegator storage del = delegators[_delegator];
        require(isValidUnbondingLock(_delegator, _unbondingLockId), "invalid unbonding lock ID");
        uint256 amount = del.unbondingLocks[_unbondingLockId].amount;
        delete del.unbondingLocks[_unbondingLockId];

        address delegate = del.delegateAddress;
        del.bondedAmount += amount;
        _initFactors(transcoders[delegate], _round);
        _increaseTotalStake(delegate, amount, _newPosPrev, _newPosNext, _round);
        emit Rebond(delegate, _delegator, _unbondingLockId, amount);
    }

    /// Moves `_amount` of the caller's bond to `_delegator`, on `_delegator`'s own delegate if it
    /// has one, else on the caller's delegate (never making `_delegator` self-delegated).
    function transferBond(
        address _delegator,
        uint256 _amount,
        address _oldDelegateNewPosPrev,
        address _oldDelegateNewPosNext,
        address _newDelegateNewPosPrev,
        address _newDelegateNewPosNext
    ) external whenSystemNotPaused currentRoundInitialized {
        require(_delegator != address(0), "INVALID_DELEGATOR");
        uint256 round = _currentRound();
        (uint256 oldLockId, uint256 withdrawRound, address oldDelegate) = _takeBondForTransfer(
            _amount,
            _oldDelegateNewPosPrev,
            _oldDelegateNewPosNext,
            round
        );
        uint256 newLockId = _lockForReceiver(_delegator, _amount, withdrawRound, oldDelegate, round);
        _rebond(_delegator, newLockId, _newDelegateNewPosPrev, _newDelegateNewPosNext, round);
        emit TransferBond(msg.sender, _delegator, oldLockId, newLockId, _amount);
    }

    /// Unbonds `_amount` from the caller and drops the lock (its stake moves to the receiver).
    function _takeBondForTransfer(
        uint256 _amount,
        address _newPosPrev,
        address _newPosNext,
        uint256 _round
    )
        private
        returns (
            uint256 lockId,
            uint256 withdrawRound,
            address delegate
        )
    {
        _claimEarnings(msg.sender, _round);
        Delegator storage del = delegators[msg.sender];
        delegate = del.delegateAddress; // read first: a full unbond clears it
        lockId = _unbond(msg.sender, _amount, _newPosPrev, _newPosNext, _round);
        withdrawRound = del.unbondingLocks[lockId].withdrawRound;
        delete del.unbondingLocks[lockId];
    }

    /// Settles the receiver's earnings (under the third-party rule), gives an unbonded receiver the
    /// sender's delegate, and creates the receiver's lock to be rebonded.
    function _lockForReceiver(
        address _delegator,
        uint256 _amount,
        uint256 _withdrawRound,
        address _senderDelegate,
        uint256 _round
    ) private returns (uint256 lockId) {
        _authorizeClaimEarnings(_delegator, _round);
        _claimEarnings(_delegator, _round);
        Delegator storage del = delegators[_delegator];
        if (_delegatorStatus(del, _round) == DelegatorStatus.Unbonded) {
            // No forced self-delegation: that would make the receiver a transcoder.
            require(_senderDelegate != _delegator, "INVALID_DELEGATOR");
            del.delegateAddress = _senderDelegate;
            del.startRound = _round + 1;
        }
        lockId = del.nextUnbondingLockId++;
        del.unbondingLocks[lockId] = UnbondingLock({amount: _amount, withdrawRound: _withdrawRound});
    }
}
