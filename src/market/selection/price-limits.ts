// The gateway's max prices: go-livepeer's -maxPricePerUnit / -pixelsPerUnit (one global max) and
// -maxPricePerCapability (per pipeline and model), and the lookup a job uses: the model's entry,
// else the pipeline's "default" entry, else the global max; undefined = no max, any price accepted.
// Everything is an exact Rat in wei per unit (pixel, ms of audio, token…), never a float.
import { readFileSync } from 'node:fs';
import { Rat, WEI_PER_ETH } from '../../money/index.js';
import { pipelineToCapability, type CapabilityId } from '../capabilityIds.js';
import { parseDecimal } from '../decimal.js';
import { JsonNumber, parseJsonKeepingNumbers } from '../jsonExact.js';
import { normalizeCurrency } from '../aiModelsPrice.js';
import { SelectionConfigError } from './errors.js';

/** One -maxPricePerCapability entry as it applies. */
export interface CapabilityMaxPrice {
  /** The pipeline as written (e.g. "text-to-image"). */
  pipeline: string;
  capability: CapabilityId;
  /** "default" = every model of the pipeline without an entry of its own. */
  modelId: string;
  /** Max wei per unit. */
  price: Rat;
  /** 'entry': its own price_per_unit; 'maxPricePerUnit': it had none (or ≤ 0) and took the global one. */
  source: 'entry' | 'maxPricePerUnit';
}

export interface PriceLimits {
  /** -maxPricePerUnit / -pixelsPerUnit in wei per unit; undefined = no global max. */
  global: Rat | undefined;
  /** The entries that apply, in file order (a later entry for the same pipeline and model replaces an earlier one, as go-livepeer). */
  entries: readonly CapabilityMaxPrice[];
  /** capability id + "\0" + model id → entry. */
  byKey: ReadonlyMap<string, CapabilityMaxPrice>;
}

export interface PriceLimitsInput {
  /** -maxPricePerUnit: "1000", "0.5", "100wei", "1e-9eth"; 0 (the default) or less = no max. */
  maxPricePerUnit?: string | number | bigint;
  /** -pixelsPerUnit: a whole number > 0, default 1. */
  pixelsPerUnit?: string | number | bigint;
  /** -maxPricePerCapability: inline JSON, a path to a JSON file, or the parsed document. */
  maxPricePerCapability?: string | { capabilities_prices: unknown };
}

export interface PriceLimitsOptions {
  /** Reads a -maxPricePerCapability file; default node:fs readFileSync (utf8). */
  readFile?: (path: string) => string;
}

export const NO_PRICE_LIMITS: PriceLimits = Object.freeze({ global: undefined, entries: Object.freeze([]), byKey: new Map() });

// go-livepeer's parsePricePerUnit: `^(\d+(\.\d+)?)([A-z][A-z0-9]*)?$` (we read [A-z] as letters).
const PRICE_FLAG = /^(\d+(?:\.\d+)?)([A-Za-z][A-Za-z0-9]*)?$/;

interface Amount {
  amount: Rat;
  currency: string;
}

function bad(message: string): SelectionConfigError {
  return new SelectionConfigError('PRICE_LIMIT_INVALID', message);
}

/** An amount in `currency` → wei. */
function toWei(name: string, a: Amount): Rat {
  if (a.currency === 'wei') return a.amount;
  if (a.currency === 'eth') return a.amount.mul(WEI_PER_ETH);
  // go-livepeer converts other currencies with a Chainlink feed (-priceFeedAddr); src/market has
  // no price feed, so refuse rather than guess a rate.
  throw new SelectionConfigError('PRICE_LIMIT_PRICE_FEED_REQUIRED', `${name} is in ${a.currency}, which needs a price feed this gateway does not have: give it in wei (or ETH)`);
}

