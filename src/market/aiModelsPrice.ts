// Price fields of one aiModels.json entry → an exact price. price_per_unit / pixels_per_unit is the
// price of one unit of work (pixel, ms of audio, token…), kept as an exact Rat: 0.5 wei per
// pixel is 1/2, and the old `pixels_per_unit: 1e-13` workaround still works exactly.
import type { AiModelIssue } from './aiModelsErrors.js';
import { JsonNumber } from './jsonExact.js';
import type { PriceInfo } from '../money/index.js';
import { Rat, WEI_PER_ETH, priceFromRat } from '../money/index.js';
import { parseDecimal } from './decimal.js';

export interface AiModelPrice {
  /** price_per_unit as written, exact. */
  pricePerUnit: Rat;
  /** pixels_per_unit as written, exact (> 0). */
  pixelsPerUnit: Rat;
  /** "wei", "eth", or an upper-case currency code such as "USD". */
  currency: string;
  /** pricePerUnit / pixelsPerUnit, in `currency` per unit of work. */
  perUnit: Rat;
  /** The wei price per unit as a reduced PriceInfo; undefined until a price feed converts other currencies. */
  wei?: PriceInfo;
}

/** Defaults that stand in for go-livepeer's -pricePerUnit / -pixelsPerUnit / -currency flags. */
export interface PriceDefaults {
  pricePerUnit?: string | number | bigint;
  pixelsPerUnit?: string | number | bigint;
  currency?: string;
}

type RawPrice = JsonNumber | string | number | bigint | undefined;
type Report = (field: string, code: AiModelIssue['code'], message: string) => void;

const PRICE_TEXT = /^\s*([+-]?[0-9.]+(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$/;

/** Splits "0.5", "0.5USD", "1e-9 ETH" into an exact amount and an optional currency. */
function readAmount(raw: Exclude<RawPrice, undefined>): { amount?: Rat; currency?: string } {
  if (raw instanceof JsonNumber) return { amount: parseDecimal(raw.text) };
  if (typeof raw === 'bigint') return { amount: Rat.from(raw) };
  if (typeof raw === 'number') return { amount: Number.isFinite(raw) ? parseDecimal(String(raw)) : undefined };
  const m = PRICE_TEXT.exec(raw);
  if (!m) return {};
  return { amount: parseDecimal(m[1]!), currency: m[2] || undefined };
}

export function normalizeCurrency(c: string | undefined): string {
  const t = (c ?? '').trim();
  if (t === '' || t.toLowerCase() === 'wei') return 'wei';
  if (t.toLowerCase() === 'eth') return 'eth';
  return t.toUpperCase();
}

/**
 * Reads price_per_unit, pixels_per_unit and currency. Reports (never defaults to zero):
 * a missing price with no default, a negative or non-numeric price, pixels_per_unit ≤ 0,
 * two different currencies, and a non-wei/ETH currency when no price feed is configured.
 */
export function readPrice(
  fields: { price_per_unit?: RawPrice; pixels_per_unit?: RawPrice; currency?: string },
  opts: { defaults?: PriceDefaults; priceFeed: boolean },
  report: Report,
): AiModelPrice | undefined {
  let rawPrice = fields.price_per_unit;
  let usedDefault = false;
  if (rawPrice === undefined && opts.defaults?.pricePerUnit !== undefined) {
    // go-livepeer falls back to -pricePerUnit, but refuses an unset or zero flag.
    const d = readAmount(opts.defaults.pricePerUnit).amount;
    if (d?.gt(0n)) {
      rawPrice = opts.defaults.pricePerUnit;
      usedDefault = true;
    }
  }
  if (rawPrice === undefined) {
    report('price_per_unit', 'AI_MODEL_PRICE_MISSING',
      'missing. Set "price_per_unit" (wei per pixels_per_unit units; 0 is allowed for free) or start with a non-zero -pricePerUnit.');
    return undefined;
  }
  const price = readAmount(rawPrice);
  if (!price.amount) {
    report('price_per_unit', 'AI_MODEL_PRICE_INVALID', `must be a number such as 4768371 or 0.5, got ${show(rawPrice)}.`);
    return undefined;
  }
  if (price.amount.isNegative()) {
    report('price_per_unit', 'AI_MODEL_PRICE_INVALID', `must be ≥ 0, got ${show(rawPrice)}.`);
    return undefined;
  }
  const rawPixels = fields.pixels_per_unit ?? opts.defaults?.pixelsPerUnit ?? 1n;
  const pixels = readAmount(rawPixels);
  if (!pixels.amount || pixels.currency || !pixels.amount.gt(0n)) {
    report('pixels_per_unit', 'AI_MODEL_PRICE_INVALID', `must be a number > 0 (usually 1), got ${show(rawPixels)}.`);
    return undefined;
  }
  const fieldCurrency = fields.currency ?? (usedDefault ? opts.defaults?.currency : undefined);
  if (price.currency && fieldCurrency !== undefined && normalizeCurrency(price.currency) !== normalizeCurrency(fieldCurrency)) {
    report('currency', 'AI_MODEL_PRICE_INVALID',
      `"${fieldCurrency}" disagrees with the currency written in price_per_unit (${show(rawPrice)}); keep one.`);
    return undefined;
  }
  const currency = normalizeCurrency(price.currency ?? fieldCurrency);
  const perUnit = price.amount.div(pixels.amount);
  const out: AiModelPrice = { pricePerUnit: price.amount, pixelsPerUnit: pixels.amount, currency, perUnit };
  if (currency === 'wei') out.wei = priceFromRat(perUnit);
  else if (currency === 'eth') out.wei = priceFromRat(perUnit.mul(WEI_PER_ETH));
  else if (!opts.priceFeed) {
    report('currency', 'AI_MODEL_PRICE_FEED_REQUIRED',
      `prices in ${currency} need a price feed to convert to wei, and none is configured. ` +
        'Use "wei" or "eth", or configure -priceFeedAddr (currency conversion is not implemented yet).');
    return undefined;
  }
  return out;
}

function show(v: RawPrice): string {
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
