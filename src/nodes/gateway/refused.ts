// Why an orchestrator is not used for a job, as the session pool records it: the gateway's own code,
// the orchestrator's refusal code when it sent one (or the one its go-livepeer text stands for), and
// whether it is this gateway's own funding shortfall — then the client is told so (402) and the
// orchestrator is neither suspended nor left out of the next job.
import { refusalFromConnectError } from '../../wire/index.js';
import { LivepeerError } from '../../errors/index.js';
import { senderFundsReason } from './attempt-failure.js';
import type { GatewayErrorCode } from './errors.js';
import { goLivepeerRpcRefusal } from './golivepeer-errors.js';

export class SessionRefusedError extends LivepeerError<GatewayErrorCode> {
  override name = 'SessionRefusedError';
  /** The orchestrator's own refusal code (gRPC ErrorDetail, or recognised from go-livepeer's text). */
  readonly remoteCode: string | undefined;
  /** Set when the refusal is this gateway's own funding problem (deposit, reserve): the shortfall's code. */
  readonly senderFunds: string | undefined;
  constructor(code: GatewayErrorCode, message: string, opts: { remoteCode?: string; senderFunds?: string; cause?: unknown } = {}) {
    super(code, message, opts.cause === undefined ? {} : { cause: opts.cause });
    this.remoteCode = opts.remoteCode;
    this.senderFunds = opts.senderFunds;
  }
}

/**
 * Why GetOrchestrator failed, from the code in the gRPC status details (a livepeer-ts orchestrator)
 * or go-livepeer's text (golivepeer-errors.ts). A capped orchestrator is busy, not broken: it is
 * left out for this (capability, model) for a while but not suspended. One that cannot issue params
 * because our reserve share is too small is our funding problem: GW_SENDER_FUNDS, asked again next job.
 */
export function discoveryRefusal(url: string, err: unknown): SessionRefusedError {
  const remote = refusalFromConnectError(err);
  const golp = remote.code === undefined ? goLivepeerRpcRefusal(err instanceof Error ? err.message : String(err)) : undefined;
  const remoteCode = remote.code ?? golp?.code;
  const senderFunds = senderFundsReason(remoteCode, remote.reason ?? golp?.reason);
  const message = `GetOrchestrator on ${url} failed: ${err instanceof Error ? err.message : String(err)}`;
  const code = remoteCode === 'ORCHESTRATOR_CAPPED' ? 'GW_ORCHESTRATOR_BUSY' : senderFunds ? 'GW_SENDER_FUNDS' : 'GW_DISCOVERY_FAILED';
  return new SessionRefusedError(code, message, { cause: err, ...(remoteCode === undefined ? {} : { remoteCode }), ...(senderFunds ? { senderFunds } : {}) });
}
