// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// The part of BondingManager that other protocol contracts call.
interface IBondingManager {
    /// TicketBroker only: credit `_fees` wei of a winning ticket to `_transcoder`'s earnings pool.
    function updateTranscoderWithFees(address _transcoder, uint256 _fees, uint256 _round) external;

    /// RoundsManager only: snapshot next round's total active stake at round initialisation.
    function setCurrentRoundTotalActiveStake() external;

    function getTranscoderPoolSize() external view returns (uint256);

    function isActiveTranscoder(address _transcoder) external view returns (bool);

    function isRegisteredTranscoder(address _transcoder) external view returns (bool);

    function getTotalBonded() external view returns (uint256);
}
