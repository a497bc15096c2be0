// Public surface of src/eth: the local chain (anvil, devnet, deployment), compiled artifacts,
// and typed bindings for what a node calls on the protocol contracts.
export { startAnvil, anvilBinary, type Anvil, type AnvilOptions } from './anvil.js';
export { artifact, hasArtifact, ensureContractsBuilt, artifactsDir, type Artifact } from './artifacts.js';
export { ANVIL_MNEMONIC, deriveDevKeys, assignRoles, type DevAccount, type DevRole } from './accounts.js';
export { rpcTransport, type RpcTransportConfig } from './rpc-transport.js';
export {
  deployProtocol,
  pickParams,
  contractId,
  DEVNET_PARAMS,
  MINTER_ROLE,
  BURNER_ROLE,
  type ProtocolParams,
  type ProtocolAddresses,
  type DeployOptions,
} from './deploy.js';
export { startDevnet, type Devnet, type DevnetOptions, type ContractName } from './devnet.js';
export { sendTx, deploy, revertReason, decodedRevertReason, waitForReceipt, type CallSpec, type Wallet } from './tx.js';
export { serializeWrites } from './serialWallet.js';
export { EthError, ethErrorCodes, type EthErrorCode } from './errors.js';
export { TICKET_BROKER_REVERTS, ticketBrokerRevertCodes, ticketBrokerRevertCode, type TicketBrokerRevertCode } from './ticketBrokerReverts.js';
export {
  controllerAbi,
  roundsManagerAbi,
  minterAbi,
  livepeerTokenAbi,
  serviceRegistryAbi,
  bondingManagerAbi,
  ticketBrokerAbi,
  TranscoderStatus,
  DelegatorStatus,
} from './bindings/index.js';
export {
  resolveContracts,
  isRegistered,
  chooseAiServiceRegistry,
  PROTOCOL_NAMES,
  ARBITRUM_ONE_AI_SERVICE_REGISTRY,
  ARBITRUM_ONE_CHAIN_ID,
  ARBITRUM_ONE_NETWORK,
  type ProtocolName,
  type AiServiceRegistry,
  type AiServiceRegistryChoice,
} from './resolve.js';
// The chain watchers and adapters a node composes: pm's ChainView, sender info and gas price over viem.
export { ChainWatcher, type ChainWatcherOptions, type BlockListener, type RoundListener } from './chainView.js';
export {
  BlockFollower,
  l1BlockOf,
  type BlockFollowerOptions,
  type FollowerStatus,
  type LogSubscription,
  type ProcessedRange,
  type WatcherCheckpoint,
  type WatcherCheckpoints,
} from './follower.js';
export { RoundsWatcher, type RoundState } from './roundsWatcher.js';
export { PoolWatcher, type PoolState } from './poolWatcher.js';
export { SenderWatcher, SENDER_EVENT_NAMES, type SenderEvent, type SenderEventName, type SenderWatcherOptions } from './senderWatcher.js';
export { ChainGasPrice, type ChainGasPriceOptions } from './chainGas.js';
export { connectChain, ChainConfigError, chainConfigErrorCodes, type ConnectChainOptions, type ChainAdapters } from './chain.js';
