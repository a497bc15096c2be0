// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./IManager.sol";
import "./IController.sol";

/// Base of every protocol contract: knows the Controller, and through it the other contracts,
/// the owner (who may change parameters) and the global pause switch.
/// Not behind proxies in this implementation: `targetContractId` is kept for ABI completeness.
abstract contract Manager is IManager {
    IController public controller;

    modifier onlyController() {
        _onlyController();
        _;
    }

    modifier onlyControllerOwner() {
        _onlyControllerOwner();
        _;
    }

    modifier whenSystemNotPaused() {
        _whenSystemNotPaused();
        _;
    }

    modifier whenSystemPaused() {
        _whenSystemPaused();
        _;
    }

    constructor(address _controller) {
        controller = IController(_controller);
    }

    function setController(address _controller) external onlyController {
        controller = IController(_controller);
        emit SetController(_controller);
    }

    /// Address registered in the Controller under `_name` (0 when nothing is registered).
    function _contract(string memory _name) internal view returns (address) {
        return controller.getContract(keccak256(bytes(_name)));
    }

    function _onlyController() private view {
        require(msg.sender == address(controller), "caller must be Controller");
    }

    function _onlyControllerOwner() private view {
        require(msg.sender == controller.owner(), "caller must be Controller owner");
    }

    function _whenSystemNotPaused() private view {
        require(!controller.paused(), "system is paused");
    }

    function _whenSystemPaused() private view {
        require(controller.paused(), "system is not paused");
    }
}
