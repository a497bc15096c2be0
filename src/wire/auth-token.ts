// The orchestrator's AuthToken (go-livepeer core/orchestrator.go): a session credential handed out
// by GetOrchestrator and checked on every paid request (verifySegCreds).
//   token = HMAC-SHA256(O secret, utf8(session_id) ‖ bigEndianMinimal(expiration))
// expiration is unix seconds; tokens are valid for 30 minutes by default.
import { create } from '@bufbuild/protobuf';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthTokenSchema, type AuthToken } from './gen/net/lp_rpc_pb.js';
import { bigIntToMinimalBytes, concatBytes } from './bytes.js';
import { AuthTokenError } from './errors.js';

/** go-livepeer's authTokenValidPeriod. */
export const AUTH_TOKEN_VALIDITY_SECONDS = 30 * 60;

function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/** The HMAC for a session id and expiration. Negative expirations are refused. */
export function authTokenHmac(secret: Uint8Array, sessionId: string, expiration: bigint): Uint8Array {
  const msg = concatBytes(new TextEncoder().encode(sessionId), bigIntToMinimalBytes(expiration, 'expiration'));
  return Uint8Array.from(createHmac('sha256', secret).update(msg).digest());
}

export interface CreateAuthTokenOptions {
  /** Default: 16 random bytes as hex (go-livepeer uses a random string too). */
  sessionId?: string;
  /** Seconds; default 30 min. */
  validitySeconds?: number;
  /** Unix seconds; default now (tests pass a fixed clock). */
  now?: bigint;
}

/** A fresh AuthToken for GetOrchestrator. */
export function createAuthToken(secret: Uint8Array, opts: CreateAuthTokenOptions = {}): AuthToken {
  const sessionId = opts.sessionId ?? randomBytes(16).toString('hex');
  const expiration = (opts.now ?? nowSeconds()) + BigInt(opts.validitySeconds ?? AUTH_TOKEN_VALIDITY_SECONDS);
  return create(AuthTokenSchema, { token: authTokenHmac(secret, sessionId, expiration), sessionId, expiration });
}

/**
 * Throws AuthTokenError unless the token is present, its HMAC matches and it has not expired
 * ("missing auth token" / "invalid auth token" / "expired auth token", all 403 in go-livepeer).
 * Returns the token's session id.
 */
export function verifyAuthToken(secret: Uint8Array, token: AuthToken | undefined, opts: { now?: bigint } = {}): string {
  if (token === undefined) {
    throw new AuthTokenError('WIRE_MISSING_AUTH_TOKEN', 'missing auth token: send the auth_token from GetOrchestrator in the segment credentials');
  }
  if (token.expiration < 0n) {
    throw new AuthTokenError('WIRE_INVALID_AUTH_TOKEN', 'invalid auth token: negative expiration');
  }
  const expected = authTokenHmac(secret, token.sessionId, token.expiration);
  if (token.token.length !== expected.length || !timingSafeEqual(token.token, expected)) {
    throw new AuthTokenError('WIRE_INVALID_AUTH_TOKEN', 'invalid auth token: it was not issued by this orchestrator or was altered');
  }
  const now = opts.now ?? nowSeconds();
  if (token.expiration < now) {
    throw new AuthTokenError('WIRE_EXPIRED_AUTH_TOKEN', 'expired auth token: call GetOrchestrator again for a fresh one');
  }
  return token.sessionId;
}
