// The codes an orchestrator refuses a request with, and where they travel. The status and message
// text stay go-livepeer's (a Go gateway reads them); the code rides beside them:
//  - HTTP: go-livepeer's orchestrator answers AI-route errors with Go's http.Error (plain text
//    "<message>\n", text/plain; server/handlers.go respondWithError), and a Go gateway turns that
//    body into its error text (server/ai_process.go: errors.New(string(resp.Body))) and matches
//    substrings in it. A JSON body would put braces into that text, so the body stays plain text
//    and the code goes in response headers: Livepeer-Error-Code (and Livepeer-Error-Reason for a
//    finer reason, e.g. the pm code of a refused ticket). A Go gateway ignores unknown headers.
//  - gRPC: the status keeps go-livepeer's code and message; the code goes in the status details
//    as a livepeer_ts.ErrorDetail message (ConnectError details), which grpc-go peers ignore.
import { create } from '@bufbuild/protobuf';
import { ConnectError, type Code } from '@connectrpc/connect';
import { defineErrorCodes, type CodeOf } from '../errors/index.js';
import { ErrorDetailSchema } from './gen/livepeer_ts/errors_pb.js';

export const REFUSAL_CODE_HEADER = 'Livepeer-Error-Code';
export const REFUSAL_REASON_HEADER = 'Livepeer-Error-Reason';

export const refusalCodes = defineErrorCodes('orchestrator refusals (HTTP header Livepeer-Error-Code, gRPC ErrorDetail)', {
  BAD_REQUEST: 'The job request is malformed (400, before payment): fix the request; no ticket was credited.',
  PAYMENT_INVALID: 'Livepeer-Payment is missing or garbled (402, go-livepeer\'s getPayment text): nothing was credited.',
  SEGMENT_INVALID: 'Livepeer-Segment is missing or garbled (403).',
  BAD_SEGMENT_SIGNATURE: 'The segment credentials are not signed by the payment\'s sender (403).',
  INCOMPATIBLE_CAPABILITIES: 'The job needs capabilities this orchestrator lacks (403).',
  SEGMENT_JOB_MISMATCH: 'The segment credentials were signed for another job: their manifest id is not "<capability>_<model>" of this request, or their capabilities lack its capability or model (403, before payment).',
  AUTH_TOKEN: 'The auth token is missing, not ours or expired (403): call GetOrchestrator again.',
  INSUFFICIENT_CAPACITY: 'No free slot for this pipeline/model (503 "insufficient capacity", before payment): try another orchestrator or wait.',
  PAYMENT_REJECTED: 'A ticket was refused (400, go-livepeer ProcessPayment text); Livepeer-Error-Reason is the pm code. Tickets before it were credited.',
  EXPECTED_PRICE_TOO_LOW: 'The payment\'s expected_price is below the orchestrator\'s own price for the job (400, before any ticket is credited): refresh the price (GetOrchestrator).',
  REDEMPTION_UNAVAILABLE: 'A winning ticket in the payment could not be handed to redemption (the orchestrator\'s remote redeemer is down or refused it, or its ticket store failed): 503, the payment is refused and nothing is credited for it; retry with another orchestrator or later. Livepeer-Error-Reason is the cause\'s code (e.g. REDEEMER_UNAVAILABLE).',
  INSUFFICIENT_BALANCE: 'The credit does not cover the job (400 "Insufficient balance"); the tickets sent were credited.',
  INSUFFICIENT_SENDER_FUNDS: 'The sender\'s TicketBroker funds do not cover the face value of its tickets (402, before any ticket is credited); Livepeer-Error-Reason says which: DEPOSIT_TOO_LOW or RESERVE_EXHAUSTED (the sender monitor, src/settlement). The gateway\'s own funding problem, not the orchestrator\'s: once it tops up, the orchestrator takes its tickets again as soon as it sees the top-up on chain.',
  RUNNER_UNAVAILABLE: 'The runner is unreachable or timed out (503, after payment): the orchestrator is unhealthy; the tickets were credited.',
  RUNNER_REJECTED: 'The runner refused the request as the client\'s mistake (its 400, 413, 415 or 422), after payment: answer the client, the orchestrator is healthy; the tickets were credited.',
  RUNNER_FAILED: 'The runner failed the job (its 5xx or another status, e.g. 401: the orchestrator\'s runner token is wrong), after payment; the tickets were credited.',
  MEDIA_PROBE_FAILED: 'The orchestrator could not probe the input media (its ffprobe is unavailable: 500, before payment): the orchestrator is broken, not the request.',
  ORCHESTRATOR_CAPPED: 'GetOrchestrator refused: no live capacity left (gRPC UNKNOWN, go-livepeer "Invalid orchestrator request: OrchestratorCapped"): busy, not broken.',
  TICKET_PARAMS_UNAVAILABLE: 'GetOrchestrator could not issue ticket params for the sender (gRPC FAILED_PRECONDITION); the reason is the pm code.',
  REQUEST_TOO_LARGE: 'The request body is above the route\'s limit (413, declared or counted while the body is read, multipart included, before the payment is decoded: nothing was credited); -maxBodyBytes at the orchestrator sets it.',
  BODY_TIMEOUT: 'The request did not arrive in time (408, before payment; slowloris). Livepeer-Error-Reason: `idle` (no body bytes for -bodyIdleTimeoutMs), `total` (body not complete within -bodyTimeoutMs), `headers` (HTTP/1: headers not complete within -headersTimeoutMs).',
  TOO_MANY_UNPAID_REQUESTS: 'More than -maxUnpaidRequests requests are being read or having their payment checked (503 with Retry-After, before the body is read): busy, not broken; retry after the given seconds.',
  INTERNAL: 'An unexpected error in the orchestrator (500).',
});

