// src/wire: go-livepeer's gateway↔orchestrator wire protocol — protobuf messages (package `net`,
// go-livepeer field numbers), the Livepeer-Payment / Livepeer-Segment header codecs, conversions to
// src/pm and src/money types, the signatures and auth tokens bound into messages, and gRPC over
// HTTP/2 + TLS on the orchestrator's HTTPS port.
//
// Conventions: wire messages are protobuf-es v2 objects (create(XSchema, {...}), int64 as bigint,
// bytes as Uint8Array); pm/money values are bigint / viem Address / Hex as src/pm documents.

// ---- generated messages and schemas (src/wire/gen, built by scripts/build-proto.mjs) ----
export {
  Orchestrator,
  OrchestratorRequestSchema,
  OrchestratorInfoSchema,
  TicketParamsSchema,
  TicketExpirationParamsSchema,
  TicketSenderParamsSchema,
  PriceInfoSchema,
  CapabilitiesSchema,
  Capabilities_ConstraintsSchema,
  Capabilities_CapabilityConstraintsSchema,
  Capabilities_CapabilityConstraints_ModelConstraintSchema,
  AuthTokenSchema,
  PaymentSchema,
  PaymentResultSchema,
  SegDataSchema,
  SegParametersSchema,
  VideoProfileSchema,
  VideoProfile_Format,
  VideoProfile_Profile,
  VideoProfile_VideoCodec,
  VideoProfile_ChromaSubsampling,
  OSInfoSchema,
  OSInfo_StorageType,
  S3OSInfoSchema,
  HardwareInformationSchema,
  GPUComputeInfoSchema,
  TranscodeResultSchema,
  TranscodeDataSchema,
  TranscodedSegmentDataSchema,
  EndTranscodingSessionRequestSchema,
  EndTranscodingSessionResponseSchema,
  PingPongSchema,
} from './gen/net/lp_rpc_pb.js';
export type {
  OrchestratorRequest,
  OrchestratorInfo,
  TicketParams as WireTicketParams,
  TicketExpirationParams as WireTicketExpirationParams,
  TicketSenderParams as WireTicketSenderParams,
  PriceInfo as WirePriceInfo,
  Capabilities,
  Capabilities_Constraints,
  Capabilities_CapabilityConstraints,
  Capabilities_CapabilityConstraints_ModelConstraint,
  AuthToken,
  Payment,
  PaymentResult,
  SegData,
  SegParameters,
  VideoProfile,
  OSInfo,
  S3OSInfo,
  HardwareInformation,
  GPUComputeInfo,
  TranscodeResult,
  TranscodeData,
  TranscodedSegmentData,
  EndTranscodingSessionRequest,
  EndTranscodingSessionResponse,
  PingPong,
} from './gen/net/lp_rpc_pb.js';
export { TicketRedeemer, TicketSchema as RedeemerTicketSchema, QueueTicketResSchema, MaxFloatReqSchema, MaxFloatUpdateSchema } from './gen/net/redeemer_pb.js';
export type { Ticket as RedeemerTicket, QueueTicketRes, MaxFloatReq, MaxFloatUpdate } from './gen/net/redeemer_pb.js';

// ---- errors ----
export type { WireErrorCode } from './errors.js';
export { wireErrorCodes, WireError, HeaderDecodeError, ValueRangeError, InvalidFieldError, AuthTokenError, WireSignatureError } from './errors.js';
export type { WireLimitName } from './limits.js';
export { WIRE_LIMITS, WireLimitError, checkCapabilitiesLimits, checkPaymentLimits } from './limits.js';
export type { RefusalCode, RemoteRefusal } from './refusal.js';
export {
  CLIENT_RUNNER_STATUSES,
  runnerRefusalCode,
  REFUSAL_CODE_HEADER,
  REFUSAL_REASON_HEADER,
  refusalCodes,
  isRefusalCode,
  refusalHeaders,
  refusalFromHeaders,
  refusalConnectError,
  refusalFromConnectError,
} from './refusal.js';
export { ErrorDetailSchema } from './gen/livepeer_ts/errors_pb.js';
export type { ErrorDetail } from './gen/livepeer_ts/errors_pb.js';

