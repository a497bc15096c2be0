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
  type TicketPaymentReceiverOptions,
} from './receiver.js';
