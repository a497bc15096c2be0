// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// The part of Minter that other protocol contracts call. Minter holds all protocol ETH and LPT.
interface IMinter {
    event SetCurrentRewardTokens(uint256 currentMintableTokens, uint256 currentInflation);

    /// BondingManager only: mint `mintable × _fracNum / _fracDenom` LPT for a reward call.
    function createReward(uint256 _fracNum, uint256 _fracDenom) external returns (uint256);

    /// BondingManager only: send LPT held by the Minter.
    function trustedTransferTokens(address _to, uint256 _amount) external;

    /// BondingManager only.
    function trustedBurnTokens(uint256 _amount) external;

    /// BondingManager or JobsManager (TicketBroker): send ETH held by the Minter.
    function trustedWithdrawETH(address payable _to, uint256 _amount) external;

    /// Minter or JobsManager (TicketBroker): deposit ETH into the Minter.
    function depositETH() external payable returns (bool);

    /// RoundsManager only: adjust inflation and set this round's mintable tokens.
    function setCurrentRewardTokens() external;

    function currentMintableTokens() external view returns (uint256);

    function currentMintedTokens() external view returns (uint256);

    function getGlobalTotalSupply() external view returns (uint256);
}
