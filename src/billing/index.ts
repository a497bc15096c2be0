// src/billing: who owes whom for what. The orchestrator's balances and payment receiver, the
// gateway's credit view and payment sender, behind seams other senders and receivers implement.
export { Balances } from './balances.js';
export { BillingError, type BillingErrorCode } from './errors.js';
export { CREDIT_TTL_MS, CreditLedger, type CreditKey, type CreditOutcome, type CreditReservation, type CreditSnapshotEntry } from './credit.js';
export { CreditFile, creditFilePath, readCreditFile, writeCreditFile } from './credit-file.js';
export {
  AI_WORKER_PROTOCOL,
  PaymentError,
  TicketPaymentSender,
  type PaymentOutcome,
  type PaymentRequest,
  type PaymentSender,
  type PaymentTarget,
  type PreparedPayment,
  type TicketPaymentSenderOptions,
} from './sender.js';
export {
  TicketPaymentReceiver,
  aiManifestId,
  type JobCharge,
  type JobPriceSource,
  type JobToCharge,
  type PaymentReceiver,
  type ReceiverEvents,
  type SenderFundsCheck,
  type TicketPaymentReceiverOptions,
} from './receiver.js';
export {
  DEFAULT_LIVE_PAYMENT_INTERVAL_MS,
  LIVE_INITIAL_PIXELS,
  LIVE_INITIAL_SECONDS,
  LIVE_PIXELS_PER_MS,
  LIVE_PIXELS_PER_SECOND,
  LiveMeter,
  liveFeeForMs,
  liveInitialFee,
  livePixels,
  livePriceInfo,
  liveWeiPerSecond,
  type LiveCharge,
} from './live-price.js';
export {
  INSUFFICIENT_BALANCE_EVENT,
  LIVE_EVENTS_QUEUE,
  insufficientBalanceEvent,
  readInsufficientBalanceEvent,
  type InsufficientBalance,
} from './live-events.js';
export {
  DEFAULT_MAX_LIVE_STREAMS,
  LivePaymentReceiver,
  type LiveReceiverOptions,
  type LiveStopReason,
  type LiveStreamHandlers,
  type LiveStreamTerms,
  type LiveStreamView,
} from './live-receiver.js';
export { LivePaymentCycle, settledWithin, type LiveCredit } from './live-cycle.js';
export {
  LIVE_PAYMENT_TIMEOUT_MS,
  LivePaymentSender,
  type LiveLog,
  type LivePaymentPost,
  type LivePaymentSenderOptions,
  type LivePaymentSnapshot,
  type LivePaymentTarget,
  type LivePostResult,
} from './live-sender.js';
export { TARGET_MAX_TICKETS, tuneLivePayments, type LiveTuning, type LiveTuningInput } from './live-tuning.js';
