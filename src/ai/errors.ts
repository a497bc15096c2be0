// Typed errors of the runner client. `code` is stable; messages say what to check next.

export type RunnerErrorCode = 'RUNNER_UNREACHABLE' | 'RUNNER_TIMEOUT' | 'RUNNER_STATUS' | 'RUNNER_BAD_RESPONSE' | 'RUNNER_STREAM_ERROR';

export abstract class RunnerError extends Error {
  abstract readonly code: RunnerErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset. */
export class RunnerUnreachableError extends RunnerError {
  readonly code = 'RUNNER_UNREACHABLE';
  constructor(readonly url: string, cause: unknown) {
    super(`runner at ${url} is unreachable (${describeCause(cause)}); check that it is running and the url/port are right`, { cause });
  }
}

export class RunnerTimeoutError extends RunnerError {
  readonly code = 'RUNNER_TIMEOUT';
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`runner at ${url} did not answer within ${timeoutMs} ms; the job may be too large or the runner stuck`);
  }
}

/** The runner answered with a non-2xx status; `runnerMessage` is its own error text. */
export class RunnerStatusError extends RunnerError {
  readonly code = 'RUNNER_STATUS';
  constructor(readonly url: string, readonly status: number, readonly runnerMessage: string, readonly body: unknown) {
    super(`runner at ${url} returned ${status}: ${runnerMessage}`);
  }
}

/** 2xx, but the body is not what the ai-runner API promises. */
export class RunnerBadResponseError extends RunnerError {
  readonly code = 'RUNNER_BAD_RESPONSE';
  constructor(readonly url: string, detail: string) {
    super(`runner at ${url} sent a bad response: ${detail}`);
  }
}

/** The runner reported an error in the middle of an SSE stream (`data: {"error": …}`). */
export class RunnerStreamError extends RunnerError {
  readonly code = 'RUNNER_STREAM_ERROR';
  constructor(readonly url: string, readonly runnerMessage: string) {
    super(`runner at ${url} failed mid-stream: ${runnerMessage}`);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === 'object' && 'code' in inner ? String((inner as { code: unknown }).code) : undefined;
    return code ?? cause.message;
  }
  return String(cause);
}
