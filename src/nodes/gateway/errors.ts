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
    GW_NO_ORCHESTRATORS: 'No orchestrator could take the job (503 "Service Unavailable Error"); `reason` lists each attempt.',
    GW_ORCHESTRATOR_FAILED: 'One orchestrator attempt failed; `kind` says whether it is retried, on which orchestrator, and whether it is suspended.',
    GW_INTERNAL: 'An unexpected gateway error (500).',
    GW_PAYMENT_FAILED: 'Tickets could not be created for an orchestrator (not a pm refusal): another orchestrator is tried.',
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
    GW_FORWARD_TIMEOUT: 'The orchestrator sent no response headers within -requestTimeout.',
    GW_FORWARD_RESET: 'The request or response stream to the orchestrator broke, or the answer was too large.',
    GW_ORCHESTRATOR_BUSY: 'GetOrchestrator answered ORCHESTRATOR_CAPPED: the orchestrator is full, not broken, and is not suspended.',
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

/** The client's request is wrong: 400, never retried on another orchestrator. */
export class BadRequestError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GW_BAD_REQUEST', message, 400, false, options);
  }
}

export class UnauthorizedError extends GatewayError {
  constructor() {
    super('GW_UNAUTHORIZED', 'missing or wrong gateway auth token: send Authorization: Bearer <token>', 401);
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
 *    the job itself is too large and the client gets 400.
 */
export type AttemptFailureKind = 'unreachable' | 'server' | 'capacity' | 'payment' | 'params-expired' | 'client' | 'too-costly';

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
