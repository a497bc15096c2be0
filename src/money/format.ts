// Wei amounts to and from decimal strings, never rounding silently: parsing refuses digits the
// unit cannot hold, and formatting a rational marks an inexact display with "≈".
import { AmountParseError } from './errors.js';
import { Rat } from './rat.js';

export type Wei = bigint;
export type Unit = 'eth' | 'gwei' | 'wei';

export const UNIT_DECIMALS: Readonly<Record<Unit, number>> = Object.freeze({ eth: 18, gwei: 9, wei: 0 });

export const WEI_PER_ETH: Wei = 10n ** 18n;
export const WEI_PER_GWEI: Wei = 10n ** 9n;

function decimalsOf(unit: Unit): number {
  const d = UNIT_DECIMALS[unit];
  if (d === undefined) throw new TypeError(`unknown unit "${String(unit)}": use eth, gwei or wei`);
  return d;
}

/** Exact decimal of `wei` in `unit`: every digit kept, trailing fractional zeros trimmed. */
export function formatWei(wei: Wei, unit: Unit = 'eth'): string {
  const decimals = decimalsOf(unit);
  const neg = wei < 0n;
  const abs = neg ? -wei : wei;
  const sign = neg ? '-' : '';
  if (decimals === 0) return sign + abs.toString();
  const scale = 10n ** BigInt(decimals);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return sign + whole.toString() + (frac ? '.' + frac : '');
}

export interface ParseAmountOptions {
  /** Accept a leading '-' (default false: amounts from users are non-negative). */
  allowNegative?: boolean;
}

/**
 * Parses a decimal amount in `unit` into wei. Accepts "12", "1.5", "0.000000001"; refuses signs
 * (unless allowed), exponents, separators and whitespace inside. Extra fractional digits are refused
 * unless they are zeros ("1.50" gwei is fine, "0.0000000000000000001" ETH is not): no rounding.
 */
export function parseUnits(input: string, unit: Unit, opts: ParseAmountOptions = {}): Wei {
  const decimals = decimalsOf(unit);
  if (typeof input !== 'string') {
    throw new AmountParseError('AMOUNT_MALFORMED', String(input), `amount must be a string, got ${typeof input}`);
  }
  const s = input.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) {
    throw new AmountParseError(
      'AMOUNT_MALFORMED',
      input,
      `"${input}" is not a decimal ${unit} amount: write digits with at most one ".", e.g. "1.5"`,
    );
  }
  const negative = m[1] === '-';
  if (negative && !opts.allowNegative) {
    throw new AmountParseError('AMOUNT_NEGATIVE', input, `"${input}" is negative: amounts must be ≥ 0`);
  }
  const whole = m[2]!;
  let frac = m[3] ?? '';
  if (frac.length > decimals) {
    const extra = frac.slice(decimals);
    if (/[^0]/.test(extra)) {
      throw new AmountParseError(
        'AMOUNT_TOO_PRECISE',
        input,
        `"${input}" has more than ${decimals} decimals, which ${unit} cannot hold exactly (1 wei is the smallest amount); ` +
          `round it yourself or use a smaller unit`,
      );
    }
    frac = frac.slice(0, decimals);
  }
  const wei = BigInt(whole + frac.padEnd(decimals, '0'));
  return negative ? -wei : wei;
}

export function parseEther(s: string, opts?: ParseAmountOptions): Wei {
  return parseUnits(s, 'eth', opts);
}
export function parseGwei(s: string, opts?: ParseAmountOptions): Wei {
  return parseUnits(s, 'gwei', opts);
}
export function parseWei(s: string, opts?: ParseAmountOptions): Wei {
  return parseUnits(s, 'wei', opts);
}

/**
 * Displays a rational wei amount in `unit` with at most `decimals` fractional digits. Exact values
 * print exactly (trailing zeros trimmed); anything else is rounded half away from zero and prefixed
 * with "≈", so a reader always knows when a figure is not the true amount.
 */
export function formatRatWei(amount: Rat, decimals: number, unit: Unit = 'wei'): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 100) {
    throw new RangeError(`decimals must be an integer in 0..100, got ${decimals}`);
  }
  const unitScale = 10n ** BigInt(decimalsOf(unit));
  const shown = 10n ** BigInt(decimals);
  const v = amount.mul(shown).div(unitScale); // value in units of 10^-decimals `unit`
  const neg = v.isNegative();
  const a = v.abs();
  let q = a.num / a.den;
  const r = a.num % a.den;
  const exact = r === 0n;
  if (2n * r >= a.den && !exact) q += 1n;
  const whole = q / shown;
  const frac = decimals === 0 ? '' : (q % shown).toString().padStart(decimals, '0').replace(/0+$/, '');
  const body = whole.toString() + (frac ? '.' + frac : '');
  const sign = neg && q !== 0n ? '-' : '';
  return (exact ? '' : '≈') + sign + body;
}
