// Typed refusals of the orchestrator. `status` and the plain-text message are what go-livepeer's
// HTTP handlers answer; `code` is stable and is what stats count refusals by.

export type OrchestratorErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_REQUEST'
  | 'PAYMENT_INVALID'
  | 'SEGMENT_INVALID'
  | 'BAD_SEGMENT_SIGNATURE'
  | 'INCOMPATIBLE_CAPABILITIES'
  | 'AUTH_TOKEN'
  | 'INSUFFICIENT_CAPACITY'
  | 'PAYMENT_REJECTED'
  | 'EXPECTED_PRICE_TOO_LOW'
  | 'INSUFFICIENT_BALANCE'
  | 'RUNNER_UNAVAILABLE'
  | 'RUNNER_REJECTED'
  | 'RUNNER_FAILED'
  | 'MEDIA_PROBE_FAILED'
  | 'ORCHESTRATOR_CAPPED';

export class OrchestratorError extends Error {
  readonly code: OrchestratorErrorCode;
  readonly status: number;
  readonly fatal: boolean;
  /** A finer reason (e.g. the pm error code of a refused ticket). */
  readonly reason: string | undefined;
  constructor(code: OrchestratorErrorCode, status: number, message: string, opts: { fatal?: boolean; reason?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'OrchestratorError';
    this.code = code;
    this.status = status;
    this.fatal = opts.fatal ?? false;
    this.reason = opts.reason;
  }
}

/** Startup problems: bad flags, unusable aiModels, unreachable chain. */
export class OrchestratorConfigError extends OrchestratorError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('BAD_CONFIG', 0, message, { fatal: true, ...opts });
    this.name = 'OrchestratorConfigError';
  }
}
