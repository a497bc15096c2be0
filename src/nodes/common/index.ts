export { capabilitiesFromWire, capabilitiesToWire } from './capabilities.js';
export { bindAddress, isLoopback } from './loopback.js';
export { trackConnections, type ConnectionTracker } from './shutdown.js';
export { DEFAULT_MAX_JSON_DEPTH, JsonTooDeepError, jsonDeeperThan, jsonDepthErrorCodes, limitJsonDepth } from './json-depth.js';
export { MAX_JSON_BODY_BYTES, discardRequestBody, guardRequestBody, h2StreamOf, routeBodyLimit, type BodyGuardOptions, type BodyRefusal } from './body-guard.js';
export { RequestGate, UNPAID_RETRY_AFTER_S } from './request-gate.js';
export { clientErrorHandler, setHttp1Timeouts, type ClientErrorAnswer, type ClientErrorKind, type Http1Timeouts } from './http1-timeouts.js';
export { chainRedemptionQueue, queueSenderMonitor, type RedemptionFlags } from './redemption.js';
export { LazyAbort, realSignal, type AbortSignalLike } from './lazy-abort.js';
