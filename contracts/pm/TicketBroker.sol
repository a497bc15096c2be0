// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./TicketValidation.sol";

/// Probabilistic-micropayment settlement: senders escrow ETH (deposit + reserve, held by the
/// Minter), recipients redeem winning tickets, and the paid amount is credited to the recipient's
/// earnings pool in BondingManager (the ETH stays in the Minter until `withdrawFees`).
/// Registered in the Controller as both "TicketBroker" and "JobsManager".
/// ABI-compatible with the deployed TicketBroker (test/fixtures/abi/ticketBroker.json).
contract TicketBroker is TicketValidation {
    event WinningTicketRedeemed(
        address indexed sender,
        address indexed recipient,
        uint256 faceValue,
        uint256 winProb,
        uint256 senderNonce,
        uint256 recipientRand,
        bytes auxData
    );
    event WinningTicketTransfer(address indexed sender, address indexed recipient, uint256 amount);

    constructor(address _controller) BrokerBase(_controller) {}

    /// Pays a winning ticket: from the sender's deposit first, then from the recipient's share of
    /// the sender's reserve. Anyone may submit it; only the recipient is paid. The ticket is marked
    /// used even when the payout is partial or zero (e.g. an inactive recipient and no deposit).
    function redeemWinningTicket(Ticket memory _ticket, bytes memory _sig, uint256 _recipientRand)
        public
        whenSystemNotPaused
        currentRoundInitialized
    {
        bytes32 ticketHash = getTicketHash(_ticket);
        _requireValidWinningTicket(_ticket, ticketHash, _sig, _recipientRand);

        Sender storage sender = senders[_ticket.sender];
        require(_isLocked(sender), "sender is unlocked");
        require(sender.deposit > 0 || reserves[_ticket.sender].funds > 0, "sender deposit and reserve are zero");

        usedTickets[ticketHash] = true;
        _payRecipient(_ticket, sender);

        emit WinningTicketRedeemed(
            _ticket.sender,
            _ticket.recipient,
            _ticket.faceValue,
            _ticket.winProb,
            _ticket.senderNonce,
            _recipientRand,
            _ticket.auxData
        );
    }

    /// Redeems each ticket in its own call; a ticket that fails is skipped without undoing the
    /// others. Array lengths are not checked against each other (a shorter `_sigs` or
    /// `_recipientRands` reverts the whole batch with an index panic), as in the reference.
    function batchRedeemWinningTickets(
        Ticket[] memory _tickets,
        bytes[] memory _sigs,
        uint256[] memory _recipientRands
    ) external whenSystemNotPaused currentRoundInitialized {
        for (uint256 i = 0; i < _tickets.length; i++) {
            bytes memory data = abi.encodeWithSelector(
                this.redeemWinningTicket.selector,
                _tickets[i],
                _sigs[i],
                _recipientRands[i]
            );
            uint256 gasBefore = gasleft();
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = address(this).call(data);
            // Deviation from the reference, which swallows every failure: an inner call that ran
            // out of gas leaves at most 1/64 of the gas behind (EIP-150). Swallowing that would let
            // eth_estimateGas settle on a limit at which the last tickets are silently skipped, so
            // an out-of-gas failure reverts the whole batch instead. Other failures are skipped.
            if (!ok && gasleft() <= gasBefore / 64) revert("batchRedeemWinningTickets: out of gas");
        }
    }

    function _payRecipient(Ticket memory _ticket, Sender storage _sender) private {
        uint256 deposit = _sender.deposit;
        uint256 amount;
        if (_ticket.faceValue > deposit) {
            amount = deposit + _claimFromReserve(_ticket.sender, _ticket.recipient, _ticket.faceValue - deposit);
            _sender.deposit = 0;
        } else {
            amount = _ticket.faceValue;
            _sender.deposit = deposit - _ticket.faceValue;
        }
        if (amount == 0) return;
        (uint256 creationRound, ) = _creationRoundAndBlockHash(_ticket.auxData);
        // BondingManager credits the current round whatever round is passed (LIP-36); it reverts
        // "transcoder must be registered" for a recipient that is not a transcoder.
        _bondingManager().updateTranscoderWithFees(_ticket.recipient, amount, creationRound);
        emit WinningTicketTransfer(_ticket.sender, _ticket.recipient, amount);
    }
}
