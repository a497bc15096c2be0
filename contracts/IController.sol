// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// Registry of protocol contracts by keccak256(name), plus the global pause switch.
interface IController {
    event SetContractInfo(bytes32 id, address contractAddress, bytes20 gitCommitHash);

    function owner() external view returns (address);

    function paused() external view returns (bool);

    function setContractInfo(bytes32 _id, address _contractAddress, bytes20 _gitCommitHash) external;

    function updateController(bytes32 _id, address _controller) external;

    function getContract(bytes32 _id) external view returns (address);
}
