// The gateway's remote-signer client (issue 12 point 3; docs/gateway-signer.md): the HTTP client,
// the per-session state and answer handling, and the payment senders behind the gateway's seams.
export { RemoteSignerClient, SIGNER_CALL_TIMEOUT_MS, SIGNER_MAX_BODY_BYTES, normalizeSignerUrl, parseSignerHeaders, type RemoteSignerClientOptions, type RemoteSignerStatus, type SignerLastAnswer, type SignerReply } from './client.js';
export { SignerClientError, signerClientErrorCodes, type SignerClientErrorCode } from './errors.js';
export { MAX_SIGNER_REFRESHES, SignerSession, orchestratorInfoBase64, type SignerCall, type SignerPayResult, type SignerSessionOptions } from './session.js';
export { DEFAULT_SIGNER_BATCH_SESSIONS, SignerPaymentSender, paymentTickets, toPaymentError, type SignerPaymentSenderOptions, type SignerPaymentTarget } from './batch.js';
export { SignerLivePaymentSender, stateBalance, type SignerLivePaymentSenderOptions, type SignerLiveRefusal } from './live.js';
export { remoteRequestSigner } from './request-signer.js';
