// Typed errors of the trickle protocol (server, clients, in-process channels). The three that
// go-livepeer's clients distinguish keep their meaning: stream not found (404), end of stream
// (Lp-Trickle-Closed) and a sequence outside the server's window (470, with the latest seq).
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const trickleErrorCodes = defineErrorCodes('src/media/trickle', {
  TRICKLE_STREAM_NOT_FOUND: 'The channel does not exist on the trickle server (404): it was never created, or was closed and removed. Start a new session.',
  TRICKLE_EOS: 'The channel was closed (Lp-Trickle-Closed): nothing more is published on it.',
  TRICKLE_SEQUENCE_NONEXISTENT: "The requested segment is not in the server's window of 5 (470): `latest` says where the live edge is; jump there.",
  TRICKLE_HTTP: 'The trickle server answered with an unexpected HTTP status (see `status` and the body).',
  TRICKLE_TOO_MANY_ERRORS: 'More than the allowed consecutive failures reaching the trickle server: the subscription stops.',
  TRICKLE_SEGMENT_TOO_LARGE: "A segment grew past the server's per-segment byte cap (413): it was cut off and its readers see an error.",
  TRICKLE_TOO_MANY_CHANNELS: 'The trickle server already holds its maximum number of channels (503): close some or raise the cap.',
  TRICKLE_CHANNEL_EXISTS: 'A channel of that name already exists.',
  TRICKLE_SEGMENT_ABORTED: 'The segment was abandoned before it ended (publisher aborted, connection lost, or the reader fell out of the window): its bytes are incomplete.',
  TRICKLE_CLOSED: 'The publisher or subscriber was closed locally.',
  TRICKLE_BAD_URL: 'The trickle URL is not an absolute http:// or https:// URL.',
});

export type TrickleErrorCode = CodeOf<typeof trickleErrorCodes>;

export class TrickleError extends LivepeerError<TrickleErrorCode> {
  override name = 'TrickleError';
  constructor(code: TrickleErrorCode, message: string, opts: { status?: number; fatal?: boolean; cause?: unknown; details?: string } = {}) {
    super(code, message, opts);
  }
}

/** 470 from a subscribe: the channel exists but `seq` is not in its window; `latest` is the server's next write. */
export class SequenceNonexistentError extends TrickleError {
  override name = 'SequenceNonexistentError';
  constructor(
    readonly seq: number,
    readonly latest: number,
  ) {
    super('TRICKLE_SEQUENCE_NONEXISTENT', `Channel exists but sequence does not: requested ${seq} latest ${latest}`, { status: 470 });
  }
}

export const streamNotFound = (url: string): TrickleError => new TrickleError('TRICKLE_STREAM_NOT_FOUND', `stream not found: ${url}`, { status: 404, fatal: true });
export const endOfStream = (url: string): TrickleError => new TrickleError('TRICKLE_EOS', `End of stream: ${url}`, { fatal: true });
export const segmentAborted = (why: string, cause?: unknown): TrickleError => new TrickleError('TRICKLE_SEGMENT_ABORTED', why, cause === undefined ? {} : { cause });
export const closedLocally = (what: string): TrickleError => new TrickleError('TRICKLE_CLOSED', `${what} is closed`, { fatal: true });

export function isTrickleError(err: unknown, code?: TrickleErrorCode): err is TrickleError {
  return err instanceof TrickleError && (code === undefined || err.code === code);
}
