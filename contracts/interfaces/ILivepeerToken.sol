// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// ERC-20 plus the mint/burn hooks the protocol uses (mint is gated by MINTER_ROLE, held by Minter).
interface ILivepeerToken {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function totalSupply() external view returns (uint256);

    function balanceOf(address _account) external view returns (uint256);

    function transfer(address _to, uint256 _amount) external returns (bool);

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool);

    function approve(address _spender, uint256 _amount) external returns (bool);

    function allowance(address _owner, address _spender) external view returns (uint256);

    function mint(address _to, uint256 _amount) external;

    function burn(uint256 _amount) external;
}
