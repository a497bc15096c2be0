// net.AuthToken ↔ plain data (hex token, bigint expiration) for storage, logs and JSON APIs.
import { create } from '@bufbuild/protobuf';
import { AuthTokenSchema, type AuthToken } from './gen/net/lp_rpc_pb.js';
import { fromHex, toHex } from './bytes.js';

export interface AuthTokenData {
  /** 0x hex of the HMAC. */
  token: `0x${string}`;
  sessionId: string;
  /** Unix seconds. */
  expiration: bigint;
}

export function authTokenFromWire(t: AuthToken): AuthTokenData {
  return { token: toHex(t.token), sessionId: t.sessionId, expiration: t.expiration };
}

export function authTokenToWire(t: AuthTokenData): AuthToken {
  return create(AuthTokenSchema, { token: fromHex(t.token, 'token'), sessionId: t.sessionId, expiration: t.expiration });
}
