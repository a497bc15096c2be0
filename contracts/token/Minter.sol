// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../Manager.sol";
import "../interfaces/IMinter.sol";
import "../interfaces/ILivepeerToken.sol";
import "../interfaces/IBondingManager.sol";
import "../libraries/MinterMath.sol";

/// Holds every protocol asset: all bonded LPT and all ETH of ticket senders and fee earners.
/// Each round it adjusts inflation toward the target bonding rate and sets how much LPT the
/// round's reward calls may mint. Percentages here are out of 1e9 (MinterMath).
contract Minter is Manager, IMinter {
    uint256 public inflation;
    uint256 public inflationChange;
    uint256 public targetBondingRate;
    uint256 public override currentMintableTokens;
    uint256 public override currentMintedTokens;

    modifier onlyBondingManager() {
        require(msg.sender == _contract("BondingManager"), "caller must be BondingManager");
        _;
    }

    modifier onlyRoundsManager() {
        require(msg.sender == _contract("RoundsManager"), "caller must be RoundsManager");
        _;
    }

    modifier onlyBondingManagerOrJobsManager() {
        require(
            msg.sender == _contract("BondingManager") || msg.sender == _contract("JobsManager"),
            "caller must be BondingManager or JobsManager"
        );
        _;
    }

    modifier onlyMinterOrJobsManager() {
        require(
            msg.sender == _contract("Minter") || msg.sender == _contract("JobsManager"),
            "caller must be Minter or JobsManager"
        );
        _;
    }

    constructor(
        address _controller,
        uint256 _inflation,
        uint256 _inflationChange,
        uint256 _targetBondingRate
    ) Manager(_controller) {
        require(MinterMath.validPerc(_inflation), "_inflation is invalid percentage");
        require(MinterMath.validPerc(_inflationChange), "_inflationChange is invalid percentage");
        require(MinterMath.validPerc(_targetBondingRate), "_targetBondingRate is invalid percentage");
        inflation = _inflation;
        inflationChange = _inflationChange;
        targetBondingRate = _targetBondingRate;
    }

    function setTargetBondingRate(uint256 _targetBondingRate) external onlyControllerOwner {
        require(MinterMath.validPerc(_targetBondingRate), "_targetBondingRate is invalid percentage");
        targetBondingRate = _targetBondingRate;
        emit ParameterUpdate("targetBondingRate");
    }

    function setInflationChange(uint256 _inflationChange) external onlyControllerOwner {
        require(MinterMath.validPerc(_inflationChange), "_inflationChange is invalid percentage");
        inflationChange = _inflationChange;
        emit ParameterUpdate("inflationChange");
    }

    /// Moves every LPT and wei held here to `_newMinter` (same Controller), while the system is paused.
    /// The owner then registers the new Minter under "Minter".
    function migrateToNewMinter(IMinter _newMinter) external onlyControllerOwner whenSystemPaused {
        require(address(_newMinter) != address(this), "new Minter cannot be current Minter");
        require(address(_newMinter) != address(0), "new Minter cannot be null address");
        require(address(Manager(address(_newMinter)).controller()) == address(controller), "new Minter Controller must be current Controller");
        ILivepeerToken token = _token();
        token.transfer(address(_newMinter), token.balanceOf(address(this)));
        _newMinter.depositETH{ value: address(this).balance }();
    }

    /// Mints `currentMintableTokens × (_fracNum/_fracDenom)` (ratio rounded to 1e9) to this contract.
    function createReward(uint256 _fracNum, uint256 _fracDenom)
        external
        override
        onlyBondingManager
        whenSystemNotPaused
        returns (uint256)
    {
        uint256 mintAmount = MinterMath.percOf(currentMintableTokens, _fracNum, _fracDenom);
        require(currentMintedTokens + mintAmount <= currentMintableTokens, "count of minted tokens would exceed mintable");
        currentMintedTokens += mintAmount;
        _token().mint(address(this), mintAmount);
        return mintAmount;
    }

    function trustedTransferTokens(address _to, uint256 _amount) external override onlyBondingManager whenSystemNotPaused {
        _token().transfer(_to, _amount);
    }

    function trustedBurnTokens(uint256 _amount) external override onlyBondingManager whenSystemNotPaused {
        _token().burn(_amount);
    }

    /// Uses `transfer` (2300-gas stipend), as the deployed Minter does.
    function trustedWithdrawETH(address payable _to, uint256 _amount)
        external
        override
        onlyBondingManagerOrJobsManager
        whenSystemNotPaused
    {
        _to.transfer(_amount);
    }

    function depositETH() external payable override onlyMinterOrJobsManager returns (bool) {
        return true;
    }

    /// Once per round, from RoundsManager.initializeRound: inflation first, then this round's mintable.
    function setCurrentRewardTokens() external override onlyRoundsManager whenSystemNotPaused {
        _setInflation();
        currentMintableTokens = MinterMath.percOf(getGlobalTotalSupply(), inflation);
        currentMintedTokens = 0;
        emit SetCurrentRewardTokens(currentMintableTokens, inflation);
    }

    function getController() external view returns (IController) {
        return controller;
    }

    /// No L1 supply cache in this deployment: the global supply is the token's total supply.
    function getGlobalTotalSupply() public view override returns (uint256) {
        return _token().totalSupply();
    }

    function _setInflation() private {
        uint256 supply = getGlobalTotalSupply();
        uint256 bondingRate = 0;
        if (supply > 0) {
            bondingRate = MinterMath.percPoints(IBondingManager(_contract("BondingManager")).getTotalBonded(), supply);
        }
        if (bondingRate < targetBondingRate) {
            inflation += inflationChange;
        } else if (bondingRate > targetBondingRate) {
            inflation = inflationChange > inflation ? 0 : inflation - inflationChange;
        }
    }

    function _token() private view returns (ILivepeerToken) {
        return ILivepeerToken(_contract("LivepeerToken"));
    }
}
