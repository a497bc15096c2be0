// Typed errors for money arithmetic, prices and amount parsing. Every error has a stable `code`
// (match on it, never on the message) and a message that says what to do instead.

export type MoneyErrorCode =
  | 'DIVISION_BY_ZERO'
  | 'PRICE_NEGATIVE'
  | 'PRICE_ZERO_DENOMINATOR'
  | 'PRICE_INVALID'
  | 'AMOUNT_MALFORMED'
  | 'AMOUNT_TOO_PRECISE'
  | 'AMOUNT_NEGATIVE';

export class MoneyError extends Error {
  readonly code: MoneyErrorCode;
  /** Money errors are caller mistakes (bad input), never recoverable by retrying. */
  readonly fatal = true;
  constructor(code: MoneyErrorCode, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.code = code;
  }
}

export class DivisionByZeroError extends MoneyError {
  constructor(what = 'rational') {
    super('DIVISION_BY_ZERO', `division by zero in ${what}: check the denominator before dividing`);
    this.name = 'DivisionByZeroError';
  }
}

export class PriceError extends MoneyError {
  constructor(code: 'PRICE_NEGATIVE' | 'PRICE_ZERO_DENOMINATOR' | 'PRICE_INVALID', message: string) {
    super(code, message);
    this.name = 'PriceError';
  }
}

export class AmountParseError extends MoneyError {
  readonly input: string;
  constructor(code: 'AMOUNT_MALFORMED' | 'AMOUNT_TOO_PRECISE' | 'AMOUNT_NEGATIVE', input: string, message: string) {
    super(code, message);
    this.name = 'AmountParseError';
    this.input = input;
  }
}
