// THE go-livepeer compatibility table: a go-livepeer orchestrator sends no error code, only a status
// and plain text (Go's http.Error), so its texts are recognised here, and only here, to the codes a
// livepeer-ts orchestrator sends in Livepeer-Error-Code. Decisions are then made on the code
// (attempt-failure.ts). Each entry names where go-livepeer produces the text (go-livepeer HEAD
// 176aa415c) and, where a Go gateway matches
// it too, where. Matching is case-insensitive on a substring, as go-livepeer's errContainsMsg does.
import { runnerRefusalCode, type RefusalCode } from '../../wire/index.js';

export interface GoLivepeerRefusal {
  code: RefusalCode;
  /** The pm code (or another finer reason) the text stands for. */
  reason?: string;
}

interface TextEntry {
  /** The status go-livepeer answers the text with; undefined = any. */
  status?: number;
  /** Lower-case substring of go-livepeer's text. */
  text: string;
  refusal: GoLivepeerRefusal;
  source: string;
}

/** First match wins: longer texts that contain shorter ones come first (sendernonce before sender). */
const TEXTS: readonly TextEntry[] = [
  { status: 503, text: 'insufficient capacity', refusal: { code: 'INSUFFICIENT_CAPACITY' },
    source: 'server/ai_http.go handleAIRequest (CheckAICapacity); matched by server/ai_process.go isNoCapacityError' },
  { text: 'ticketparams expired', refusal: { code: 'PAYMENT_REJECTED', reason: 'TICKET_PARAMS_EXPIRED' },
    source: 'pm/recipient.go ErrTicketParamsExpired "TicketParams expired"; matched by server/ai_process.go isRetryableError' },
  { text: 'invalid ticket sendernonce', refusal: { code: 'PAYMENT_REJECTED', reason: 'NONCE_ALREADY_SEEN' },
    source: 'pm/recipient.go "invalid ticket senderNonce: already seen|too many values"; matched by server/ai_process.go isInvalidTicketSenderNonce' },
  { status: 400, text: 'insufficient balance', refusal: { code: 'INSUFFICIENT_BALANCE' },
    source: 'server/ai_http.go handleAIRequest (SufficientBalance) "Insufficient balance"' },
  { status: 400, text: 'invalid ticket recipient', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_RECIPIENT' },
    source: 'pm/validator.go errInvalidTicketRecipient' },
  { status: 400, text: 'invalid ticket sender', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_SENDER' },
    source: 'pm/validator.go errInvalidTicketSender' },
  { status: 400, text: 'invalid recipientrand for ticket recipientrandhash', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_RECIPIENT_RAND' },
    source: 'pm/validator.go errInvalidTicketRecipientRand' },
  { status: 400, text: 'invalid ticket signature', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_SIGNATURE' },
    source: 'pm/validator.go errInvalidTicketSignature' },
  { status: 400, text: 'invalid ticket creation round', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_TICKET' },
    source: 'pm/validator.go errInvalidCreationRound, errInvalidCreationRoundBlockHash' },
  { status: 400, text: 'insufficient sender reserve', refusal: { code: 'PAYMENT_REJECTED', reason: 'INSUFFICIENT_SENDER_RESERVE' },
    source: 'pm/recipient.go errInsufficientSenderReserve' },
  { status: 400, text: 'could not find sender for payment', refusal: { code: 'PAYMENT_REJECTED', reason: 'INVALID_SENDER' },
    source: 'core/orchestrator.go ProcessPayment' },
  { status: 400, text: 'cannot process payments', refusal: { code: 'PAYMENT_REJECTED', reason: 'ORCHESTRATOR_INACTIVE' },
    source: 'core/orchestrator.go ProcessPayment "orchestrator … is inactive in round …, cannot process payments"' },
  { status: 400, text: 'invalid expected price sent with payment', refusal: { code: 'PAYMENT_REJECTED', reason: 'EXPECTED_PRICE_INVALID' },
    source: 'core/orchestrator.go ProcessPayment' },
  { status: 400, text: 'is set to unlock soon', refusal: { code: 'PAYMENT_REJECTED', reason: 'SENDER_UNLOCK_SOON' },
    source: 'pm/sendermonitor.go "deposit and reserve for sender … is set to unlock soon"' },
  { status: 400, text: 'could not get sender info', refusal: { code: 'PAYMENT_REJECTED', reason: 'SENDER_INFO_UNAVAILABLE' },
    source: 'pm/sendermonitor.go' },
  { status: 403, text: 'expired auth token', refusal: { code: 'AUTH_TOKEN', reason: 'WIRE_EXPIRED_AUTH_TOKEN' },
    source: 'server/segment_rpc.go verifySegCreds' },
];

// ai/worker/worker.go: "<pipeline> container returned <status>: <msg>", answered as 500 by
// server/ai_http.go (src/ai containerError.ts writes the same). A Go gateway answers its client 400
// when the text holds "returned 400" (server/ai_process.go parseBadRequestError) and otherwise
// suspends and retries; the runner's status decides here as it does for a livepeer-ts orchestrator
// (src/wire runnerRefusalCode). go-livepeer's own variants also match: image-to-text's 413 without a
// colon, its 422 with a doubled space, the streaming llm path's "unexpected status code: …, body: …".
const CONTAINER_RETURNED = /container returned (\d{3})\b/i;

/** The runner's status inside a go-livepeer orchestrator's failure text, or undefined. */
export function goLivepeerRunnerStatus(text: string): number | undefined {
  const m = CONTAINER_RETURNED.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The refusal a go-livepeer orchestrator's (status, text) stands for, or undefined when the text is not one of these. */
export function goLivepeerRefusal(status: number, text: string): GoLivepeerRefusal | undefined {
  const t = text.toLowerCase();
  for (const e of TEXTS) {
    if ((e.status === undefined || e.status === status) && t.includes(e.text)) return e.refusal;
  }
  // Only an orchestrator 5xx carries a runner failure.
  const runnerStatus = status >= 500 ? goLivepeerRunnerStatus(text) : undefined;
  if (runnerStatus !== undefined) return { code: runnerRefusalCode(runnerStatus), reason: `RUNNER_${runnerStatus}` };
  return undefined;
}

/** The refusal a go-livepeer orchestrator's GetOrchestrator error message stands for (gRPC carries no code from it). */
export function goLivepeerRpcRefusal(message: string): GoLivepeerRefusal | undefined {
  // core/orchestrator.go ErrOrchCap "OrchestratorCapped", returned by server/rpc.go getOrchestrator;
  // a Go gateway matches it too (server/broadcast.go sessionErrStrings).
  const m = message.toLowerCase();
  if (m.includes('orchestratorcapped')) return { code: 'ORCHESTRATOR_CAPPED' };
  // pm/recipient.go errInsufficientSenderReserve, returned as is by server/rpc.go orchestratorInfo
  // (orch.TicketParams): our reserve share cannot carry one ticket.
  if (m.includes('insufficient sender reserve')) return { code: 'TICKET_PARAMS_UNAVAILABLE', reason: 'INSUFFICIENT_SENDER_RESERVE' };
  return undefined;
}
