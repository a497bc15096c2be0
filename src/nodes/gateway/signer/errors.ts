// Typed errors of the gateway's remote-signer client. Decisions are taken on `code` (and, for a
// signer refusal, on the HTTP status and the signer's own `remoteCode`), never on message text.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../../errors/index.js';

export const signerClientErrorCodes = defineErrorCodes('src/nodes/gateway/signer', {
  GW_SIGNER_START:
    'The gateway could not get its address and signature from the remote signer at start (POST /sign-orchestrator-info failed, answered non-200, or a signature that does not recover to the address): it does not start (go-livepeer exits too).',
  GW_SIGNER_UNREACHABLE: 'The remote signer could not be reached, or did not answer within the timeout: nothing was signed (the state is unchanged); the payment is tried again later or another orchestrator is tried.',
  GW_SIGNER_BAD_REPLY: 'The remote signer answered something the gateway cannot use (not JSON, missing fields, a body above the limit): the state is unchanged.',
  GW_SIGNER_REFUSED: 'The remote signer refused the call (a status other than 200/480/481/482/409): `status` and `remoteCode` carry its status and error.code (e.g. SIGNER_BAD_REQUEST, SIGNER_SPEND_CAP); the state is unchanged.',
  GW_SIGNER_PRICE_EXCEEDED: "The remote signer answered 481: the orchestrator's price is above a ceiling. A batch job tries another orchestrator; a live stream swaps to another one.",
  GW_SIGNER_REFRESH_FAILED: 'The remote signer kept answering 480 (refresh the session) after the bounded number of GetOrchestrator refreshes (3, as go-livepeer), or the refresh itself failed: another orchestrator is tried.',
  GW_SIGNER_CONFLICT: 'The remote signer answered 409 (the state is not its latest) again after one resync, or without a state to resync to.',
  GW_SIGNER_NO_SEGCREDS: 'The remote signer answered 482 (paid enough for now) for a batch job before it ever gave segment credentials for that session: nothing to put in Livepeer-Segment.',
});

export type SignerClientErrorCode = CodeOf<typeof signerClientErrorCodes>;

export class SignerClientError extends LivepeerError<SignerClientErrorCode> {
  override name = 'SignerClientError';
  constructor(
    code: SignerClientErrorCode,
    message: string,
    readonly extra: { status?: number; remoteCode?: string; fatal?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, {
      ...(extra.status === undefined ? {} : { status: extra.status }),
      ...(extra.fatal === undefined ? {} : { fatal: extra.fatal }),
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
    });
  }
  /** The signer's error.code, when it sent one. */
  get remoteCode(): string | undefined {
    return this.extra.remoteCode;
  }
}
