// The one error base of livepeer-ts, in the manner of viem's BaseError: a stable `code` (what
// programs match on; codes are API), a message that says what to do next (what people read; on the
// wire it keeps go-livepeer's text where go-livepeer defines one, so it is never decorated here),
// `fatal` (retrying the same input cannot help), `details` (the lower-level detail, by default the
// cause's message), `status` (the HTTP status, where the error has one) and the standard `cause`.

export interface LivepeerErrorOptions {
  /** True when retrying the same call with the same input can never succeed. Default false. */
  fatal?: boolean;
  /** The HTTP status this error is answered with, where it has one. */
  status?: number;
  /** The lower-level detail; defaults to the cause's details or message. */
  details?: string;
  cause?: unknown;
}

export class LivepeerError<C extends string = string> extends Error {
  override name = 'LivepeerError';
  readonly code: C;
  readonly fatal: boolean;
  readonly status: number | undefined;
  readonly details: string | undefined;

  constructor(code: C, message: string, opts: LivepeerErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.fatal = opts.fatal ?? false;
    this.status = opts.status;
    this.details = opts.details ?? detailsOf(opts.cause);
  }

  /**
   * Walks this error and its `cause` chain (as viem's BaseError.walk): with `fn`, the first error
   * for which it holds (or null); without, the deepest cause.
   */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn);
  }

  toJSON(): { name: string; code: C; message: string; fatal: boolean; status?: number; details?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      fatal: this.fatal,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Walks `err` and its causes; see LivepeerError.walk. Bounded, so a cause cycle cannot hang it. */
export function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  let e: unknown = err;
  for (let depth = 0; depth < 32; depth++) {
    if (fn?.(e)) return e;
    const next = e && typeof e === 'object' && 'cause' in e ? (e as { cause: unknown }).cause : undefined;
    if (next === undefined || next === null) return fn ? null : e;
    e = next;
  }
  return fn ? null : e;
}

export function isLivepeerError(err: unknown): err is LivepeerError {
  return err instanceof LivepeerError;
}

/** The stable code of `err` when it is a LivepeerError, else undefined. */
export function errorCode(err: unknown): string | undefined {
  return err instanceof LivepeerError ? err.code : undefined;
}

function detailsOf(cause: unknown): string | undefined {
  if (cause instanceof LivepeerError) return cause.details ?? cause.message;
  if (cause instanceof Error) return cause.message;
  if (cause === undefined || cause === null) return undefined;
  return String(cause);
}
