// Public surface of the gateway node.
export type { GatewayHandle, GatewaySizes, StartGatewayOptions } from './gateway.js';
export { startGateway } from './gateway.js';
export type { CapabilityMaxPrice, GatewayConfigInput, ResolvedGatewayConfig } from './config.js';
export { DEFAULT_HTTP_ADDR, PRIVATE_KEY_ENV, gatewayConfigSchema, isLoopback, maxPriceFor, parseOrchAddrs, resolveGatewayConfig } from './config.js';
export type { AttemptFailureKind, GatewayErrorCode } from './errors.js';
export { BadRequestError, GatewayConfigError, GatewayError, NoOrchestratorsError, OrchestratorAttemptError, UnauthorizedError } from './errors.js';
export type { GatewayStats, OrchestratorStats, PipelineStats } from './stats.js';
export type { JobTarget, OrchestratorSession, Selector, SessionPoolSizes } from './sessions.js';
export { SessionPool, SessionRefusedError, firstAcceptableSelector } from './sessions.js';
export type { PreparedPayment } from './payment.js';
export { AI_WORKER_PROTOCOL, PaymentError, TicketPaymentSender, paymentTarget, type PaymentSender } from './payment.js';
export type { ParsedJob } from './jobs.js';
export { jobTarget } from './run.js';
export { classifyFailure, classifyPaymentError } from './attempt-failure.js';
export { goLivepeerRefusal, goLivepeerRpcRefusal } from './golivepeer-errors.js';
export { gatewayErrorCodes } from './errors.js';
export type { AttemptFailureInfo } from './errors.js';
