// What the orchestrator charges: aiModels prices per (gateway, capability, model) plus a base
// price (-pricePerUnit / -pixelsPerUnit), raised by go-livepeer's AutoAdjustPrice overhead on
// chain. GetOrchestrator rules: selection-ai §1.2, go-livepeer core/orchestrator.go priceInfo.
// live-video-to-video is priced in wei per second in aiModels and per 720p30 pixel on the wire
// (src/billing/live-price.ts); its overhead is rounded per second, not per pixel.
import type { Address } from 'viem';
import { LIVE_PIXELS_PER_SECOND, livePriceInfo } from '../../billing/index.js';
import type { PriceInfo } from '../../money/index.js';
import { priceFromRat, priceRat, Rat } from '../../money/index.js';
import type { AiModelEntry, Capabilities, CapabilityId } from '../../market/index.js';
import { AiPriceTable, Capability } from '../../market/index.js';
import type { WirePriceInfo } from '../../wire/index.js';
import { priceInfoToWire } from '../../wire/index.js';

export const ZERO_PRICE: PriceInfo = Object.freeze({ pricePerUnit: 0n, pixelsPerUnit: 1n });

/** go-livepeer's priceScalingFactor: adjusted prices are fixed-point with 3 decimals of wei. */
export const PRICE_SCALING_FACTOR = 1000n;

/**
 * go-livepeer's AutoAdjustPrice: a price > 0 is multiplied by the overhead 1 + 1/txCostMultiplier
 * (no overhead when the multiplier is null or 0), then truncated to 0.001 wei per unit
 * (PriceToFixed / FixedToPrice). 0 stays 0.
 *
 * Deviation: go-livepeer's truncation can quote LESS than the configured price when that price has
 * more than 3 decimals of wei and the overhead is smaller than the truncated part (a price below
 * 0.001 wei/unit even becomes 0: free work). We round such a result up to the next 0.001 wei
 * instead, so the quote is never below the operator's price. Every other result equals go-livepeer's.
 */
export function autoAdjustPrice(base: Rat, txCostMultiplier: Rat | null): Rat {
  if (base.isNegative()) throw new RangeError(`autoAdjustPrice: negative price ${base.toString()}`);
  if (base.isZero()) return Rat.ZERO;
  const adjusted = base.mul(overhead(txCostMultiplier));
  const fixed = adjusted.mul(PRICE_SCALING_FACTOR).floor();
  const price = Rat.of(fixed, PRICE_SCALING_FACTOR);
  if (price.gte(base)) return price;
  return Rat.of(base.mul(PRICE_SCALING_FACTOR).ceil(), PRICE_SCALING_FACTOR);
}

/**
 * autoAdjustPrice on the price of `scale` units: a live price per pixel is adjusted as the price
 * per second it stands for (scale 27,648,000), so its 0.001 wei fixed point is per second. Per
 * pixel, go-livepeer's truncation to 0.001 wei turns 1,000,000 wei/s (0.036 wei/px) into 0.036 and
 * anything under 27,648 wei/s into 0 (we would round that up to 0.001 wei/px: 27,648 wei/s).
 */
export function autoAdjustScaled(base: Rat, txCostMultiplier: Rat | null, scale: bigint): Rat {
  if (scale === 1n) return autoAdjustPrice(base, txCostMultiplier);
  return autoAdjustPrice(base.mul(scale), txCostMultiplier).div(scale);
}

/** The units one price is rounded over: a second of live video, else one unit. */
function adjustScale(cap: CapabilityId | 'request', caps?: Capabilities): bigint {
  const live = cap === Capability.LiveVideoToVideo || (cap === 'request' && caps !== undefined && caps.perCapability.has(Capability.LiveVideoToVideo));
  return live ? LIVE_PIXELS_PER_SECOND : 1n;
}

/**
 * The price table from aiModels (wei prices only; others need the price feed first), with
 * live-video-to-video's wei per second mapped to go-livepeer's price per 720p30 pixel.
 */
export function priceTableFromAiModels(entries: readonly AiModelEntry[]): AiPriceTable {
  const t = new AiPriceTable();
  for (const e of entries) {
    const wei = e.price?.wei;
    if (!wei) continue;
    t.set(e.gateway, e.capability, e.modelId, e.capability === Capability.LiveVideoToVideo ? livePriceInfo(priceRat(wei)) : wei);
  }
  return t;
}

function sameMultiplier(a: Rat | null, b: Rat | null): boolean {
  return a === b || (a !== null && b !== null && a.eq(b));
}

function overhead(m: Rat | null): Rat {
  return m && m.gt(0n) ? Rat.ONE.add(Rat.ONE.div(m)) : Rat.ONE;
}

/** Where the redemption overhead comes from (the pm Recipient on chain). */
export interface PriceAdjuster {
  /** go-livepeer Recipient.TxCostMultiplier(sender); may throw (GetOrchestrator then fails). */
  txCostMultiplier(sender: Address): Promise<Rat | null>;
  /** The same without the sender's max-float cap, for a sender this node has not quoted lately. */
  uncappedTxCostMultiplier(): Rat | null;
}

export interface PricingOptions {
  /** -autoAdjustPrice (go-livepeer default on); only meaningful on chain, where a Recipient exists. */
  autoAdjust?: PriceAdjuster;
  /** How long a multiplier quoted to a sender prices its jobs (ticket params live ~40 L1 blocks). */
  quoteTtlMs?: number;
  /** Senders remembered; the least recently quoted is forgotten first. */
  maxSenders?: number;
  now?: () => number;
}

interface Quoted {
  multiplier: Rat | null;
  at: number;
}

const QUOTES_PER_SENDER = 4;

