// What the orchestrator charges: aiModels prices per (gateway, capability, model) plus a base
// price (-pricePerUnit / -pixelsPerUnit). go-livepeer's GetOrchestrator rules (selection-ai §1.2).
import type { PriceInfo } from '../../money/index.js';
import { priceFromRat, priceRat, Rat } from '../../money/index.js';
import type { AiPriceTable, Capabilities, CapabilityId } from '../../market/index.js';
import type { WirePriceInfo } from '../../wire/index.js';
import { priceInfoToWire } from '../../wire/index.js';

export const ZERO_PRICE: PriceInfo = Object.freeze({ pricePerUnit: 0n, pixelsPerUnit: 1n });

export class OrchestratorPricing {
  constructor(
    private readonly table: AiPriceTable,
    private readonly base: PriceInfo | undefined,
  ) {}

  /** The price for one job: the sender's own aiModels price, else "default", else 0. */
  forJob(sender: string | undefined, cap: CapabilityId, modelId: string): PriceInfo {
    return this.table.get(sender, cap, modelId) ?? ZERO_PRICE;
  }

  /**
   * GetOrchestrator's price_info. Without request capabilities: the base price. With them: the sum
   * of the per-(capability, model) prices for capabilities in `capacities` that carry constraints
   * (unpriced models add nothing); when that sum is 0 and a base price exists, the base price.
   */
  forRequest(sender: string | undefined, caps: Capabilities | undefined): PriceInfo {
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
   * capabilities_prices for a caps-less GetOrchestrator. go-livepeer floors these to whole wei
   * (PriceToInt64), which turns sub-wei AI prices into 0; we send the exact (reduced) price.
   */
  capabilitiesPrices(sender: string | undefined): WirePriceInfo[] {
    return this.table
      .entriesFor(sender)
      .map((e) => priceInfoToWire(e.price, { capability: e.capability, constraint: e.modelId }));
  }
}