function parseFlagAmount(name: string, v: string | number | bigint): Amount {
  if (typeof v === 'bigint') {
    if (v < 0n) throw bad(`${name} must be ≥ 0 (0 = no max), got ${v}`);
    return { amount: Rat.from(v), currency: 'wei' };
  }
  const text = String(v).trim();
  const m = PRICE_FLAG.exec(text);
  if (!m) throw bad(`${name} ${JSON.stringify(text)} is not a price: expected e.g. 1000, 0.5, 100wei or 0.000000001eth (0 = no max)`);
  // go-livepeer's pattern reads "1e3" as 1 in a currency "e3"; say what is wrong instead.
  if (m[2] !== undefined && /^e\d+$/i.test(m[2])) throw bad(`${name} ${JSON.stringify(text)}: exponents are not accepted, write the number out (e.g. 1000)`);
  return { amount: parseDecimal(m[1]!)!, currency: normalizeCurrency(m[2]) };
}

function parsePixels(v: string | number | bigint | undefined): bigint {
  if (v === undefined) return 1n;
  const text = String(v).trim();
  // go-livepeer: big.Rat SetString, then IsInt and > 0.
  const r = /^[+-]?\d+$/.test(text) ? Rat.from(BigInt(text)) : undefined;
  if (!r || r.num <= 0n) throw bad(`-pixelsPerUnit must be a whole number > 0, got ${JSON.stringify(text)}`);
  return r.num;
}

/** An entry's JSON number (go-livepeer's core.JSONRat: a number, never a quoted string). */
function jsonRat(where: string, field: string, v: unknown): Rat | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof JsonNumber) {
    const r = parseDecimal(v.text);
    if (r) return r;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return parseDecimal(String(v));
  if (typeof v === 'bigint') return Rat.from(v);
  const shown = typeof v === 'string' ? `the string ${JSON.stringify(v)} (write it without quotes)` : JSON.stringify(v);
  throw bad(`${where}: ${field} must be a JSON number, got ${shown}`);
}

