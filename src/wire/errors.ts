// Typed errors for the wire layer. Match on `code` (stable), never on the message. `status` is the
// HTTP status go-livepeer answers with where it defines one (402 for a bad Livepeer-Payment, 403 for
// bad segment credentials / auth tokens), so the nodes can map errors without a table of their own.

export type WireErrorCode =
  | 'WIRE_MISSING_HEADER'
  | 'WIRE_BAD_BASE64'
  | 'WIRE_BAD_PROTOBUF'
  | 'WIRE_VALUE_OUT_OF_RANGE'
  | 'WIRE_INVALID_FIELD'
  | 'WIRE_MISSING_AUTH_TOKEN'
  | 'WIRE_INVALID_AUTH_TOKEN'
  | 'WIRE_EXPIRED_AUTH_TOKEN'
  | 'WIRE_INVALID_SIGNATURE'
  | 'WIRE_TLS_CERT';

export class WireError extends Error {
  readonly code: WireErrorCode;
  /** True when retrying the same input can never succeed. */
  readonly fatal: boolean;
  /** go-livepeer's HTTP status for this refusal, when it defines one. */
  readonly status: number | undefined;
  constructor(code: WireErrorCode, message: string, opts: { fatal?: boolean; status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'WireError';
    this.code = code;
    this.fatal = opts.fatal ?? true;
    this.status = opts.status;
  }
}

/** A header (Livepeer-Payment, Livepeer-Segment) that is missing, not base64, or not the protobuf message. */
export class HeaderDecodeError extends WireError {
  readonly header: string;
  constructor(
    code: 'WIRE_MISSING_HEADER' | 'WIRE_BAD_BASE64' | 'WIRE_BAD_PROTOBUF',
    header: string,
    message: string,
    opts: { status?: number; cause?: unknown } = {},
  ) {
    super(code, message, { fatal: true, ...opts });
    this.name = 'HeaderDecodeError';
    this.header = header;
  }
}

/** A number that cannot be represented on the wire (e.g. a price above int64) or a negative amount. */
export class ValueRangeError extends WireError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('WIRE_VALUE_OUT_OF_RANGE', message, { fatal: true });
    this.name = 'ValueRangeError';
    this.field = field;
  }
}

/** A message field with the wrong shape (e.g. a 19-byte address, a 33-byte hash). */
export class InvalidFieldError extends WireError {
  readonly field: string;
  constructor(field: string, message: string, status?: number) {
    super('WIRE_INVALID_FIELD', message, { fatal: true, status });
    this.name = 'InvalidFieldError';
    this.field = field;
  }
}

/** go-livepeer's "missing auth token" / "invalid auth token" / "expired auth token" (403). */
export class AuthTokenError extends WireError {
  constructor(code: 'WIRE_MISSING_AUTH_TOKEN' | 'WIRE_INVALID_AUTH_TOKEN' | 'WIRE_EXPIRED_AUTH_TOKEN', message: string) {
    // An expired token is cured by calling GetOrchestrator again, so it is not fatal.
    super(code, message, { fatal: code !== 'WIRE_EXPIRED_AUTH_TOKEN', status: 403 });
    this.name = 'AuthTokenError';
  }
}

/** A signature (segment credentials, OrchestratorRequest.sig) that is malformed or from the wrong key. */
export class WireSignatureError extends WireError {
  /** Stable reason, as src/pm names it: 'length-<n>', 'v-not-27-28', 'high-s', 'recover-failed', 'wrong-signer'. */
  readonly reason: string;
  constructor(reason: string, message: string, status = 403) {
    super('WIRE_INVALID_SIGNATURE', message, { fatal: true, status });
    this.name = 'WireSignatureError';
    this.reason = reason;
  }
}
