// Typed errors of the gateway node. `code` is stable; `status` is what the client API answers
// (go-livepeer's gateway maps everything to 400, 503 or 500); `fatal` marks start-up errors.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';
import type { PmErrorCode } from '../../pm/index.js';

export const gatewayErrorCodes = defineErrorCodes(
  'src/nodes/gateway',
  {
    GW_CONFIG: 'The gateway cannot start as configured: the message names the flag.',
    GW_BAD_REQUEST: 'The client request is wrong (400): fix it; it is not retried on another orchestrator.',
    GW_UNAUTHORIZED: 'Missing or wrong gateway auth token (401): send Authorization: Bearer <token>.',
    GW_REQUEST_TOO_LARGE: 'The request body is above the route\'s limit (413: -maxBodyBytes for multipart routes, at most 4 MiB for JSON ones), declared or counted while it is read, before any orchestrator is asked or paid.',
    GW_REQUEST_TIMEOUT: 'The request did not arrive in time (408); `reason`: idle (no body bytes for -bodyIdleTimeoutMs), total (body not complete within -bodyTimeoutMs) or headers (not complete within -headersTimeoutMs).',
    GW_TOO_MANY_UNPAID_REQUESTS: 'More than -maxUnpaidRequests requests are being read and counted (503 with Retry-After, before the body is read): retry after the given seconds.',
    GW_NO_ORCHESTRATORS: 'No orchestrator could take the job (503 "Service Unavailable Error"); `reason` lists each attempt.',
    GW_ORCHESTRATOR_FAILED: 'One orchestrator attempt failed; `kind` says whether it is retried, on which orchestrator, and whether it is suspended.',
    GW_INTERNAL: 'An unexpected gateway error (500).',
    GW_PAYMENT_FAILED: 'Tickets could not be created for an orchestrator (not a pm refusal): another orchestrator is tried.',
    GW_PAYMENT_TOO_LARGE: 'The job\'s fee at an orchestrator\'s ticket EV needs more tickets than one payment may carry (471, what surely fits the 48 KiB Livepeer-Payment header): another orchestrator is tried, none is counted as failing; if none can take it, the client gets 400 with this code (the job is too large to pay for).',
    GW_DISCOVERY_FAILED: 'GetOrchestrator failed (unreachable, timeout, refused): the orchestrator is not used for a while.',
    GW_NO_TRANSCODER: 'The orchestrator answered without a transcoder URL.',
    GW_INCOMPATIBLE: 'The orchestrator lacks a capability the job needs.',
    GW_MODEL_MISSING: 'The orchestrator does not list the job\'s model.',
    GW_NO_AUTH_TOKEN: 'The orchestrator sent no auth token.',
    GW_NO_PRICE: 'The orchestrator sent no price.',
    GW_BAD_PRICE: 'The orchestrator sent a price that cannot be used.',
    GW_PRICE_TOO_HIGH: 'The orchestrator asks more than -maxPricePerUnit for the job: no job is sent to it.',
    GW_NO_TICKET_PARAMS: 'On-chain, the orchestrator sent no ticket params.',
    GW_BAD_TICKET_PARAMS: 'The ticket params cannot be decoded.',
    GW_FORWARD_CONNECT: 'No connection to the orchestrator\'s HTTPS API (refused, TLS, timeout): another orchestrator is tried.',
    GW_FORWARD_TIMEOUT: 'The orchestrator did not answer the job (headers and body) within its deadline (-aiRequestTimeouts, by pipeline): another orchestrator is tried.',
    GW_FORWARD_RESET: 'The request or response stream to the orchestrator broke (its connection closed, it stopped answering PINGs, it reset the stream), or the answer was too large.',
    GW_FORWARD_ABORTED: 'The gateway cancelled the request to the orchestrator (RST_STREAM CANCEL) because its own client went away.',
    GW_CLIENT_GONE: 'The client closed its connection before the answer: the job was cancelled at the orchestrator and its payment settled; nothing is answered (499 in logs).',
    GW_ORCHESTRATOR_BUSY: 'GetOrchestrator answered ORCHESTRATOR_CAPPED: the orchestrator is full, not broken, and is not suspended.',
    GW_LIVE_STREAM_EXISTS: 'A live stream of that name is running (409): stop it (DELETE /live/video-to-video/{stream}) or use another name.',
    GW_LIVE_TOO_MANY_STREAMS: 'The gateway runs its maximum of live streams (-maxLiveStreams, 503).',
    GW_LIVE_UNKNOWN_STREAM: 'No live stream of that name (404; a stream\'s status stays 1 min after its end).',
    GW_LIVE_INSUFFICIENT_BALANCE: 'The orchestrator stopped the live stream because its credit did not cover an interval: the stream\'s stop_reason carries its figures (balance, owed, price per second, last payment). The gateway did not pay enough or in time; the stream is not swapped.',
    GW_LIVE_ORCHESTRATOR_FAILED: 'A live stream\'s link to its orchestrator broke (input, output, events or control channel): the gateway swaps to another orchestrator within go-livepeer\'s limits.',
    GW_LIVE_NO_EVENTS: 'No event from the orchestrator\'s events channel for 30 s (the runner\'s heartbeat is every 10 s): the orchestrator is swapped.',
    GW_LIVE_ORCHESTRATOR_SLOW: 'A live input segment began while 3 were still being written to the orchestrator (go-livepeer\'s maxInflightSegments): it reads too slowly and is swapped.',
    GW_LIVE_NO_OUTPUT: 'No output segment from the orchestrator for the output timeout (go-livepeer\'s 30 s) while the input was recent: it is swapped.',
    GW_LIVE_STOPPED: 'The live stream was stopped by the client (DELETE) or the gateway shutting down.',
    GW_LIVE_INPUT_ENDED: 'The client ended the live input (closed its input channel): the stream stops.',
    GW_LIVE_BAD_START_REPLY: 'An orchestrator answered a live start with a reply the gateway cannot use (no manifest_id, a missing or non-http(s) URL, not JSON): it is suspended and another one is tried.',
    GW_LIVE_SWAP_LIMIT: 'A third orchestrator swap with less than 3 min between consecutive swaps (go-livepeer\'s limit): the stream stops.',
    GW_SENDER_FUNDS:
      'This gateway\'s own TicketBroker funds do not cover the tickets (402): `reason` names the shortfall (DEPOSIT_TOO_LOW, RESERVE_EXHAUSTED, INSUFFICIENT_SENDER_RESERVE, NO_SENDER_DEPOSIT, NO_SENDER_RESERVE, FACE_VALUE_TOO_HIGH, SENDER_UNLOCK_SOON). The deposit pays winning tickets; the reserve guarantees them, each active orchestrator being owed its share per round. Top up (livepeer-ts chain fund-deposit / fund-reserve): orchestrators take the tickets again as soon as they see it. Never counted against an orchestrator.',
  },
  { 'PM_<pm code>': 'A src/pm refusal (see src/pm) of the orchestrator\'s ticket params or of creating tickets, prefixed PM_.' },
);

