// Typed refusals of the orchestrator. `status` and the plain-text message are what go-livepeer's
// HTTP handlers answer; `code` is stable, travels in the Livepeer-Error-Code header (src/wire
// refusal.ts) and is what stats count refusals by.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';
import type { RefusalCode } from '../../wire/index.js';

export const orchestratorErrorCodes = defineErrorCodes('src/nodes/orchestrator', {
  BAD_CONFIG: 'The orchestrator cannot start as configured (flags, aiModels, chain): the message says which.',
});

/** The refusal codes sent on the wire (src/wire refusalCodes) plus the start-up error. */
export type OrchestratorErrorCode = RefusalCode | CodeOf<typeof orchestratorErrorCodes>;

export class OrchestratorError extends LivepeerError<OrchestratorErrorCode> {
  override name = 'OrchestratorError';
  declare readonly status: number;
  /** A finer reason (e.g. the pm code of a refused ticket); sent as Livepeer-Error-Reason. */
  readonly reason: string | undefined;
  constructor(code: OrchestratorErrorCode, status: number, message: string, opts: { fatal?: boolean; reason?: string; cause?: unknown } = {}) {
    super(code, message, { status, fatal: opts.fatal ?? false, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.reason = opts.reason;
  }
}

/** Startup problems: bad flags, unusable aiModels, unreachable chain. */
export class OrchestratorConfigError extends OrchestratorError {
  override name = 'OrchestratorConfigError';
  constructor(message: string, opts: { cause?: unknown; reason?: string } = {}) {
    super('BAD_CONFIG', 0, message, { fatal: true, ...opts });
  }
}
