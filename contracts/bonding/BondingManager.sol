// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

import "./BondingStaking.sol";

/// Bonding of LPT to transcoders (orchestrators), the active transcoder set, reward minting and
/// fee crediting. ABI-compatible with the deployed BondingManager (Arbitrum One) for everything a
/// node uses. Not proxied; BondingVotes and the Treasury contract are not deployed here, so their
/// hooks are no-ops and the treasury cut defaults to 0.
///
/// LPT never sits here: bonds go straight to the Minter, which also holds all fee ETH.
contract BondingManager is BondingStaking {
    using TranscoderPool for TranscoderPool.Data;

    /// No proxy: the contract's own id (contracts.md §10.2).
    bytes32 public constant targetContractId = keccak256("BondingManager");

    constructor(address _controller) Manager(_controller) {}

    // --- owner parameters ---

    function setUnbondingPeriod(uint64 _unbondingPeriod) external onlyControllerOwner {
        unbondingPeriod = _unbondingPeriod;
        emit ParameterUpdate("unbondingPeriod");
    }

    /// Can only grow.
    function setNumActiveTranscoders(uint256 _numActiveTranscoders) external onlyControllerOwner {
        transcoderPool.setMaxSize(_numActiveTranscoders);
        emit ParameterUpdate("numActiveTranscoders");
    }

    /// Out of 1e27; takes effect at the next round's initialisation.
    function setTreasuryRewardCutRate(uint256 _cutRate) external onlyControllerOwner {
        require(PreciseMathUtils.validPerc(_cutRate), "_cutRate is invalid precise percentage");
        nextRoundTreasuryRewardCutRate = _cutRate;
        emit ParameterUpdate("nextRoundTreasuryRewardCutRate");
    }

    function setTreasuryBalanceCeiling(uint256 _ceiling) external onlyControllerOwner {
        treasuryBalanceCeiling = _ceiling;
        emit ParameterUpdate("treasuryBalanceCeiling");
    }

    // --- transcoders ---

    function transcoder(uint256 _rewardCut, uint256 _feeShare) external {
        transcoderWithHint(_rewardCut, _feeShare, address(0), address(0));
    }

    /// Sets the caller's rates (both out of 1e6) and joins the pool if it is not a member.
    function transcoderWithHint(
        uint256 _rewardCut,
        uint256 _feeShare,
        address _newPosPrev,
        address _newPosNext
    ) public whenSystemNotPaused currentRoundInitialized {
        IRoundsManager rounds = _roundsManager();
        require(!rounds.currentRoundLocked(), "can't update transcoder params, current round is locked");
        require(MathUtils.validPerc(_rewardCut), "invalid rewardCut percentage");
        require(MathUtils.validPerc(_feeShare), "invalid feeShare percentage");
        require(isRegisteredTranscoder(msg.sender), "transcoder must be registered");

        uint256 round = rounds.currentRound();
        Transcoder storage t = transcoders[msg.sender];
        // Rates may not change under delegators mid-round before this round's reward is fixed.
        require(
            !_isActive(t, round) || t.lastRewardRound == round,
            "caller can't be active or must have already called reward for the current round"
        );
        t.rewardCut = _rewardCut;
        t.feeShare = _feeShare;
        if (!transcoderPool.contains(msg.sender)) {
            _tryToJoinActiveSet(msg.sender, delegators[msg.sender].delegatedAmount, round, _newPosPrev, _newPosNext);
        }
        emit TranscoderUpdate(msg.sender, _rewardCut, _feeShare);
    }

    function reward() external {
        rewardWithHint(address(0), address(0));
    }

    /// Mints this round's reward for the calling active transcoder, once per round.
    function rewardWithHint(address _newPosPrev, address _newPosNext)
        public
        whenSystemNotPaused
        currentRoundInitialized
    {
        uint256 round = _currentRound();
        Transcoder storage t = transcoders[msg.sender];
        require(_isActive(t, round), "caller must be an active transcoder");
        require(t.lastRewardRound != round, "caller has already called reward for the current round");

        EarningsPool.Data storage pool = t.earningsPoolPerRound[round];
        _openRound(t, pool, round);
        IMinter minter = _minter();
        uint256 minted = minter.createReward(pool.totalStake, currentRoundTotalActiveStake);
        uint256 rewards = minted - _payTreasury(minter, minted);
        _creditRewards(t, pool, round, rewards);
        _increaseTotalStake(msg.sender, rewards, _newPosPrev, _newPosNext, round);
        emit Reward(msg.sender, rewards);
    }

    /// Sends the treasury's share of a mint (0 unless a cut rate is set and a Treasury registered).
    function _payTreasury(IMinter _minter, uint256 _minted) private returns (uint256 share) {
        uint256 rate = treasuryRewardCutRate;
        if (rate == 0) return 0;
        address treasury = controller.getContract(TREASURY_ID);
        if (treasury == address(0)) return 0;
        // Stop the cut from next round on once the treasury holds enough.
        if (nextRoundTreasuryRewardCutRate > 0 && _token().balanceOf(treasury) >= treasuryBalanceCeiling) {
            nextRoundTreasuryRewardCutRate = 0;
            emit ParameterUpdate("nextRoundTreasuryRewardCutRate");
        }
        share = PreciseMathUtils.percOf(_minted, rate);
        if (share > 0) {
            _minter.trustedTransferTokens(treasury, share);
            emit TreasuryReward(msg.sender, treasury, share);
        }
    }

    // --- withdrawals and claims ---

    /// Sends an unbonding lock's LPT (held by the Minter) once its withdraw round is reached.
    function withdrawStake(uint256 _unbondingLockId) external whenSystemNotPaused currentRoundInitialized {
        Delegator storage del = delegators[msg.sender];
        require(isValidUnbondingLock(msg.sender, _unbondingLockId), "invalid unbonding lock ID");
        UnbondingLock storage lock = del.unbondingLocks[_unbondingLockId];
        uint256 amount = lock.amount;
        uint256 withdrawRound = lock.withdrawRound;
        require(withdrawRound <= _currentRound(), "withdraw round must be before or equal to the current round");
        delete del.unbondingLocks[_unbondingLockId];
        _minter().trustedTransferTokens(msg.sender, amount);
        emit WithdrawStake(msg.sender, _unbondingLockId, amount, withdrawRound);
    }

    /// Sends `_amount` of the caller's claimed fees (ETH held by the Minter) to `_recipient`.
    function withdrawFees(address payable _recipient, uint256 _amount)
        external
        whenSystemNotPaused
        currentRoundInitialized
    {
        _claimEarnings(msg.sender, _currentRound());
        require(_recipient != address(0), "invalid recipient");
        Delegator storage del = delegators[msg.sender];
        uint256 fees = del.fees;
        require(fees >= _amount, "insufficient fees to withdraw");
        del.fees = fees - _amount;
        _minter().trustedWithdrawETH(_recipient, _amount);
        emit WithdrawFees(msg.sender, _recipient, _amount);
    }

    /// Claims up to the current round; `_endRound` is ignored, as on the deployed contract.
    function claimEarnings(uint256 _endRound) external whenSystemNotPaused currentRoundInitialized {
        _endRound;
        _claimEarnings(msg.sender, _currentRound());
    }

    // --- hooks for other protocol contracts ---

    /// TicketBroker: credit a winning ticket's face value. `_round` is ignored: fees always land in
    /// the current round's pool (LIP-36). No event here; the broker emits WinningTicketTransfer.
    function updateTranscoderWithFees(
        address _transcoder,
        uint256 _fees,
        uint256 _round
    ) external override whenSystemNotPaused {
        require(msg.sender == controller.getContract(TICKET_BROKER_ID), "caller must be TicketBroker");
        _round;
        require(isRegisteredTranscoder(_transcoder), "transcoder must be registered");
        _creditFees(_transcoder, _fees, _currentRound());
    }

    /// RoundsManager, at round initialisation: freeze next round's active stake as the current one.
    function setCurrentRoundTotalActiveStake() external override {
        require(msg.sender == controller.getContract(ROUNDS_MANAGER_ID), "caller must be RoundsManager");
        currentRoundTotalActiveStake = nextRoundTotalActiveStake;
        if (nextRoundTreasuryRewardCutRate != treasuryRewardCutRate) {
            treasuryRewardCutRate = nextRoundTreasuryRewardCutRate;
            emit ParameterUpdate("treasuryRewardCutRate");
        }
    }

    /// Slashing is dormant on the deployed protocol (no Verifier is registered); not supported here.
    /// (Kept nonpayable as in the deployed ABI, hence a compiler hint that it could be a view.)
    function slashTranscoder(address, address, uint256, uint256) external {
        require(msg.sender == controller.getContract(VERIFIER_ID), "caller must be Verifier");
        revert("slashing is not supported");
    }

    /// BondingVotes is not deployed here: nothing to checkpoint.
    /// (Left nonpayable, as in the deployed ABI.)
    function checkpointBondingState(address) external {}
}
