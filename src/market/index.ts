// Public surface of src/market: aiModels.json, capabilities, AI prices and work units, discovery
// (src/market/discovery: sources, registry, GetOrchestrator fan-out) and selection
// (src/market/selection).
export type { AiModelEntry, AiModelsConfig, AiModelsOptions } from './aiModels.js';
export { loadAiModels, parseAiModelsInline, parseAiModelsJson, validateEntries } from './aiModels.js';
export type { AiModelIssue, AiModelsErrorCode } from './aiModelsErrors.js';
export { AiModelsConfigError } from './aiModelsErrors.js';
export { describeAiModel } from './aiModelsDescribe.js';
export type { AiModelPrice, PriceDefaults } from './aiModelsPrice.js';
export { normalizeCurrency } from './aiModelsPrice.js';
export { AiPriceTable, aiJobCapabilities, orchestratorAiCapabilities } from './aiPricing.js';
export type { Capabilities, IncompatibleReason, ModelConstraint } from './capabilities.js';
export {
  compatibleWith,
  freeCapacity,
  fromBitstring,
  incompatibility,
  legacyOnly,
  makeCapabilities,
  modelConstraint,
  toBitstring,
} from './capabilities.js';
export type { AiPipeline, CapabilityId } from './capabilityIds.js';
export {
  AI_PIPELINES,
  Capability,
  capabilityNames,
  capabilityToPipeline,
  defaultCapabilities,
  isAiPipeline,
  legacyCapabilities,
  mandatoryOCapabilities,
  pipelineToCapability,
} from './capabilityIds.js';
export { JsonNumber, parseJsonKeepingNumbers } from './jsonExact.js';
export { parseDecimal } from './decimal.js';
export { satisfiesMinVersion } from './semver.js';
export type { UnitsJob } from './units.js';
export {
  DEFAULT_IMAGE_HEIGHT,
  DEFAULT_IMAGE_WIDTH,
  DEFAULT_LLM_MAX_TOKENS,
  DEFAULT_VIDEO_HEIGHT,
  DEFAULT_VIDEO_WIDTH,
  GO_LLM_MAX_TOKENS_MISSING,
  IMAGE_TO_VIDEO_FRAMES,
  LIVE_INITIAL_SECONDS,
  LIVE_UNITS_PER_SECOND,
  UNIT_NAMES,
  goLivepeerUnits,
  jobUnits,
} from './units.js';
export * from './discovery/index.js';
export * from './selection/index.js';
