// The remote signer's node (go-livepeer -remoteSigner): HTTP(S) serving src/signer's service, the
// bearer token and the auth webhook, /metrics, and /discover-orchestrators.
export { DEFAULT_CAP_REPORT_INTERVAL_MS, DEFAULT_SIGNER_HTTP_ADDR, defaultSignerAddr, parseHeaderMap, resolveSignerNodeConfig, type ResolvedSignerNodeConfig, type SignerNodeConfigInput } from './config.js';
export { SignerNodeConfigError, SignerNodeError, SignerWebhookError, signerNodeErrorCodes, type SignerNodeErrorCode } from './errors.js';
export { SIGNER_MAX_BODY_BYTES, SIGNER_MAX_JSON_DEPTH, createSignerRequestHandler, goMessage, type SignerHttpOptions } from './http.js';
export { MAX_AUTH_ID_LABELS, NO_AUTH_ID_LABEL, OTHER_AUTH_ID_LABEL, SignerMetrics, type SignerMetricsSnapshot, type SignerRoute } from './metrics.js';
export { RemoteDiscoveryPool, eligibleCapabilities, type DiscoveredOrchestratorWire, type DiscoveryAnswer, type RemoteDiscoveryOptions } from './discovery.js';
export { WEBHOOK_MAX_RESPONSE_BYTES, WEBHOOK_TIMEOUT_MS, canonicalHeaderKey, createWebhookAuthorizer, goStateJson, type WebhookAuthorizerOptions } from './webhook.js';
export { startSignerNode, type SignerNodeHandle, type SignerNodeOptions, type SignerServiceSeams } from './node.js';
