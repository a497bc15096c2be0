// Public surface of src/market/discovery: the sources, the registry, the GetOrchestrator fan-out.
export type { DiscoverySource, SourceEntry, SourceKind } from './types.js';
export type { DiscoveryErrorCode } from './errors.js';
export { DiscoveryError, discoveryErrorCodes } from './errors.js';
export type { DroppedEntry, ParsedOrchAddrs } from './orch-addr.js';
export { DEFAULT_ORCH_PORT, isBlocklisted, normalizeServiceUri, parseOrchAddrList, parseOrchBlocklist, staticSource } from './orch-addr.js';
export type { WebhookSourceOptions } from './webhook.js';
export { WEBHOOK_REFRESH_MS, WEBHOOK_TIMEOUT_MS, WebhookSource, parseWebhookBody, remoteSignerSource } from './webhook.js';
export type { ChainPoolSourceOptions, PoolMember } from './chain-pool.js';
export { ChainPoolSource } from './chain-pool.js';
export type { FanOutAnswer, FanOutOptions, FanOutResult } from './fanout.js';
export { CUTOFF_MS, DEFAULT_MAX_CONCURRENT, FIRST_CHECKPOINT_MS, fanOut } from './fanout.js';
export type { GetOrchestratorOptions, OrchestratorAnswer } from './get-orchestrator.js';
export { getOrchestratorInfo } from './get-orchestrator.js';
export type { DiscoveryOptions, MarketEntry, SourceStatus } from './registry.js';
export { DEFAULT_ENTRY_TTL_MS, DEFAULT_MAX_ENTRIES, DEFAULT_REFRESH_MS, Discovery } from './registry.js';
