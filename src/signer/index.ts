// The remote signer (issue 12): the wire contract (types.ts), the state codec, billing, the
// replay-proof high-water mark and spend caps, behind createRemoteSigner.
export * from './types.js';
export type { RemoteSignerOptions } from './service.js';
export { createRemoteSigner } from './service.js';
export type { SignerCode } from './errors.js';
export { SignerError, signerErrorCodes } from './errors.js';
export type { SpendCaps } from './guards.js';
export { decodeState, encodeState, signBytes, verifyBytes, textHash, emptyState } from './state.js';
export { GO_ZERO_TIME, formatGoTime, parseGoTime, goJsonString } from './gojson.js';
export { LV2V_PIXELS_PER_SECOND, LV2V_PRELOAD_SECONDS, LIVE_PRELOAD_SECONDS, billableUnits } from './billing.js';
