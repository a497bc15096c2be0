// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./IController.sol";
import "./IManager.sol";

/// Registry of the protocol contracts by keccak256(name), the owner who may change it, and the
/// global pause switch every Manager reads. Starts paused: deployment ends with `unpause()`.
contract Controller is IController {
    struct ContractInfo {
        address contractAddress;
        bytes20 gitCommitHash;
    }

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event Pause();
    event Unpause();

    address public override owner;
    bool public override paused;
    mapping(bytes32 => ContractInfo) private registry;

    modifier onlyOwner() {
        require(msg.sender == owner, "caller must be owner");
        _;
    }

    modifier whenNotPaused() {
        require(!paused, "system is paused");
        _;
    }

    modifier whenPaused() {
        require(paused, "system is not paused");
        _;
    }

    constructor() {
        owner = msg.sender;
        paused = true;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// Registers (or overwrites, possibly with 0) the contract known as `_id`.
    function setContractInfo(bytes32 _id, address _contractAddress, bytes20 _gitCommitHash) external override onlyOwner {
        registry[_id] = ContractInfo(_contractAddress, _gitCommitHash);
        emit SetContractInfo(_id, _contractAddress, _gitCommitHash);
    }

    /// Points the registered contract `_id` at another Controller.
    function updateController(bytes32 _id, address _controller) external override onlyOwner {
        IManager(registry[_id].contractAddress).setController(_controller);
    }

    function getContractInfo(bytes32 _id) external view returns (address, bytes20) {
        ContractInfo storage info = registry[_id];
        return (info.contractAddress, info.gitCommitHash);
    }

    function getContract(bytes32 _id) external view override returns (address) {
        return registry[_id].contractAddress;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        require(newOwner != address(0), "new owner is the zero address");
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function pause() external onlyOwner whenNotPaused {
        paused = true;
        emit Pause();
    }

    function unpause() external onlyOwner whenPaused {
        paused = false;
        emit Unpause();
    }
}