export class OrchestratorPricing {
  /** A table price's latest adjustment (keyed by the table's own object, so gone with it). */
  private readonly adjusted = new WeakMap<PriceInfo, { multiplier: Rat | null; scale: bigint; price: PriceInfo }>();
  /** sender (lower-case) → its latest multipliers, newest last. */
  private readonly quotes = new Map<string, Quoted[]>();
  private readonly ttlMs: number;
  private readonly maxSenders: number;
  private readonly now: () => number;

  constructor(
    private readonly table: AiPriceTable,
    private readonly base: PriceInfo | undefined,
    private readonly opts: PricingOptions = {},
  ) {
    this.ttlMs = opts.quoteTtlMs ?? 10 * 60_000;
    this.maxSenders = opts.maxSenders ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Senders with remembered quotes (capped at maxSenders, each quote expiring after quoteTtlMs). */
  get senderCount(): number {
    return this.quotes.size;
  }

  /** The configured price for one job: the sender's own aiModels price, else "default", else 0. */
  baseForJob(sender: string | undefined, cap: CapabilityId, modelId: string): PriceInfo {
    return this.table.get(sender, cap, modelId) ?? ZERO_PRICE;
  }

  /**
   * The price charged for one job: baseForJob with the AutoAdjustPrice overhead of this sender's
   * quotes — the lowest of its quotes of the last quoteTtlMs, so a job paid with any live quote is
   * never charged above it; with no live quote, the overhead without the sender's max-float cap.
   */
  forJob(sender: string | undefined, cap: CapabilityId, modelId: string): PriceInfo {
    const base = this.baseForJob(sender, cap, modelId);
    const adj = this.opts.autoAdjust;
    if (!adj || base.pricePerUnit === 0n) return base;
    const multiplier = this.jobMultiplier(sender, adj);
    const scale = adjustScale(cap);
    // The same table price and multiplier every job until the gas price or a quote moves: the
    // adjustment (a few Rat products and reductions) is done once for them, not per job.
    const memo = this.adjusted.get(base);
    if (memo && memo.scale === scale && sameMultiplier(memo.multiplier, multiplier)) return memo.price;
    const price = Object.freeze(priceFromRat(autoAdjustScaled(priceRat(base), multiplier, scale)));
    this.adjusted.set(base, { multiplier, scale, price });
    return price;
  }

  /**
   * GetOrchestrator's price_info before adjustment. Without request capabilities: the base price.
   * With them: the sum of the per-(capability, model) prices for capabilities in `capacities` that
   * carry constraints (unpriced models add nothing); when that sum is 0 and a base price exists,
   * the base price.
   */
  baseForRequest(sender: string | undefined, caps: Capabilities | undefined): PriceInfo {
    if (!caps) return this.base ?? ZERO_PRICE;
    let sum = Rat.ZERO;
    for (const cap of caps.capacities.keys()) {
      const models = caps.perCapability.get(cap);
      if (!models) continue;
      for (const modelId of models.keys()) {
        const p = this.table.get(sender, cap, modelId);
        if (p) sum = sum.add(priceRat(p));
      }
    }
    if (sum.isZero() && this.base) return this.base;
    return priceFromRat(sum);
  }

  /**
   * GetOrchestrator's price_info (go-livepeer priceInfo): baseForRequest, adjusted when
   * -autoAdjustPrice is on and the price is > 0. The multiplier is remembered for the sender's jobs.
   */
  async quote(sender: Address | undefined, caps: Capabilities | undefined): Promise<PriceInfo> {
    const base = this.baseForRequest(sender, caps);
    const adj = this.opts.autoAdjust;
    if (!adj || !sender || base.pricePerUnit === 0n) return base;
    const multiplier = await adj.txCostMultiplier(sender);
    this.remember(sender, multiplier);
    return priceFromRat(autoAdjustScaled(priceRat(base), multiplier, adjustScale('request', caps)));
  }

  /**
   * capabilities_prices for a caps-less GetOrchestrator: unadjusted, as go-livepeer's
   * GetCapabilitiesPrices. go-livepeer floors these to whole wei (PriceToInt64), which turns
   * sub-wei AI prices into 0; we send the exact (reduced) price.
   */
  capabilitiesPrices(sender: string | undefined): WirePriceInfo[] {
    return this.table
      .entriesFor(sender)
      .map((e) => priceInfoToWire(e.price, { capability: e.capability, constraint: e.modelId }));
  }

  private remember(sender: string, multiplier: Rat | null): void {
    const k = sender.toLowerCase();
    const list = (this.quotes.get(k) ?? []).filter((q) => this.live(q));
    list.push({ multiplier: multiplier && multiplier.gt(0n) ? multiplier : null, at: this.now() });
    if (list.length > QUOTES_PER_SENDER) list.shift();
    this.quotes.delete(k);
    this.quotes.set(k, list);
    while (this.quotes.size > this.maxSenders) this.quotes.delete(this.quotes.keys().next().value!);
  }

  private live(q: Quoted): boolean {
    return this.now() - q.at < this.ttlMs;
  }

  private jobMultiplier(sender: string | undefined, adj: PriceAdjuster): Rat | null {
    const k = sender?.toLowerCase();
    const list = k ? this.quotes.get(k)?.filter((q) => this.live(q)) : undefined;
    if (k && list && list.length === 0) this.quotes.delete(k);
    if (!list || list.length === 0) return adj.uncappedTxCostMultiplier();
    // The smallest overhead (largest multiplier; null = no overhead) is the lowest live quote.
    let best = list[0]!.multiplier;
    for (const q of list) {
      if (best === null) break;
      if (q.multiplier === null || q.multiplier.gt(best)) best = q.multiplier;
    }
    return best;
  }
}
