// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./Manager.sol";

/// Where each orchestrator can be reached. Deliberately unrestricted (no pause, no registration
/// check): anyone writes their own record, as on the deployed contract. A second instance of the
/// same code stands in for the AI service registry.
contract ServiceRegistry is Manager {
    struct Record {
        string serviceURI;
    }

    event ServiceURIUpdate(address indexed addr, string serviceURI);

    mapping(address => Record) private records;

    constructor(address _controller) Manager(_controller) {}

    /// No proxies here: the contract reports its own registry id.
    function targetContractId() external pure returns (bytes32) {
        return keccak256("ServiceRegistry");
    }

    function setServiceURI(string calldata _serviceURI) external {
        records[msg.sender].serviceURI = _serviceURI;
        emit ServiceURIUpdate(msg.sender, _serviceURI);
    }

    function getServiceURI(address _addr) external view returns (string memory) {
        return records[_addr].serviceURI;
    }
}