export type RefusalCode = CodeOf<typeof refusalCodes>;

/**
 * Runner statuses that are the client's request (ai-runner: 400 bad request, 413 too large, 415
 * unsupported media, 422 invalid fields): the same request fails the same way everywhere. Any
 * other runner status (401: the orchestrator's runner token is wrong; 5xx) is the orchestrator's.
 */
export const CLIENT_RUNNER_STATUSES: ReadonlySet<number> = new Set([400, 413, 415, 422]);

/** The refusal code for a runner's non-2xx status. */
export function runnerRefusalCode(runnerStatus: number): 'RUNNER_REJECTED' | 'RUNNER_FAILED' {
  return CLIENT_RUNNER_STATUSES.has(runnerStatus) ? 'RUNNER_REJECTED' : 'RUNNER_FAILED';
}

export function isRefusalCode(s: unknown): s is RefusalCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(refusalCodes.codes, s);
}

/** A refusal as a peer reports it: `code` undefined when the peer sent none (a go-livepeer node). */
export interface RemoteRefusal {
  /** The peer's code; a string this version does not know is kept (newer peers may add codes). */
  code: string | undefined;
  reason: string | undefined;
}

// Header values must be a token: codes are [A-Z0-9_], reasons may carry e.g. "length-64".
const TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The response headers that carry a refusal's code. */
export function refusalHeaders(code: string, reason?: string): Record<string, string> {
  const h: Record<string, string> = {};
  if (TOKEN.test(code)) h[REFUSAL_CODE_HEADER] = code;
  if (reason !== undefined && TOKEN.test(reason)) h[REFUSAL_REASON_HEADER] = reason;
  return h;
}

/** Reads the refusal headers (any letter case). */
export function refusalFromHeaders(headers: Record<string, string | string[] | undefined>): RemoteRefusal {
  const get = (name: string): string | undefined => {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(headers)) {
      if (k.toLowerCase() !== want || v === undefined) continue;
      const s = (Array.isArray(v) ? v[0] : v)?.trim();
      return s && TOKEN.test(s) ? s : undefined;
    }
    return undefined;
  };
  return { code: get(REFUSAL_CODE_HEADER), reason: get(REFUSAL_REASON_HEADER) };
}

/** A gRPC error with go-livepeer's status code and message, and the refusal code in its details. */
export function refusalConnectError(message: string, status: Code, code: string, opts: { reason?: string; fatal?: boolean; cause?: unknown } = {}): ConnectError {
  const detail = create(ErrorDetailSchema, { code, reason: opts.reason ?? '', fatal: opts.fatal ?? false });
  return new ConnectError(message, status, undefined, [{ desc: ErrorDetailSchema, value: detail }], opts.cause);
}

/** The refusal code a livepeer-ts peer put in a gRPC error's details (none from go-livepeer). */
export function refusalFromConnectError(err: unknown): RemoteRefusal {
  const ce = ConnectError.from(err);
  const d = ce.findDetails(ErrorDetailSchema)[0];
  return { code: d && d.code !== '' ? d.code : undefined, reason: d && d.reason !== '' ? d.reason : undefined };
}
