// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../Manager.sol";
import "../interfaces/IBondingManager.sol";
import "../interfaces/IMinter.sol";
import "../interfaces/IRoundsManager.sol";

/// What every part of TicketBroker shares: the two owner-set parameters, the lookups of the
/// contracts it talks to (resolved through the Controller on every call, so re-registering a
/// contract takes effect at once) and the round-initialised guard.
abstract contract BrokerBase is Manager {
    /// Not behind a proxy here (contracts.md §10.2): the id is the contract's own registry name.
    bytes32 public constant targetContractId = keccak256("TicketBroker");

    /// Rounds between `unlock()` and the round from which `withdraw()` is allowed.
    uint256 public unlockPeriod;

    /// Rounds a ticket stays redeemable after its creation round.
    uint256 public ticketValidityPeriod;

    modifier currentRoundInitialized() {
        require(_roundsManager().currentRoundInitialized(), "current round is not initialized");
        _;
    }

    constructor(address _controller) Manager(_controller) {}

    function setUnlockPeriod(uint256 _unlockPeriod) external onlyControllerOwner {
        unlockPeriod = _unlockPeriod;
        emit ParameterUpdate("unlockPeriod");
    }

    function setTicketValidityPeriod(uint256 _ticketValidityPeriod) external onlyControllerOwner {
        require(_ticketValidityPeriod > 0, "ticketValidityPeriod must be greater than 0");
        ticketValidityPeriod = _ticketValidityPeriod;
        emit ParameterUpdate("ticketValidityPeriod");
    }

    function _bondingManager() internal view returns (IBondingManager) {
        return IBondingManager(_contract("BondingManager"));
    }

    function _minter() internal view returns (IMinter) {
        return IMinter(_contract("Minter"));
    }

    function _roundsManager() internal view returns (IRoundsManager) {
        return IRoundsManager(_contract("RoundsManager"));
    }

    function _currentRound() internal view returns (uint256) {
        return _roundsManager().currentRound();
    }
}
