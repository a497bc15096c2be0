// Billing per job type (go-livepeer GenerateLivePayment, docs/signer.md §billing) and the price
// ceilings (#4014). Units are go-livepeer's exactly, including its float64 arithmetic for lv2v
// (int64(27,648,000 × seconds), truncated) and math.Ceil for live.
import { Rat } from '../money/index.js';
import { capabilityToPipeline, maxPriceForJob, parseDecimal, type CapabilityId, type PriceLimits } from '../market/index.js';
import type { Capabilities } from '../wire/index.js';
import { badRequest } from './errors.js';
import type { RawMaxPrice } from './request.js';

/** 1280 × 720 × 30: go-livepeer's defaultSegInfo pixels per second. */
export const LV2V_PIXELS_PER_SECOND = 27_648_000;
export const LV2V_PRELOAD_SECONDS = 60;
export const LIVE_PRELOAD_SECONDS = 10;

/** Go's Duration.Seconds(): float64(sec) + float64(nsec)/1e9. */
export function goSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  const n = ns % 1_000_000_000n;
  return Number(s) + Number(n) / 1e9;
}

/** The units a call bills, or a 400 with go-livepeer's text. `elapsedNs` is now − LastUpdate (0 for a fresh state). */
export function billableUnits(type: string, elapsedNs: bigint, inPixels: bigint): { units: bigint; seconds: number } {
  let secs = goSeconds(elapsedNs);
  let units = inPixels;
  if (type === 'lv2v') {
    if (secs <= 0) secs = LV2V_PRELOAD_SECONDS;
    units = BigInt(Math.trunc(LV2V_PIXELS_PER_SECOND * secs));
  } else if (type === 'live') {
    if (secs <= 0) secs = LIVE_PRELOAD_SECONDS;
    units = BigInt(Math.ceil(secs));
  } else if (type === 'fixed') {
    units = 1n;
  } else if (type !== '') {
    throw badRequest('invalid job type');
  }
  if (units <= 0n) throw badRequest('missing billable unit or job type');
  return { units, seconds: secs };
}

const UNIT_OF: Record<string, string> = { live: 'seconds', lv2v: '720p-pixel-seconds', fixed: 'fixed' };

/** go-livepeer parseRemotePaymentMaxPrice: undefined when absent; Error text as go-livepeer's. */
export function parseMaxPrice(mp: RawMaxPrice | undefined, type: string): Rat | undefined {
  if (!mp) return undefined;
  const text = mp.price.trim();
  const price = /^[+-]?\d+\/\d+$/.test(text) ? safeRat(text) : parseDecimal(text);
  if (!price || !price.gt(0n)) throw new Error('maxPrice.price must be a positive decimal');
  if (mp.currency.trim().toLowerCase() !== 'wei') throw new Error('maxPrice.currency must be wei');
  const unit = UNIT_OF[type];
  if (unit === undefined) throw new Error('maxPrice requires payment type live, lv2v, or fixed');
  if (mp.unit.trim().toLowerCase() !== unit) throw new Error(`maxPrice.unit must be ${unit} for payment type ${type}`);
  return price;
}

function safeRat(t: string): Rat | undefined {
  const [n, d] = t.split('/');
  return BigInt(d!) === 0n ? undefined : Rat.of(BigInt(n!), BigInt(d!));
}

/** go-livepeer GetCapabilitiesMaxPrice over the request's capabilities (per-model sums, else the global max). */
export function configuredMaxPrice(limits: PriceLimits, caps: Capabilities | undefined): Rat | undefined {
  const per = caps?.constraints?.PerCapability;
  if (!per) return limits.global;
  const pairs: { pipeline: string; modelId: string }[] = [];
  for (const [cap, c] of Object.entries(per)) {
    const pipeline = capabilityToPipeline(Number(cap) as CapabilityId);
    if (pipeline === undefined) continue;
    for (const modelId of Object.keys(c.models)) pairs.push({ pipeline, modelId });
  }
  return maxPriceForJob(limits, pairs);
}

/** Big.Rat.FloatString(3) for the 481 text. */
function float3(r: Rat): string {
  const neg = r.isNegative();
  const a = r.abs().mul(1000n);
  let q = a.num / a.den;
  if (2n * (a.num % a.den) >= a.den) q += 1n;
  const s = q.toString().padStart(4, '0');
  return `${neg ? '-' : ''}${s.slice(0, -3)}.${s.slice(-3)}`;
}

/** go-livepeer checkRemotePaymentPrice: the lowest ceiling applies; the 481 text, or undefined when within it. */
export function priceExceeded(orchPrice: Rat, ceilings: { source: string; price: Rat | undefined }[]): string | undefined {
  let eff: { source: string; price: Rat } | undefined;
  for (const c of ceilings) if (c.price && (!eff || c.price.lt(eff.price))) eff = { source: c.source, price: c.price };
  if (eff && orchPrice.gt(eff.price)) return `orchestrator price ${float3(orchPrice)} exceeds ${eff.source} ceiling ${float3(eff.price)}`;
  return undefined;
}

/** ms until `balance` no longer covers the fee at `price` per unit (lv2v, live); undefined for fixed and untyped. */
export function retryAfterMs(type: string, balance: Rat, price: Rat, elapsedSecs: number): number | undefined {
  const perSec = type === 'lv2v' ? LV2V_PIXELS_PER_SECOND : type === 'live' ? 1 : undefined;
  if (perSec === undefined || !price.gt(0n)) return undefined;
  // Seconds the balance pays for, exact, then less the time already elapsed.
  const coveredMs = balance.mul(1000n).div(price.mul(BigInt(perSec)));
  const ms = Number(coveredMs.floor()) - Math.max(0, Math.floor(elapsedSecs * 1000));
  return Math.max(1, ms);
}
