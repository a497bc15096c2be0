// src/money: wei (bigint), exact rationals, prices and fees, and exact amount formatting.
// Nothing here ever uses `number` for an amount.
export { Rat } from './rat.js';
export type { RatLike } from './rat.js';
export { MoneyError, DivisionByZeroError, PriceError, AmountParseError } from './errors.js';
export type { MoneyErrorCode } from './errors.js';
export type { PriceInfo } from './price.js';
export { validatePriceInfo, parsePriceInfo, priceRat, priceFromRat, priceEquals, fee } from './price.js';
export type { Wei, Unit, ParseAmountOptions } from './format.js';
export {
  UNIT_DECIMALS,
  WEI_PER_ETH,
  WEI_PER_GWEI,
  formatWei,
  parseUnits,
  parseEther,
  parseGwei,
  parseWei,
  formatRatWei,
} from './format.js';
