// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./SenderFunds.sol";
import "./TicketSigRecovery.sol";

/// The ticket, its hash, and every check a winning ticket must pass before it is paid
/// (pm.md §1.3–§1.4, §2.4, §3.1, §7). The revert strings are matched by clients: keep them verbatim.
abstract contract TicketValidation is SenderFunds {
    struct Ticket {
        address recipient;
        address sender;
        uint256 faceValue;
        uint256 winProb; // numerator over 2^256 - 1
        uint256 senderNonce;
        bytes32 recipientRandHash;
        bytes auxData; // creationRound (uint256) ‖ creationRoundBlockHash (bytes32), exactly 64 bytes
    }

    /// Ticket hash => redeemed. Keyed by the hash, not the signature, so re-signing a ticket
    /// (another encoding of the same signature) cannot be redeemed twice.
    mapping(bytes32 => bool) public usedTickets;

    /// keccak256 of the 232 packed bytes recipient ‖ sender ‖ faceValue ‖ winProb ‖ senderNonce ‖
    /// recipientRandHash ‖ auxData, the same bytes src/pm and go-livepeer hash.
    function getTicketHash(Ticket memory _ticket) public pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                _ticket.recipient,
                _ticket.sender,
                _ticket.faceValue,
                _ticket.winProb,
                _ticket.senderNonce,
                _ticket.recipientRandHash,
                _ticket.auxData
            )
        );
    }

    /// Reverts with the reference reason unless `_ticket` is a valid, unused, winning ticket.
    /// Order matters (clients and tests see the first failing check): addresses, auxData, rand,
    /// replay, signature, win.
    function _requireValidWinningTicket(
        Ticket memory _ticket,
        bytes32 _ticketHash,
        bytes memory _sig,
        uint256 _recipientRand
    ) internal view {
        require(_ticket.recipient != address(0), "ticket recipient is null address");
        require(_ticket.sender != address(0), "ticket sender is null address");
        _requireValidAuxData(_ticket.auxData);
        require(
            keccak256(abi.encodePacked(_recipientRand)) == _ticket.recipientRandHash,
            "recipientRand does not match recipientRandHash"
        );
        require(!usedTickets[_ticketHash], "ticket is used");
        require(_isValidTicketSig(_ticket.sender, _sig, _ticketHash), "invalid signature over ticket hash");
        require(_isWinningTicket(_sig, _recipientRand, _ticket.winProb), "ticket did not win");
    }

    function _creationRoundAndBlockHash(bytes memory _auxData) internal pure returns (uint256, bytes32) {
        require(_auxData.length == 64, "invalid length for ticket auxData: must be 64 bytes");
        return abi.decode(_auxData, (uint256, bytes32));
    }

    /// The creation round must have a recorded block hash equal to the ticket's, and must be less
    /// than `ticketValidityPeriod` rounds old.
    function _requireValidAuxData(bytes memory _auxData) private view {
        (uint256 creationRound, bytes32 creationRoundBlockHash) = _creationRoundAndBlockHash(_auxData);
        IRoundsManager rounds = _roundsManager();
        bytes32 recorded = rounds.blockHashForRound(creationRound);
        require(recorded != bytes32(0), "ticket creationRound does not have a block hash");
        require(recorded == creationRoundBlockHash, "ticket creationRoundBlockHash invalid for creationRound");
        // No overflow possible here: a creation round with a recorded hash is a real round number.
        require(creationRound + ticketValidityPeriod > rounds.currentRound(), "ticket is expired");
    }

    /// Exactly 65 bytes (no EIP-2098 compact form: it would give a second lottery draw), low s,
    /// v of 27/28, signed by the sender over the EIP-191 digest of the ticket hash.
    function _isValidTicketSig(address _sender, bytes memory _sig, bytes32 _ticketHash) private pure returns (bool) {
        require(_sig.length == 65, "INVALID_SIGNATURE_LENGTH");
        address signer = TicketSigRecovery.recover(TicketSigRecovery.toEthSignedMessageHash(_ticketHash), _sig);
        return signer != address(0) && signer == _sender;
    }

    /// Wins iff uint256(keccak256(sig ‖ uint256(recipientRand))) < winProb (strict).
    function _isWinningTicket(bytes memory _sig, uint256 _recipientRand, uint256 _winProb) private pure returns (bool) {
        return uint256(keccak256(abi.encodePacked(_sig, _recipientRand))) < _winProb;
    }
}
