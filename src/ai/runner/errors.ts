// Errors a reference runner answers with, in the ai-runner's shapes: {"detail":{"msg"}} for
// 400/401/413/415/500, and FastAPI's validation list for 422 (missing or mistyped fields).

export class RunnerHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'RunnerHttpError';
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
  constructor(readonly problems: FieldProblem[]) {
    super(422, problems.map((p) => `${p.field}: ${p.msg}`).join('; '));
  }
  override body(): unknown {
    return { detail: this.problems.map((p) => ({ type: p.type, loc: ['body', p.field], msg: p.msg })) };
  }
}

export const badRequest = (msg: string) => new RunnerHttpError(400, msg);
