// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../Manager.sol";
import "../interfaces/IRoundsManager.sol";
import "../interfaces/IBondingManager.sol";
import "../interfaces/IMinter.sol";
import "../libraries/MathUtils.sol";

/// Protocol time: rounds of `roundLength` blocks. Each round must be initialised once
/// (`initializeRound`), which stores the previous block's hash for the round (tickets commit to it),
/// snapshots the active stake and sets the round's mintable tokens.
contract RoundsManager is Manager, IRoundsManager {
    uint256 public roundLength;
    /// Share of a round (out of 1e6) at its end during which transcoder parameters are locked.
    uint256 public roundLockAmount;
    uint256 public lastInitializedRound;
    /// Round numbering is anchored at the last `setRoundLength`, so changing the length never
    /// renumbers past or current rounds.
    uint256 public lastRoundLengthUpdateRound;
    uint256 public lastRoundLengthUpdateStartBlock;
    mapping(uint256 => bytes32) private _blockHashForRound;
    mapping(uint256 => uint256) public lipUpgradeRound;

    constructor(address _controller) Manager(_controller) {}

    function targetContractId() external pure returns (bytes32) {
        return keccak256("RoundsManager");
    }

    function setRoundLength(uint256 _roundLength) external onlyControllerOwner {
        require(_roundLength > 0, "round length cannot be 0");
        if (roundLength == 0) {
            // First call: there is no length to number rounds with yet, so set it before anchoring.
            roundLength = _roundLength;
            lastRoundLengthUpdateRound = currentRound();
            lastRoundLengthUpdateStartBlock = currentRoundStartBlock();
        } else {
            lastRoundLengthUpdateRound = currentRound();
            lastRoundLengthUpdateStartBlock = currentRoundStartBlock();
            roundLength = _roundLength;
        }
        emit ParameterUpdate("roundLength");
    }

    function setRoundLockAmount(uint256 _roundLockAmount) external onlyControllerOwner {
        require(MathUtils.validPerc(_roundLockAmount), "round lock amount must be a valid percentage");
        roundLockAmount = _roundLockAmount;
        emit ParameterUpdate("roundLockAmount");
    }

    /// Records the round in which a LIP took effect; each LIP can be set once.
    function setLIPUpgradeRound(uint256 _lip, uint256 _round) external onlyControllerOwner {
        require(lipUpgradeRound[_lip] == 0, "LIP upgrade round already set");
        lipUpgradeRound[_lip] = _round;
    }

    function initializeRound() external whenSystemNotPaused {
        uint256 round = currentRound();
        require(lastInitializedRound < round, "round already initialized");
        lastInitializedRound = round;
        bytes32 hash = _hashOfBlock(blockNum() - 1);
        _blockHashForRound[round] = hash;
        // Order matters: the stake snapshot feeds the Minter's bonding-rate computation.
        IBondingManager(_contract("BondingManager")).setCurrentRoundTotalActiveStake();
        IMinter(_contract("Minter")).setCurrentRewardTokens();
        emit NewRound(round, hash);
    }

    function blockNum() public view virtual override returns (uint256) {
        return block.number;
    }

    function blockHash(uint256 _block) public view virtual override returns (bytes32) {
        uint256 current = blockNum();
        require(_block < current, "can only retrieve past block hashes");
        require(current < 256 || _block >= current - 256, "can only retrieve hashes for last 256 blocks");
        return _hashOfBlock(_block);
    }

    /// Zero for rounds nobody initialised.
    function blockHashForRound(uint256 _round) external view override returns (bytes32) {
        return _blockHashForRound[_round];
    }

    function currentRound() public view override returns (uint256) {
        return lastRoundLengthUpdateRound + (blockNum() - lastRoundLengthUpdateStartBlock) / roundLength;
    }

    function currentRoundStartBlock() public view override returns (uint256) {
        uint256 sinceUpdate = blockNum() - lastRoundLengthUpdateStartBlock;
        return lastRoundLengthUpdateStartBlock + (sinceUpdate / roundLength) * roundLength;
    }

    function currentRoundInitialized() external view override returns (bool) {
        return lastInitializedRound == currentRound();
    }

    /// True during the last `roundLockAmount` share of the round.
    function currentRoundLocked() external view override returns (bool) {
        uint256 lockedBlocks = MathUtils.percOf(roundLength, roundLockAmount);
        return blockNum() - currentRoundStartBlock() >= roundLength - lockedBlocks;
    }

    function _hashOfBlock(uint256 _block) internal view virtual returns (bytes32) {
        return blockhash(_block);
    }
}
