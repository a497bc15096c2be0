// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// EIP-191 signature recovery for PM tickets, with the observable behaviour of OpenZeppelin 4.9's
/// `ECDSA.recover(bytes32, bytes)` (pm.md §2.4): it reverts instead of returning address 0, and it
/// refuses high-s signatures so a ticket signature has exactly one valid encoding (the lottery
/// hashes the raw signature bytes, so a second encoding would be a second draw).
/// Callers must check the 65-byte length first (TicketBroker reverts "INVALID_SIGNATURE_LENGTH").
library TicketSigRecovery {
    /// Largest allowed `s`: secp256k1n / 2.
    uint256 private constant MAX_S = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// keccak256("\x19Ethereum Signed Message:\n32" ‖ hash): what `personal_sign` of 32 raw bytes signs.
    function toEthSignedMessageHash(bytes32 _hash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", _hash));
    }

    /// Signer of a 65-byte `r ‖ s ‖ v` signature over `_digest`. v is passed to ecrecover as is:
    /// anything but 27/28 makes the precompile return 0, which reverts "ECDSA: invalid signature".
    function recover(bytes32 _digest, bytes memory _sig) internal pure returns (address) {
        require(_sig.length == 65, "ECDSA: invalid signature length");
        bytes32 r;
        bytes32 s;
        uint8 v;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            r := mload(add(_sig, 0x20))
            s := mload(add(_sig, 0x40))
            v := byte(0, mload(add(_sig, 0x60)))
        }
        require(uint256(s) <= MAX_S, "ECDSA: invalid signature 's' value");
        address signer = ecrecover(_digest, v, r, s);
        require(signer != address(0), "ECDSA: invalid signature");
        return signer;
    }
}