// ---- bytes and codecs ----
export { bigIntToMinimalBytes, bytesToBigInt, bytesToUint256, pad32, toHex, fromHex, encodeBase64, decodeBase64Strict } from './bytes.js';
export type { HeaderValue, HeaderDecodeOptions } from './codec.js';
export {
  PAYMENT_HEADER,
  SEGMENT_HEADER,
  encodeMessage,
  decodeMessage,
  encodePaymentHeader,
  decodePaymentHeader,
  encodeSegmentHeader,
  decodeSegmentHeader,
} from './codec.js';

// ---- conversions to pm / money ----
export { INT64_MAX, priceInfoFromWire, priceInfoToWire } from './convert-price.js';
export {
  addressFromWire,
  hash32FromWire,
  ticketParamsFromWire,
  ticketParamsToWire,
  expirationParamsFromWire,
  expirationParamsToWire,
  senderParamsFromWire,
  senderParamsToWire,
} from './convert-ticket.js';
export type { DecodedPayment, PaymentToWireOptions } from './convert-payment.js';
export { paymentFromWire, paymentToWire, emptyPayment } from './convert-payment.js';
export { PaymentHeaderEncoder } from './payment-header.js';
export {
  winningTicketToWire,
  winningTicketFromWire,
  maxFloatReqToWire,
  maxFloatReqFromWire,
  maxFloatUpdateToWire,
  maxFloatUpdateFromWire,
} from './convert-redeemer.js';
export type { AuthTokenData } from './convert-auth.js';
export { authTokenFromWire, authTokenToWire } from './convert-auth.js';

// ---- signatures, segment credentials, auth tokens ----
export type { Hash32Signer } from './sig.js';
export { keccak256, recoverPersonalSigner, verifyPersonalSig } from './sig.js';
export type { OrchestratorRequestOptions } from './orch-request.js';
export {
  orchestratorRequestHash,
  signOrchestratorRequestAddress,
  createOrchestratorRequest,
  verifyOrchestratorRequest,
  signPing,
  verifyPing,
} from './orch-request.js';
export type { PaymentSegCredsInput, VerifySegmentCredentialsOptions } from './segcreds.js';
export {
  EMPTY_KECCAK,
  INVALID_PROFILES,
  MAX_SEGMENT_DURATION_MS,
  checkSegMetadata,
  segProfilesHex,
  segCredsFlatten,
  segCredsHash,
  signSegData,
  verifySegDataSig,
  createPaymentSegCreds,
  verifySegmentCredentials,
} from './segcreds.js';
export type { CreateAuthTokenOptions } from './auth-token.js';
export { AUTH_TOKEN_VALIDITY_SECONDS, authTokenHmac, createAuthToken, verifyAuthToken } from './auth-token.js';

// ---- transport: TLS, gRPC client and server ----
export type { TlsCert } from './tls.js';
export { ensureTlsCert, CERT_FILE, KEY_FILE } from './tls.js';
export type { OrchestratorClient, OrchestratorClientOptions } from './grpc-client.js';
export { createOrchestratorClient, GRPC_CONNECT_TIMEOUT_MS, GRPC_CALL_TIMEOUT_MS } from './grpc-client.js';
export type { RedeemerClient, RedeemerServiceImpl, RegisterRedeemerServiceOptions } from './grpc-redeemer.js';
export { createRedeemerClient, redeemerBaseUrl, registerRedeemerService, REDEEMER_READ_MAX_BYTES } from './grpc-redeemer.js';
export type { OrchestratorServiceImpl, RegisterOrchestratorServiceOptions } from './grpc-server.js';
export { registerOrchestratorService, orchestratorServerOptions, toConnectError } from './grpc-server.js';
