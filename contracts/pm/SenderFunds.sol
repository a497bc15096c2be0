// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./SenderReserve.sol";

/// A sender's escrow: the deposit (pays winning tickets first), the reserve (SenderReserve), and
/// the unlock → withdraw lifecycle. The ETH itself is held by the Minter: funding forwards it with
/// `depositETH`, withdrawal asks for it back with `trustedWithdrawETH` (we are "JobsManager").
abstract contract SenderFunds is SenderReserve {
    struct Sender {
        uint256 deposit;
        uint256 withdrawRound; // 0 = no unlock in progress
    }

    mapping(address => Sender) internal senders;

    event DepositFunded(address indexed sender, uint256 amount);
    event Unlock(address indexed sender, uint256 startRound, uint256 endRound);
    event UnlockCancelled(address indexed sender);
    event Withdrawal(address indexed sender, uint256 deposit, uint256 reserve);

    function fundDeposit() external payable whenSystemNotPaused {
        _addDeposit(msg.sender, msg.value);
        _forwardToMinter(msg.value);
    }

    function fundReserve() external payable whenSystemNotPaused {
        _addReserveFunds(msg.sender, msg.value);
        _forwardToMinter(msg.value);
    }

    function fundDepositAndReserve(uint256 _depositAmount, uint256 _reserveAmount) external payable {
        fundDepositAndReserveFor(msg.sender, _depositAmount, _reserveAmount);
    }

    /// Funds any address. Only the address's own funding cancels its unlock: a third party must not
    /// be able to trap a sender's funds by restarting its unlock period (pm.md §7, fixed upstream 2023).
    function fundDepositAndReserveFor(address _addr, uint256 _depositAmount, uint256 _reserveAmount)
        public
        payable
        whenSystemNotPaused
    {
        require(
            msg.value == _depositAmount + _reserveAmount,
            "msg.value does not equal sum of deposit amount and reserve amount"
        );
        _addDeposit(_addr, _depositAmount);
        _addReserveFunds(_addr, _reserveAmount);
        _forwardToMinter(msg.value);
    }

    /// Starts the unlock period: funds can be withdrawn from round `current + unlockPeriod` on, and
    /// tickets stop being redeemable from that same round.
    function unlock() external whenSystemNotPaused {
        Sender storage sender = senders[msg.sender];
        require(sender.deposit > 0 || reserves[msg.sender].funds > 0, "sender deposit and reserve are zero");
        require(sender.withdrawRound == 0, "unlock already initiated");
        uint256 round = _currentRound();
        sender.withdrawRound = round + unlockPeriod;
        emit Unlock(msg.sender, round, sender.withdrawRound);
    }

    function cancelUnlock() external whenSystemNotPaused {
        require(senders[msg.sender].withdrawRound > 0, "no unlock request in progress");
        _cancelUnlock(msg.sender);
    }

    /// Pays back the whole deposit and reserve once the unlock period is over.
    function withdraw() external whenSystemNotPaused {
        Sender storage sender = senders[msg.sender];
        uint256 deposit = sender.deposit;
        uint256 reserve = reserves[msg.sender].funds;
        require(deposit > 0 || reserve > 0, "sender deposit and reserve are zero");
        require(sender.withdrawRound > 0, "no unlock request in progress");
        require(!_isLocked(sender), "account is locked");
        sender.deposit = 0;
        _clearReserve(msg.sender);
        _minter().trustedWithdrawETH(payable(msg.sender), deposit + reserve);
        emit Withdrawal(msg.sender, deposit, reserve);
    }

    function getSenderInfo(address _sender) external view returns (Sender memory sender, ReserveInfo memory reserve) {
        sender = senders[_sender];
        reserve = getReserveInfo(_sender);
    }

    function isUnlockInProgress(address _sender) external view returns (bool) {
        return senders[_sender].withdrawRound > 0;
    }

    /// Locked = no unlock requested, or the withdraw round not reached yet. Tickets are redeemable
    /// only against locked senders.
    function _isLocked(Sender storage _sender) internal view returns (bool) {
        return _sender.withdrawRound == 0 || _currentRound() < _sender.withdrawRound;
    }

    function _addDeposit(address _addr, uint256 _amount) private {
        Sender storage sender = senders[_addr];
        sender.deposit += _amount;
        if (msg.sender == _addr && sender.withdrawRound > 0) _cancelUnlock(_addr);
        emit DepositFunded(_addr, _amount);
    }

    function _addReserveFunds(address _addr, uint256 _amount) private {
        if (msg.sender == _addr && senders[_addr].withdrawRound > 0) _cancelUnlock(_addr);
        _addReserve(_addr, _amount);
    }

    function _cancelUnlock(address _addr) private {
        senders[_addr].withdrawRound = 0;
        emit UnlockCancelled(_addr);
    }

    function _forwardToMinter(uint256 _amount) private {
        _minter().depositETH{value: _amount}();
    }
}
