// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./RoundsManager.sol";

/// TEST ONLY: a RoundsManager whose block number and block hash are set by hand, so round logic can
/// be exercised without mining thousands of blocks. Never deploy it on a real network.
contract AdjustableRoundsManager is RoundsManager {
    uint256 private num;
    bytes32 private hash;

    constructor(address _controller) RoundsManager(_controller) {}

    function setBlockNum(uint256 _num) external onlyControllerOwner {
        num = _num;
    }

    function setBlockHash(bytes32 _hash) external onlyControllerOwner {
        hash = _hash;
    }

    function mineBlocks(uint256 _blocks) external onlyControllerOwner {
        num += _blocks;
    }

    function blockNum() public view override returns (uint256) {
        return num;
    }

    function _hashOfBlock(uint256) internal view override returns (bytes32) {
        return hash;
    }
}