function readDocument(raw: string | { capabilities_prices: unknown }, readFile: (path: string) => string): unknown {
  if (typeof raw !== 'string') return raw;
  let text = raw;
  if (!raw.trim().startsWith('{')) {
    try {
      text = readFile(raw.trim());
    } catch (err) {
      throw new SelectionConfigError('PRICE_LIMIT_BAD_JSON', `-maxPricePerCapability ${JSON.stringify(raw)} is not inline JSON and not a readable file: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return parseJsonKeepingNumbers(text);
  } catch (err) {
    // go-livepeer logs this and runs without any per-capability max; we refuse to start.
    throw new SelectionConfigError('PRICE_LIMIT_BAD_JSON', `-maxPricePerCapability is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function limitKey(capability: CapabilityId, modelId: string): string {
  return `${capability}\u0000${modelId}`;
}

/**
 * Parses the three flags (go-livepeer's starter rules): a global max ≤ 0 is no max; an entry's
 * missing model_id is "default"; a missing or ≤ 0 pixels_per_unit takes -pixelsPerUnit; a missing
 * or ≤ 0 price_per_unit takes -maxPricePerUnit when that is > 0, else the entry is dropped (any
 * price for it); an unknown pipeline is an error. Throws SelectionConfigError (fatal).
 */
export function parsePriceLimits(input: PriceLimitsInput, opts: PriceLimitsOptions = {}): PriceLimits {
  const pixelsPerUnit = parsePixels(input.pixelsPerUnit);
  const globalAmount = parseFlagAmount('-maxPricePerUnit', input.maxPricePerUnit ?? '0');
  const globalWei = toWei('-maxPricePerUnit', globalAmount);
  const global = globalWei.gt(0n) ? globalWei.div(pixelsPerUnit) : undefined;
  if (input.maxPricePerCapability === undefined || input.maxPricePerCapability === '') return { global, entries: [], byKey: new Map() };

  const doc = readDocument(input.maxPricePerCapability, opts.readFile ?? ((p) => readFileSync(p, 'utf8')));
  const list = doc !== null && typeof doc === 'object' ? (doc as { capabilities_prices?: unknown }).capabilities_prices : undefined;
  if (list !== undefined && !Array.isArray(list)) throw new SelectionConfigError('PRICE_LIMIT_BAD_JSON', '-maxPricePerCapability must be {"capabilities_prices":[…]}: capabilities_prices is not a list');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new SelectionConfigError('PRICE_LIMIT_BAD_JSON', '-maxPricePerCapability must be a JSON object {"capabilities_prices":[…]}');

  const byKey = new Map<string, CapabilityMaxPrice>();
  (list ?? []).forEach((e: unknown, i: number) => {
    const where = `-maxPricePerCapability entry ${i}`;
    if (e === null || typeof e !== 'object' || Array.isArray(e) || e instanceof JsonNumber) throw bad(`${where} must be an object {"pipeline","model_id","price_per_unit","pixels_per_unit"}`);
    const entry = e as Record<string, unknown>;
    const pipeline = typeof entry.pipeline === 'string' ? entry.pipeline : '';
    const capability = pipelineToCapability(pipeline);
    if (capability === undefined) {
      throw new SelectionConfigError('PRICE_LIMIT_UNKNOWN_PIPELINE', `${where}: pipeline ${JSON.stringify(entry.pipeline ?? null)} is not a known capability (e.g. "text-to-image", "llm", "live-video-to-video")`);
    }
    if (entry.model_id !== undefined && typeof entry.model_id !== 'string') throw bad(`${where}: model_id must be a string`);
    if (entry.currency !== undefined && typeof entry.currency !== 'string') throw bad(`${where}: currency must be a string`);
    const modelId = entry.model_id ? entry.model_id : 'default';
    const ppu = jsonRat(where, 'pixels_per_unit', entry.pixels_per_unit);
    const pixels = ppu !== undefined && ppu.gt(0n) ? ppu : Rat.from(pixelsPerUnit);
    const own = jsonRat(where, 'price_per_unit', entry.price_per_unit);
    let price: Rat;
    let source: CapabilityMaxPrice['source'];
    if (own !== undefined && own.gt(0n)) {
      price = toWei(`${where} price_per_unit`, { amount: own, currency: normalizeCurrency(entry.currency as string | undefined) }).div(pixels);
      source = 'entry';
    } else if (globalWei.gt(0n)) {
      // go-livepeer takes -maxPricePerUnit's number but the entry's currency, so "-maxPricePerUnit
      // 1USD" with an entry without currency becomes 1 wei. We take the global max's own currency.
      price = globalWei.div(pixels);
      source = 'maxPricePerUnit';
    } else {
      return; // go-livepeer: no price here and no global max → any price for this entry
    }
    byKey.set(limitKey(capability, modelId), { pipeline, capability, modelId, price, source });
  });
  return { global, entries: [...byKey.values()], byKey };
}

/**
 * The max price for one pipeline and model (go-livepeer GetCapabilitiesMaxPrice): the model's
 * entry, else the pipeline's "default", else the global max. undefined = no max.
 */
export function maxPriceFor(limits: PriceLimits, pipeline: string, modelId: string): Rat | undefined {
  return maxPriceForJob(limits, [{ pipeline, modelId }]);
}

/**
 * A job over several (pipeline, model) pairs: go-livepeer sums each pair's entry (model, else
 * "default"); when that sum is 0 (no entry applies) the global max applies.
 */
export function maxPriceForJob(limits: PriceLimits, pairs: readonly { pipeline: string; modelId: string }[]): Rat | undefined {
  let sum = Rat.ZERO;
  for (const { pipeline, modelId } of pairs) {
    const cap = pipelineToCapability(pipeline);
    if (cap === undefined) continue;
    const e = limits.byKey.get(limitKey(cap, modelId)) ?? limits.byKey.get(limitKey(cap, 'default'));
    if (e) sum = sum.add(e.price);
  }
  return sum.gt(0n) ? sum : limits.global;
}
