export { capabilitiesFromWire, capabilitiesToWire } from './capabilities.js';
export { ChainWatcher, type ChainWatcherOptions, type BlockListener, type RoundListener } from './chainView.js';
export { ChainSenderInfo, ChainMaxFloat, MIN_DEPOSIT_PENDING_RATIO, type ChainSenderOptions, type ChainMaxFloatOptions } from './chainSenders.js';
export { ChainGasPrice, type ChainGasPriceOptions } from './chainGas.js';
export { connectChain, ChainConfigError, type ConnectChainOptions, type ChainAdapters } from './chain.js';
export { trackConnections, type ConnectionTracker } from './shutdown.js';
export { DEFAULT_MAX_JSON_DEPTH, JsonTooDeepError, jsonDeeperThan, jsonDepthErrorCodes, limitJsonDepth } from './json-depth.js';
