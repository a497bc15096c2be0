// Typed errors of the gateway node. `code` is stable; `status` is what the client API answers
// (go-livepeer's gateway maps everything to 400, 503 or 500); `fatal` marks start-up errors.

export type GatewayErrorCode =
  | 'GW_CONFIG'
  | 'GW_BAD_REQUEST'
  | 'GW_UNAUTHORIZED'
  | 'GW_NO_ORCHESTRATORS'
  | 'GW_ORCHESTRATOR_FAILED'
  | 'GW_INTERNAL';

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly status: number,
    readonly fatal = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
 * Why one orchestrator attempt failed. `kind` drives the retry decision:
 *  - 'unreachable' (connect error / timeout), 'server' (5xx), 'capacity' (503 insufficient capacity),
 *    'payment' (402/403 or a 400 about tickets/balance) → try ANOTHER orchestrator;
 *  - 'params-expired' → refresh the session and try again (same orchestrator allowed);
 *  - 'client' (other 4xx) → the client's request is bad: answer it, do not retry.
 */
export type AttemptFailureKind = 'unreachable' | 'server' | 'capacity' | 'payment' | 'params-expired' | 'client';

export class OrchestratorAttemptError extends GatewayError {
  constructor(
    readonly kind: AttemptFailureKind,
    readonly orchestrator: string,
    readonly upstreamStatus: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('GW_ORCHESTRATOR_FAILED', message, kind === 'client' ? 400 : 503, false, options);
  }

  /**
   * Whether the orchestrator (probably) kept the credit sent with this attempt. go-livepeer's
   * orchestrator refuses for capacity (503 "insufficient capacity") BEFORE it processes the
   * payment, and fails jobs (runner unavailable or broken, 5xx) AFTER crediting the tickets.
   */
  get paymentCredited(): boolean {
    const s = this.upstreamStatus;
    if (s === undefined || s < 500) return false;
    return !/insufficient capacity/i.test(this.message);
  }
}
