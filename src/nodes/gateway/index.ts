// Public surface of the gateway node.
export type { GatewayHandle, GatewaySizes, StartGatewayOptions } from './gateway.js';
export { startGateway } from './gateway.js';
export type { CapabilityMaxPrice, GatewayConfigInput, ResolvedGatewayConfig } from './config.js';
export { DEFAULT_HTTP_ADDR, PRIVATE_KEY_ENV, gatewayConfigSchema, isLoopback, maxPriceFor, parseOrchAddrs, resolveGatewayConfig } from './config.js';
export type { AttemptFailureKind, GatewayErrorCode } from './errors.js';
export { BadRequestError, GatewayConfigError, GatewayError, NoOrchestratorsError, OrchestratorAttemptError, SenderFundsError, UnauthorizedError } from './errors.js';
export type { GatewayStats, OrchestratorStats, PipelineStats } from './stats.js';
export type { JobTarget, OrchestratorDirectory, OrchestratorSession, SessionPoolSizes, SurveyState } from './sessions.js';
export { SessionPool, SessionRefusedError, staticDirectory } from './sessions.js';
export type { MarketView, OrchestratorFilter, Pick, PickRequest } from './market.js';
export { GatewayMarket } from './market.js';
export type { OrchestratorRow, OrchestratorsTable } from './orchestrators-table.js';
export { formatOrchestratorsTable, orchestratorsTable } from './orchestrators-table.js';
export { PARAMETERS_HEADER, SESSION_HEADER } from './request-market.js';
export type { PreparedPayment } from './payment.js';
export { AI_WORKER_PROTOCOL, PaymentError, TicketPaymentSender, paymentTarget, type PaymentSender } from './payment.js';
export type { ParsedJob } from './jobs.js';
export { jobTarget } from './run.js';
export { SENDER_FUNDS_REASONS, classifyFailure, classifyPaymentError, senderFundsReason } from './attempt-failure.js';
export { goLivepeerRefusal, goLivepeerRpcRefusal } from './golivepeer-errors.js';
export { gatewayErrorCodes } from './errors.js';
export type { AttemptFailureInfo } from './errors.js';
export type { LiveEndCode, LiveEndReason, LiveHandle, LiveOrchestratorUrls, LiveState } from './live/index.js';
export { LIVE_TRICKLE_PATH, LiveStream, LiveStreams, parseStartReply, parseStartRequest } from './live/index.js';
export { liveStreamStatus, runLiveClient, startLiveStream, updateLiveStream, type LiveClientOptions, type LiveClientResult, type LiveProgress, type LiveStartAnswer } from './live/client.js';
export {
  RemoteSignerClient,
  SignerClientError,
  SignerLivePaymentSender,
  SignerPaymentSender,
  SignerSession,
  normalizeSignerUrl,
  parseSignerHeaders,
  signerClientErrorCodes,
  type RemoteSignerStatus,
  type SignerClientErrorCode,
} from './signer/index.js';