export type GatewayErrorCode = CodeOf<typeof gatewayErrorCodes> | `PM_${PmErrorCode}`;

export class GatewayError extends LivepeerError<GatewayErrorCode> {
  declare readonly status: number;
  constructor(code: GatewayErrorCode, message: string, status: number, fatal = false, options?: { cause?: unknown }) {
    super(code, message, { status, fatal, ...(options?.cause === undefined ? {} : { cause: options.cause }) });
    this.name = new.target.name;
  }
}

/** Bad configuration: the node refuses to start. */
export class GatewayConfigError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GW_CONFIG', message, 500, true, options);
  }
}

/**
 * This gateway cannot pay: its TicketBroker deposit or reserve (share) does not cover the tickets
 * (402). `reason` is the shortfall's code; the message says what to top up.
 */
export class SenderFundsError extends GatewayError {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('GW_SENDER_FUNDS', message, 402, false, options);
  }
}

/** The client's request is wrong: 400, never retried on another orchestrator. */
export class BadRequestError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GW_BAD_REQUEST', message, 400, false, options);
  }
}

/** A body above its route's limit: 413, never retried. */
export class RequestTooLargeError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GW_REQUEST_TOO_LARGE', message, 413, false, options);
  }
}

/** The job's fee needs more tickets than one payment may carry, wherever it was tried: 400. */
export class PaymentTooLargeError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GW_PAYMENT_TOO_LARGE', message, 400, false, options);
  }
}

