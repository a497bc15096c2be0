// Typed errors of the eth layer: a stable `code`, a message that says what to do, and `fatal`
// (true when retrying the same call cannot help).
import type { Hex } from 'viem';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const ethErrorCodes = defineErrorCodes('src/eth', {
  ANVIL_NOT_FOUND: 'The anvil binary (npm @foundry-rs/anvil) is missing: run npm install.',
  ANVIL_START_FAILED: 'anvil did not start or did not report its port.',
  ARTIFACT_MISSING: 'A compiled contract artifact is missing: run npm run build.',
  DEPLOY_FAILED: 'Deploying a contract failed or reverted.',
  TX_REVERTED: 'A transaction reverted; `reason` holds the decoded revert reason when there was one, `txHash` is set when it was mined.',
  TX_TIMEOUT: 'A transaction was not mined in time: is the chain producing blocks?',
  BAD_CONFIG: 'A chain address or setting is wrong (e.g. a contract not registered in the Controller).',
  WATCHER_CHECKPOINT_LOST: 'A chain watcher\'s checkpoint is not on the chain within its reorg bound (another chain, or a deeper reorg): it restarts at the head and the events in between are not replayed.',
});

export type EthErrorCode = CodeOf<typeof ethErrorCodes>;

export class EthError extends LivepeerError<EthErrorCode> {
  override name = 'EthError';
  /** For TX_REVERTED: the decoded revert reason (e.g. "ticket is used"), only when one was decoded. */
  readonly reason: string | undefined;
  /** For TX_REVERTED: the hash of the transaction when it was mined (and reverted on chain). */
  readonly txHash: Hex | undefined;
  constructor(code: EthErrorCode, message: string, opts: { fatal?: boolean; cause?: unknown; reason?: string; txHash?: Hex } = {}) {
    super(code, message, { fatal: opts.fatal ?? true, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.reason = opts.reason;
    this.txHash = opts.txHash;
  }
}
