// Typed errors for the wire layer. Match on `code` (stable), never on the message. `status` is the
// HTTP status go-livepeer answers with where it defines one (402 for a bad Livepeer-Payment, 403 for
// bad segment credentials / auth tokens), so the nodes can map errors without a table of their own.

import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const wireErrorCodes = defineErrorCodes('src/wire', {
  WIRE_MISSING_HEADER: 'A required header (Livepeer-Payment, Livepeer-Segment) is missing.',
  WIRE_BAD_BASE64: 'A header is not standard base64.',
  WIRE_BAD_PROTOBUF: 'A header or message does not decode as its protobuf message.',
  WIRE_VALUE_OUT_OF_RANGE: 'A number cannot be represented on the wire (e.g. a price above int64, a negative amount).',
  WIRE_INVALID_FIELD: 'A message field has the wrong shape (e.g. a 19-byte address).',
  WIRE_MISSING_AUTH_TOKEN: 'Segment credentials without an auth token (go-livepeer "missing auth token").',
  WIRE_INVALID_AUTH_TOKEN: 'An auth token this orchestrator did not issue (go-livepeer "invalid auth token").',
  WIRE_EXPIRED_AUTH_TOKEN: 'An expired auth token (go-livepeer "expired auth token"): call GetOrchestrator again.',
  WIRE_INVALID_SIGNATURE: 'A signature (segment credentials, OrchestratorRequest) is malformed or from the wrong key.',
  WIRE_LIMIT_EXCEEDED: 'A peer sent more than the protocol allows (a header, a capabilities bitstring or map, tickets in one payment: src/wire/limits.ts), refused before decoding further.',
  WIRE_TLS_CERT: 'The TLS certificate or key could not be read or created.',
});

export type WireErrorCode = CodeOf<typeof wireErrorCodes>;

/** `status` is go-livepeer's HTTP status for this refusal, when it defines one. */
export class WireError extends LivepeerError<WireErrorCode> {
  override name = 'WireError';
  constructor(code: WireErrorCode, message: string, opts: { fatal?: boolean; status?: number; cause?: unknown } = {}) {
    super(code, message, { ...opts, fatal: opts.fatal ?? true });
  }
}

/** A header (Livepeer-Payment, Livepeer-Segment) that is missing, not base64, or not the protobuf message. */
export class HeaderDecodeError extends WireError {
  override name = 'HeaderDecodeError';
  readonly header: string;
  constructor(
    code: 'WIRE_MISSING_HEADER' | 'WIRE_BAD_BASE64' | 'WIRE_BAD_PROTOBUF',
    header: string,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(code, message, { fatal: true, ...opts });
    this.header = header;
  }
}

/** A number that cannot be represented on the wire (e.g. a price above int64) or a negative amount. */
export class ValueRangeError extends WireError {
  override name = 'ValueRangeError';
  readonly field: string;
  constructor(field: string, message: string) {
    super('WIRE_VALUE_OUT_OF_RANGE', message, { fatal: true });
    this.field = field;
  }
}

/** A message field with the wrong shape (e.g. a 19-byte address, a 33-byte hash). */
export class InvalidFieldError extends WireError {
  override name = 'InvalidFieldError';
  readonly field: string;
  constructor(field: string, message: string, status?: number) {
    super('WIRE_INVALID_FIELD', message, { fatal: true, status });
    this.field = field;
  }
}

/** go-livepeer's "missing auth token" / "invalid auth token" / "expired auth token" (403). */
export class AuthTokenError extends WireError {
  override name = 'AuthTokenError';
  constructor(code: 'WIRE_MISSING_AUTH_TOKEN' | 'WIRE_INVALID_AUTH_TOKEN' | 'WIRE_EXPIRED_AUTH_TOKEN', message: string) {
    // An expired token is cured by calling GetOrchestrator again, so it is not fatal.
    super(code, message, { fatal: code !== 'WIRE_EXPIRED_AUTH_TOKEN', status: 403 });
  }
}

/** A signature (segment credentials, OrchestratorRequest.sig) that is malformed or from the wrong key. */
export class WireSignatureError extends WireError {
  override name = 'WireSignatureError';
  /** Stable reason, as src/pm names it: 'length-<n>', 'v-not-27-28', 'high-s', 'recover-failed', 'wrong-signer'. */
  readonly reason: string;
  constructor(reason: string, message: string, status = 403) {
    super('WIRE_INVALID_SIGNATURE', message, { fatal: true, status });
    this.reason = reason;
  }
}
