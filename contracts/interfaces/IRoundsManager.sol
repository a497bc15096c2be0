// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// The part of RoundsManager that other protocol contracts call.
interface IRoundsManager {
    event NewRound(uint256 indexed round, bytes32 blockHash);

    function blockNum() external view returns (uint256);

    function blockHash(uint256 _block) external view returns (bytes32);

    function blockHashForRound(uint256 _round) external view returns (bytes32);

    function currentRound() external view returns (uint256);

    function currentRoundStartBlock() external view returns (uint256);

    function currentRoundInitialized() external view returns (bool);

    function currentRoundLocked() external view returns (bool);
}
