// Public surface of src/market/selection: price limits, evaluation (every candidate qualified with
// a probability or rejected with one reason), the weighted draw, weights and their flags,
// suspension counted in refreshes, and session stickiness. Pure and synchronous.
export type { Candidate, Evaluation, Qualified, RejectReason, Rejected, SelectionWeights, StandbyReason } from './types.js';
export { REJECT_REASONS, STANDBY_REASONS } from './types.js';
export type { SelectionErrorCode } from './errors.js';
export { SelectionConfigError, selectionErrorCodes } from './errors.js';
export type { CapabilityMaxPrice, PriceLimits, PriceLimitsInput, PriceLimitsOptions } from './price-limits.js';
export { NO_PRICE_LIMITS, maxPriceFor, maxPriceForJob, parsePriceLimits } from './price-limits.js';
export type { EvaluateOptions } from './evaluate.js';
export { evaluate, findQualified, rejectedKeys, rejectionCount, snapshotRejectedKeys, summarizeRejections } from './evaluate.js';
export type { GateDetail, PreparedFacts, PreparedGates } from './snapshot.js';
export { CandidateSnapshot, JobGates, evaluatePrepared } from './snapshot.js';
export { probabilities } from './probabilities.js';
export type { Rng } from './draw.js';
export { draw, drawIndex } from './draw.js';
export type { SelectionFlagName, SelectionFlagValues } from './weights.js';
export {
  DEFAULT_SELECTION_WEIGHTS,
  WEIGHT_SUM_TOLERANCE,
  selectionFlagSpecs,
  selectionFlagsFromArgs,
  selectionWeightsFromFlags,
  validateWeights,
} from './weights.js';
export type { Suspension, SuspenderOptions } from './suspension.js';
export { Suspender } from './suspension.js';
export type { StickyOptions } from './sticky.js';
export { StickySessions } from './sticky.js';