export class UnauthorizedError extends GatewayError {
  constructor() {
    super('GW_UNAUTHORIZED', 'missing or wrong gateway auth token: send Authorization: Bearer <token>', 401);
  }
}

/** The client went away before its answer (nginx's 499): the job was cancelled, nothing more is sent. */
export class ClientGoneError extends GatewayError {
  constructor(message = 'the client closed the connection before the answer') {
    super('GW_CLIENT_GONE', message, 499);
  }
}

/** No orchestrator could take the job (none configured, none compatible/affordable, all failed). */
export class NoOrchestratorsError extends GatewayError {
  constructor(message: string, readonly attempts: readonly string[] = []) {
    super('GW_NO_ORCHESTRATORS', message, 503);
  }
}

/**
 * Why one orchestrator attempt failed. `kind` drives the retry decision (attempt-failure.ts):
 *  - 'unreachable' (connect error / timeout), 'server' (5xx, runner crash) → try ANOTHER
 *    orchestrator and back this one off for the job's capability only (backoff.ts);
 *  - 'payment' (the payment or the credentials were refused) → try another, no backoff;
 *  - 'capacity' → try another orchestrator; this one is busy, not suspended;
 *  - 'params-expired' → refresh the session and try again (same orchestrator allowed);
 *  - 'client' → the client's request is bad: answer it, do not retry, do not suspend;
 *  - 'too-costly' → the job's fee at this orchestrator's price is above what one payment may carry
 *    (-maxTotalEV): try another (a cheaper one may take it), no backoff; if every attempt failed so,
 *    the job itself is too large and the client gets 400;
 *  - 'sender-funds' → this gateway's deposit or reserve share does not cover the tickets: try another
 *    (its reserve share is its own), no backoff; if every attempt failed so, the client gets 402.
 */
export type AttemptFailureKind = 'unreachable' | 'server' | 'capacity' | 'payment' | 'params-expired' | 'client' | 'too-costly' | 'sender-funds';

export interface AttemptFailureInfo {
  kind: AttemptFailureKind;
  /** The orchestrator's refusal code: sent by it, or recognised from go-livepeer's text; undefined when neither. */
  remoteCode?: string | undefined;
  remoteReason?: string | undefined;
  /** Whether the orchestrator kept the tickets sent with this attempt (it credited them before failing). */
  credited: boolean;
}

export class OrchestratorAttemptError extends GatewayError {
  readonly kind: AttemptFailureKind;
  readonly remoteCode: string | undefined;
  readonly remoteReason: string | undefined;
  private readonly credited: boolean;
  constructor(
    failure: AttemptFailureInfo,
    readonly orchestrator: string,
    readonly upstreamStatus: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('GW_ORCHESTRATOR_FAILED', message, failure.kind === 'client' ? 400 : 503, false, options);
    this.kind = failure.kind;
    this.remoteCode = failure.remoteCode;
    this.remoteReason = failure.remoteReason;
    this.credited = failure.credited;
  }

  /** Whether the orchestrator kept the credit sent with this attempt (decided by code: attempt-failure.ts). */
  get paymentCredited(): boolean {
    return this.credited;
  }
}
