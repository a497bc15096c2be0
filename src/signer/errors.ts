// The signer's typed refusals: one code per SignerErrorCode (types.ts), the HTTP status it is
// answered with, and go-livepeer's message text where go-livepeer has one.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const signerErrorCodes = defineErrorCodes('src/signer', {
  SIGNER_BAD_REQUEST: '400: the /generate-live-payment request is malformed (JSON, base64, protobuf, price, ticket params, manifest id, job type, capabilities, maxPrice); the message is go-livepeer\'s text.',
  SIGNER_INVALID_STATE: '400: the state is not one this signer signed ("invalid sig"), does not decode ("invalid state"), or belongs to another orchestrator, app or job type: send the state exactly as it came back, or start with a null state.',
  SIGNER_TOO_MANY_TICKETS: '400: the call would need more than 100 tickets (the ticket EV is tiny next to the fee): raise the orchestrator\'s ticket EV or pay more often.',
  SIGNER_REFRESH_SESSION: '480: the auth token is in its last 10 % or the ticket params expired: call GetOrchestrator again on Livepeer-Orchestrator-URL and retry.',
  SIGNER_PRICE_EXCEEDED: '481: the orchestrator\'s price is above a ceiling (configured, per capability, request maxPrice, the session\'s initial price, the webhook maxPrice): pick another orchestrator.',
  SIGNER_NO_TICKETS: '482: the state\'s balance already covers the fee: keep the state (it comes back unchanged) and call again after retryAfterMs.',
  SIGNER_STATE_REPLAYED: '409: the state is older than the latest the signer issued for its session: carry on with the state in the body (latestSequenceNumber says which).',
  SIGNER_STATE_CONFLICT: '409: another call (or replica) advanced this session at the same moment and won: carry on with the state in the body.',
  SIGNER_STATE_UNKNOWN: '409: the signer has no record of this session (pruned after being idle, or issued by a signer not sharing this store): start a new session with a null state.',
  SIGNER_SPEND_CAP: '403: a spend cap (per session, per auth id over its window, or in total) would be exceeded; nothing was signed.',
  SIGNER_UNAUTHORIZED: '401: missing or wrong bearer token (-authToken).',
  SIGNER_WEBHOOK_REFUSED: 'The auth webhook refused the call: its status and reason are passed on.',
  SIGNER_WEBHOOK_FAILED: '500/502: the auth webhook failed, answered non-200 or malformed JSON, or gave a malformed maxPrice.',
  SIGNER_AUTH_ID_CHANGED: '500 (as go-livepeer): the auth id differs from the one pinned in the state.',
  SIGNER_INTERNAL: '500: the signer failed (the store, the chain view, signing): retry later with the same state.',
});

export type SignerCode = CodeOf<typeof signerErrorCodes>;

export class SignerError extends LivepeerError<SignerCode> {
  override name = 'SignerError';
  constructor(code: SignerCode, status: number, message: string, opts: { cause?: unknown; fatal?: boolean } = {}) {
    super(code, message, { status, fatal: opts.fatal ?? status < 500, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
  }
}

export const badRequest = (message: string, cause?: unknown): SignerError => new SignerError('SIGNER_BAD_REQUEST', 400, message, { cause });
export const invalidState = (message: string): SignerError => new SignerError('SIGNER_INVALID_STATE', 400, message);
