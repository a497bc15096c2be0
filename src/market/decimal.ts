// Decimal literals from aiModels.json ("4768371", "0.5", "1e-9") as exact rationals: 0.5 wei per
// pixel is 1/2, never the float 0.5.
import { Rat } from '../money/index.js';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal literal into an exact Rat; undefined when it is not a finite decimal.
 * Exponents are bounded (|e| ≤ 400) so a hostile config cannot make us build a huge power of ten.
 */
export function parseDecimal(text: string): Rat | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  if (intPart === '' && fracPart === '') return undefined;
  const exp = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isInteger(exp) || Math.abs(exp) > 400) return undefined;
  let num = BigInt((intPart || '0') + fracPart);
  if (sign === '-') num = -num;
  const scale = exp - fracPart.length;
  return scale >= 0 ? Rat.of(num * 10n ** BigInt(scale)) : Rat.of(num, 10n ** BigInt(-scale));
}
