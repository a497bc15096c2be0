// Errors a reference runner answers with, in the ai-runner's shapes: {"detail":{"msg"}} for
// 400/401/413/415/500, and FastAPI's validation list for 422 (missing or mistyped fields).
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const runnerHttpErrorCodes = defineErrorCodes('src/ai/runner (reference runner answers)', {
  RUNNER_HTTP_BAD_REQUEST: 'The request is wrong (ai-runner 400, {"detail":{"msg"}}): fix it, do not retry.',
  RUNNER_HTTP_UNAUTHORIZED: 'Missing or wrong runner token (ai-runner 401): the orchestrator\'s runner token is misconfigured.',
  RUNNER_HTTP_TOO_LARGE: 'The upload is too large (413).',
  RUNNER_HTTP_UNSUPPORTED_MEDIA: 'The media format is not supported (415).',
  RUNNER_HTTP_VALIDATION: 'Missing or mistyped fields (FastAPI 422 list).',
  RUNNER_HTTP_PIPELINE_ERROR: 'The pipeline failed (500 "<pipeline> pipeline error.").',
  RUNNER_HTTP_OTHER: 'Another status.',
});

export type RunnerHttpErrorCode = CodeOf<typeof runnerHttpErrorCodes>;

function codeForStatus(status: number): RunnerHttpErrorCode {
  switch (status) {
    case 400:
      return 'RUNNER_HTTP_BAD_REQUEST';
    case 401:
      return 'RUNNER_HTTP_UNAUTHORIZED';
    case 413:
      return 'RUNNER_HTTP_TOO_LARGE';
    case 415:
      return 'RUNNER_HTTP_UNSUPPORTED_MEDIA';
    case 422:
      return 'RUNNER_HTTP_VALIDATION';
    case 500:
      return 'RUNNER_HTTP_PIPELINE_ERROR';
    default:
      return 'RUNNER_HTTP_OTHER';
  }
}

export class RunnerHttpError extends LivepeerError<RunnerHttpErrorCode> {
  override name = 'RunnerHttpError';
  declare readonly status: number;
  constructor(status: number, message: string) {
    super(codeForStatus(status), message, { status, fatal: status >= 400 && status < 500 });
  }
  body(): unknown {
    return { detail: { msg: this.message } };
  }
}

export interface FieldProblem {
  field: string;
  type: 'missing' | 'string_type' | 'int_parsing' | 'float_parsing' | 'bool_parsing' | 'list_type' | 'value_error';
  msg: string;
}

/** 422 with FastAPI's body: {"detail":[{"type","loc":["body",field],"msg"}]}. */
export class RunnerValidationError extends RunnerHttpError {
  override name = 'RunnerValidationError';
  constructor(readonly problems: FieldProblem[]) {
    super(422, problems.map((p) => `${p.field}: ${p.msg}`).join('; '));
  }
  override body(): unknown {
    return { detail: this.problems.map((p) => ({ type: p.type, loc: ['body', p.field], msg: p.msg })) };
  }
}

export const badRequest = (msg: string) => new RunnerHttpError(400, msg);
