// Typed errors of the runner client. `code` is stable; messages say what to check next.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const runnerErrorCodes = defineErrorCodes('src/ai (runner client)', {
  RUNNER_UNREACHABLE: 'No HTTP answer from the runner (refused, DNS, reset): check it runs and the url/port.',
  RUNNER_TIMEOUT: 'The runner did not answer in time: the job may be too large or the runner stuck.',
  RUNNER_STATUS: 'The runner answered non-2xx; `status` and `runnerMessage` are its own.',
  RUNNER_BAD_RESPONSE: 'A 2xx body that is not what the ai-runner API promises.',
  RUNNER_STREAM_ERROR: 'The runner reported an error in the middle of an SSE stream.',
});

export type RunnerErrorCode = CodeOf<typeof runnerErrorCodes>;

export abstract class RunnerError extends LivepeerError<RunnerErrorCode> {
  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset. */
export class RunnerUnreachableError extends RunnerError {
  constructor(readonly url: string, cause: unknown) {
    super('RUNNER_UNREACHABLE', `runner at ${url} is unreachable (${describeCause(cause)}); check that it is running and the url/port are right`, { cause });
  }
}

export class RunnerTimeoutError extends RunnerError {
  constructor(readonly url: string, readonly timeoutMs: number) {
    super('RUNNER_TIMEOUT', `runner at ${url} did not answer within ${timeoutMs} ms; the job may be too large or the runner stuck`);
  }
}

/** The runner answered with a non-2xx status; `runnerMessage` is its own error text. */
export class RunnerStatusError extends RunnerError {
  constructor(readonly url: string, override readonly status: number, readonly runnerMessage: string, readonly body: unknown) {
    super('RUNNER_STATUS', `runner at ${url} returned ${status}: ${runnerMessage}`);
  }
}

/** 2xx, but the body is not what the ai-runner API promises. */
export class RunnerBadResponseError extends RunnerError {
  constructor(readonly url: string, detail: string) {
    super('RUNNER_BAD_RESPONSE', `runner at ${url} sent a bad response: ${detail}`);
  }
}

/** The runner reported an error in the middle of an SSE stream (`data: {"error": …}`). */
export class RunnerStreamError extends RunnerError {
  constructor(readonly url: string, readonly runnerMessage: string) {
    super('RUNNER_STREAM_ERROR', `runner at ${url} failed mid-stream: ${runnerMessage}`);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    // fetch wraps the socket's error ("fetch failed", cause: {code}); node:http gives it as is.
    const holder = inner && typeof inner === 'object' && 'code' in inner ? inner : 'code' in cause ? cause : undefined;
    const code = holder ? String((holder as { code: unknown }).code) : undefined;
    return code ?? cause.message;
  }
  return String(cause);
}
