// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// Role-based permissions with the ABI and revert strings of OpenZeppelin 4.9 AccessControl
/// (the deployed LPT uses it): roles are bytes32 ids, each administered by an admin role.
abstract contract TokenAccessControl {
    bytes32 public constant DEFAULT_ADMIN_ROLE = 0x00;

    event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole);
    event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
    event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);

    struct RoleData {
        mapping(address => bool) members;
        bytes32 adminRole;
    }

    mapping(bytes32 => RoleData) private roles;

    modifier onlyRole(bytes32 role) {
        _checkRole(role, msg.sender);
        _;
    }

    function supportsInterface(bytes4 interfaceId) public pure virtual returns (bool) {
        // IAccessControl and IERC165
        return interfaceId == 0x7965db0b || interfaceId == 0x01ffc9a7;
    }

    function hasRole(bytes32 role, address account) public view returns (bool) {
        return roles[role].members[account];
    }

    function getRoleAdmin(bytes32 role) public view returns (bytes32) {
        return roles[role].adminRole;
    }

    function grantRole(bytes32 role, address account) external onlyRole(getRoleAdmin(role)) {
        _grantRole(role, account);
    }

    function revokeRole(bytes32 role, address account) external onlyRole(getRoleAdmin(role)) {
        _revokeRole(role, account);
    }

    function renounceRole(bytes32 role, address account) external {
        require(account == msg.sender, "AccessControl: can only renounce roles for self");
        _revokeRole(role, account);
    }

    function _grantRole(bytes32 role, address account) internal {
        if (!hasRole(role, account)) {
            roles[role].members[account] = true;
            emit RoleGranted(role, account, msg.sender);
        }
    }

    function _revokeRole(bytes32 role, address account) internal {
        if (hasRole(role, account)) {
            roles[role].members[account] = false;
            emit RoleRevoked(role, account, msg.sender);
        }
    }

    /// "AccessControl: account 0x… is missing role 0x…" (lower-case hex, as OpenZeppelin formats it).
    function _checkRole(bytes32 role, address account) internal view {
        if (!hasRole(role, account)) {
            revert(
                string(
                    abi.encodePacked(
                        "AccessControl: account ",
                        _hex(uint256(uint160(account)), 20),
                        " is missing role ",
                        _hex(uint256(role), 32)
                    )
                )
            );
        }
    }

    function _hex(uint256 value, uint256 length) private pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory buffer = new bytes(2 * length + 2);
        buffer[0] = "0";
        buffer[1] = "x";
        for (uint256 i = 2 * length + 1; i > 1; --i) {
            buffer[i] = digits[value & 0xf];
            value >>= 4;
        }
        return string(buffer);
    }
}
