// Typed ABIs (viem `parseAbi`, `as const` types) for what a node calls on the Controller,
// RoundsManager, Minter, LivepeerToken and ServiceRegistry (contracts.md §7). Hand-written
// human-readable signatures: the node surface stays small, readable and independent of the build,
// and test/contracts/abi.test.ts checks every item against test/fixtures/abi (the golden ABIs) and build/contracts.
import { parseAbi } from 'viem';

export const controllerAbi = parseAbi([
  'function getContract(bytes32 _id) view returns (address)',
  'function getContractInfo(bytes32 _id) view returns (address, bytes20)',
  'function owner() view returns (address)',
  'function paused() view returns (bool)',
  'event SetContractInfo(bytes32 id, address contractAddress, bytes20 gitCommitHash)',
]);

export const roundsManagerAbi = parseAbi([
  'function initializeRound()',
  'function currentRound() view returns (uint256)',
  'function currentRoundStartBlock() view returns (uint256)',
  'function currentRoundInitialized() view returns (bool)',
  'function currentRoundLocked() view returns (bool)',
  'function lastInitializedRound() view returns (uint256)',
  'function blockHashForRound(uint256 _round) view returns (bytes32)',
  'function blockHash(uint256 _block) view returns (bytes32)',
  'function blockNum() view returns (uint256)',
  'function roundLength() view returns (uint256)',
  'function roundLockAmount() view returns (uint256)',
  'event NewRound(uint256 indexed round, bytes32 blockHash)',
]);

export const minterAbi = parseAbi([
  'function currentMintableTokens() view returns (uint256)',
  'function currentMintedTokens() view returns (uint256)',
  'function inflation() view returns (uint256)',
  'function inflationChange() view returns (uint256)',
  'function targetBondingRate() view returns (uint256)',
  'function getGlobalTotalSupply() view returns (uint256)',
  'event SetCurrentRewardTokens(uint256 currentMintableTokens, uint256 currentInflation)',
]);

export const livepeerTokenAbi = parseAbi([
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function balanceOf(address account) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
]);

/** Also the AI service registry's ABI (go-livepeer uses the same binding for both). */
export const serviceRegistryAbi = parseAbi([
  'function setServiceURI(string _serviceURI)',
  'function getServiceURI(address _addr) view returns (string)',
  'event ServiceURIUpdate(address indexed addr, string serviceURI)',
]);
