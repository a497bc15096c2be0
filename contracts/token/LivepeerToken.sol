// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "../interfaces/ILivepeerToken.sol";
import "./TokenAccessControl.sol";
import "./TokenPermit.sol";

/// LPT: an ERC-20 whose supply grows only through `mint` (MINTER_ROLE, held by the Minter) and
/// shrinks only through `burn`/`burnFrom` (BURNER_ROLE). Revert strings follow OpenZeppelin 4.9,
/// which the deployed L2 token is built on; failures revert (callers do not check return values).
contract LivepeerToken is ILivepeerToken, TokenAccessControl, TokenPermit {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");

    event Mint(address indexed to, uint256 amount);
    event Burn(address indexed burner, uint256 amount);

    uint256 public override totalSupply;
    mapping(address => uint256) public override balanceOf;
    mapping(address => mapping(address => uint256)) private allowances;

    constructor() TokenPermit("Livepeer Token", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }

    function name() external pure returns (string memory) {
        return "Livepeer Token";
    }

    function symbol() external pure returns (string memory) {
        return "LPT";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function allowance(address owner, address spender) external view override returns (uint256) {
        return allowances[owner][spender];
    }

    function transfer(address to, uint256 amount) external override returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external override returns (bool) {
        _spendAllowance(from, msg.sender, amount);
        _transfer(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external override returns (bool) {
        _approve(msg.sender, spender, amount);
        return true;
    }

    function increaseAllowance(address spender, uint256 addedValue) external returns (bool) {
        _approve(msg.sender, spender, allowances[msg.sender][spender] + addedValue);
        return true;
    }

    function decreaseAllowance(address spender, uint256 subtractedValue) external returns (bool) {
        uint256 current = allowances[msg.sender][spender];
        require(current >= subtractedValue, "ERC20: decreased allowance below zero");
        unchecked {
            _approve(msg.sender, spender, current - subtractedValue);
        }
        return true;
    }

    function mint(address _to, uint256 _amount) external override onlyRole(MINTER_ROLE) {
        require(_to != address(0), "ERC20: mint to the zero address");
        totalSupply += _amount;
        unchecked {
            balanceOf[_to] += _amount;
        }
        emit Transfer(address(0), _to, _amount);
        emit Mint(_to, _amount);
    }

    function burn(uint256 _amount) external override onlyRole(BURNER_ROLE) {
        _burn(msg.sender, _amount);
    }

    function burnFrom(address _from, uint256 _amount) external onlyRole(BURNER_ROLE) {
        _spendAllowance(_from, msg.sender, _amount);
        _burn(_from, _amount);
    }

    function supportsInterface(bytes4 interfaceId) public pure override returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    function _permitApprove(address owner, address spender, uint256 value) internal override {
        _approve(owner, spender, value);
    }

    function _transfer(address from, address to, uint256 amount) private {
        require(from != address(0), "ERC20: transfer from the zero address");
        require(to != address(0), "ERC20: transfer to the zero address");
        uint256 fromBalance = balanceOf[from];
        require(fromBalance >= amount, "ERC20: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = fromBalance - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }

    function _burn(address from, uint256 amount) private {
        require(from != address(0), "ERC20: burn from the zero address");
        uint256 fromBalance = balanceOf[from];
        require(fromBalance >= amount, "ERC20: burn amount exceeds balance");
        unchecked {
            balanceOf[from] = fromBalance - amount;
            totalSupply -= amount;
        }
        emit Transfer(from, address(0), amount);
        emit Burn(from, amount);
    }

    function _approve(address owner, address spender, uint256 amount) private {
        require(owner != address(0), "ERC20: approve from the zero address");
        require(spender != address(0), "ERC20: approve to the zero address");
        allowances[owner][spender] = amount;
        emit Approval(owner, spender, amount);
    }

    /// An allowance of 2^256-1 is infinite and never decreases.
    function _spendAllowance(address owner, address spender, uint256 amount) private {
        uint256 current = allowances[owner][spender];
        if (current != type(uint256).max) {
            require(current >= amount, "ERC20: insufficient allowance");
            unchecked {
                _approve(owner, spender, current - amount);
            }
        }
    }
}
