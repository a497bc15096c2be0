// Typed errors for money arithmetic, prices and amount parsing. Every error has a stable `code`
// (match on it, never on the message) and a message that says what to do instead.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export const moneyErrorCodes = defineErrorCodes('src/money', {
  DIVISION_BY_ZERO: 'A rational was divided by zero: check the denominator before dividing.',
  PRICE_NEGATIVE: 'A price below zero was given: prices are wei per unit, 0 or more.',
  PRICE_ZERO_DENOMINATOR: 'A price with 0 pixels (units) per price: give a positive pixelsPerUnit.',
  PRICE_INVALID: 'A price that is not a whole number (or exact decimal) of wei per unit.',
  AMOUNT_MALFORMED: 'An amount that is not a decimal number with an optional unit (wei, gwei, eth).',
  AMOUNT_TOO_PRECISE: 'An amount with more decimals than its unit has wei.',
  AMOUNT_NEGATIVE: 'An amount below zero.',
});

export type MoneyErrorCode = CodeOf<typeof moneyErrorCodes>;

export class MoneyError extends LivepeerError<MoneyErrorCode> {
  override name = 'MoneyError';
  constructor(code: MoneyErrorCode, message: string) {
    // Money errors are caller mistakes (bad input), never recoverable by retrying.
    super(code, message, { fatal: true });
  }
}

export class DivisionByZeroError extends MoneyError {
  override name = 'DivisionByZeroError';
  constructor(what = 'rational') {
    super('DIVISION_BY_ZERO', `division by zero in ${what}: check the denominator before dividing`);
  }
}

export class PriceError extends MoneyError {
  override name = 'PriceError';
  constructor(code: 'PRICE_NEGATIVE' | 'PRICE_ZERO_DENOMINATOR' | 'PRICE_INVALID', message: string) {
    super(code, message);
  }
}

export class AmountParseError extends MoneyError {
  override name = 'AmountParseError';
  readonly input: string;
  constructor(code: 'AMOUNT_MALFORMED' | 'AMOUNT_TOO_PRECISE' | 'AMOUNT_NEGATIVE', input: string, message: string) {
    super(code, message);
    this.input = input;
  }
}
