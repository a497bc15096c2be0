// Typed errors of the eth layer: a stable `code`, a message that says what to do, and `fatal`
// (true when retrying the same call cannot help).

export type EthErrorCode =
  | 'ANVIL_NOT_FOUND'
  | 'ANVIL_START_FAILED'
  | 'ARTIFACT_MISSING'
  | 'DEPLOY_FAILED'
  | 'TX_REVERTED'
  | 'TX_TIMEOUT'
  | 'BAD_CONFIG';

export class EthError extends Error {
  readonly code: EthErrorCode;
  readonly fatal: boolean;
  /** For TX_REVERTED: the decoded revert reason (e.g. "ticket is used"), when there was one. */
  readonly reason: string | undefined;
  constructor(code: EthErrorCode, message: string, opts: { fatal?: boolean; cause?: unknown; reason?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EthError';
    this.code = code;
    this.fatal = opts.fatal ?? true;
    this.reason = opts.reason;
  }
}
