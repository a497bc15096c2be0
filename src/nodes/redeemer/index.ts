// Public surface of the redeemer node (go-livepeer's -redeemer / -redeemerAddr): the node, its
// gRPC service over any WinningTicketSink + MaxFloatSource, and the orchestrator's client of it.
export { startRedeemer, type Redeemer, type RedeemerStats } from './node.js';
export { parseRedeemerConfig, redeemerConfigSchema, type RedeemerConfig, type RedeemerConfigInput } from './config.js';
export { createRedeemerService, unredeemableReason, type RedeemerService, type RedeemerServiceOptions } from './service.js';
export { startRedeemerServer, type RedeemerServer } from './server.js';
export { MaxFloatSubscriptions, Subscription, DEFAULT_SUBSCRIPTION_LIMITS, type SubscriptionLimits } from './subscriptions.js';
export { RemoteRedeemer, redeemerCallError, type RemoteRedeemerOptions } from './client.js';
export { RedeemerError, RedeemerConfigError, redeemerErrorCodes, type RedeemerErrorCode } from './errors.js';
