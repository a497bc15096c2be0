// Typed refusals of the payment path. `code` is stable (decisions are made on it); `status` is the
// HTTP status go-livepeer answers for the same refusal (402 garbled payment, 400 tickets / balance);
// `reason` carries a finer code (the pm code of a refused ticket, the wire code of a bad header).

export type BillingErrorCode =
  | 'PAYMENT_INVALID'
  | 'PAYMENT_REJECTED'
  | 'EXPECTED_PRICE_TOO_LOW'
  | 'INSUFFICIENT_BALANCE';

export class BillingError extends Error {
  readonly code: BillingErrorCode;
  readonly status: number;
  readonly fatal: boolean;
  readonly reason: string | undefined;
  constructor(code: BillingErrorCode, status: number, message: string, opts: { fatal?: boolean; reason?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BillingError';
    this.code = code;
    this.status = status;
    this.fatal = opts.fatal ?? false;
    this.reason = opts.reason;
  }
}
