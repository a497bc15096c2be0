// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// EIP-2612 `permit` over an EIP-712 domain, with the ABI and revert strings of OpenZeppelin 4.9
/// ERC20Permit (signature checks reject high-s and malformed signatures instead of returning 0).
abstract contract TokenPermit {
    // Declared for ABI parity with the deployed token (OpenZeppelin ShortStrings); never raised here.
    error InvalidShortString();
    error StringTooLong(string str);

    event EIP712DomainChanged();

    bytes32 private constant TYPE_HASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    uint256 private constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    string private domainName;
    string private domainVersion;
    mapping(address => uint256) public nonces;

    constructor(string memory _name, string memory _version) {
        domainName = _name;
        domainVersion = _version;
    }

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    TYPE_HASH,
                    keccak256(bytes(domainName)),
                    keccak256(bytes(domainVersion)),
                    block.chainid,
                    address(this)
                )
            );
    }

    /// EIP-5267 domain description: name, version, chainId and verifyingContract are used (0x0f).
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"0f", domainName, domainVersion, block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        require(block.timestamp <= deadline, "ERC20Permit: expired deadline");
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonces[owner]++, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", DOMAIN_SEPARATOR(), structHash));
        require(uint256(s) <= HALF_ORDER, "ECDSA: invalid signature 's' value");
        address signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "ECDSA: invalid signature");
        require(signer == owner, "ERC20Permit: invalid signature");
        _permitApprove(owner, spender, value);
    }

    function _permitApprove(address owner, address spender, uint256 value) internal virtual;
}
