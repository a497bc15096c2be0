// Typed refusals of the payment path. `code` is stable (decisions are made on it); `status` is the
// HTTP status go-livepeer answers for the same refusal (402 garbled payment, 400 tickets / balance);
// `reason` carries a finer code (the pm code of a refused ticket, the wire code of a bad header).

import { LivepeerError } from '../errors/index.js';
import type { RefusalCode } from '../wire/index.js';

/** The payment receiver's refusals: orchestrator refusal codes (src/wire refusalCodes, docs/error-codes.md). */
export type BillingErrorCode = Extract<
  RefusalCode,
  'PAYMENT_INVALID' | 'PAYMENT_REJECTED' | 'INSUFFICIENT_CAPACITY' | 'EXPECTED_PRICE_TOO_LOW' | 'INSUFFICIENT_BALANCE' | 'REDEMPTION_UNAVAILABLE' | 'INSUFFICIENT_SENDER_FUNDS'
>;

export class BillingError extends LivepeerError<BillingErrorCode> {
  override name = 'BillingError';
  declare readonly status: number;
  readonly reason: string | undefined;
  constructor(code: BillingErrorCode, status: number, message: string, opts: { fatal?: boolean; reason?: string; cause?: unknown } = {}) {
    super(code, message, { status, fatal: opts.fatal ?? false, ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
    this.reason = opts.reason;
  }
}
