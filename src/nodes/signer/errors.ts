// Typed errors of the signer's HTTP node (src/nodes/signer): its configuration, the refusals the
// HTTP layer itself answers before the signer service sees a request (auth, body bounds, JSON), the
// auth webhook client and /discover-orchestrators. The service's own refusals (400/480/481/482/409…)
// carry src/signer's codes (SignerErrorCode in src/signer/types.ts).
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const signerNodeErrorCodes = defineErrorCodes('src/nodes/signer', {
  SIGNER_NODE_BAD_CONFIG: 'The signer node cannot start as configured (a flag, the listen address, a TLS file, or a public -httpAddr with no -authToken, no -remoteSignerWebhookUrl and no -remoteSignerAllowNoAuth): the message says which.',
  SIGNER_UNAUTHORIZED: '401: the request lacks `Authorization: Bearer <token>` with the signer\'s -authToken (compared in constant time); nothing was read or signed.',
  SIGNER_REQUEST_TOO_LARGE: '413: the request body is above the signer\'s JSON bound (1 MiB: an OrchestratorInfo, a state and capabilities are a few KB); refused while it arrives, nothing buffered past the bound.',
  SIGNER_REQUEST_TIMEOUT: '408: the request body did not arrive in time (idle or total bound); nothing was signed.',
  SIGNER_BAD_JSON: '400: the body is not JSON, or nests deeper than the signer\'s bound (16 levels; the deepest honest body has 3): refused before parsing.',
  SIGNER_WEBHOOK_FAILED: 'The auth webhook (-remoteSignerWebhookUrl) failed: unreachable, timed out (5 s), an HTTP status other than 200, a body that is not JSON or above 64 KiB, a missing or non-positive `status` (500, as go-livepeer), or a malformed `maxPrice` (502). The gateway sees go-livepeer\'s masked 500 message.',
  SIGNER_DISCOVERY_EMPTY: '503 (go-livepeer "cache empty", sent as "Service Unavailable Error"): /discover-orchestrators has no orchestrator to list yet: no source listed one, or none answered GetOrchestrator with a price within the limits.',
});

export type SignerNodeErrorCode = CodeOf<typeof signerNodeErrorCodes>;

export class SignerNodeError extends LivepeerError<SignerNodeErrorCode> {
  override name = 'SignerNodeError';
}

export class SignerNodeConfigError extends SignerNodeError {
  override name = 'SignerNodeConfigError';
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('SIGNER_NODE_BAD_CONFIG', message, { fatal: true, ...opts });
  }
}

/** The auth webhook failed; `status` is what the gateway gets (500, or 502 for a malformed maxPrice). */
export class SignerWebhookError extends SignerNodeError {
  override name = 'SignerWebhookError';
  constructor(message: string, status: 500 | 502, opts: { cause?: unknown } = {}) {
    super('SIGNER_WEBHOOK_FAILED', message, { status, ...opts });
  }
}
