// What an orchestrator advertises from its aiModels: the capability set with per-model
// constraints, and the per-(gateway, capability, model) price table; plus the capability set a
// gateway sends for one AI job.
import type { AiModelEntry } from './aiModels.js';
import type { Capabilities, ModelConstraint } from './capabilities.js';
import { makeCapabilities } from './capabilities.js';
import type { AiPipeline, CapabilityId } from './capabilityIds.js';
import { defaultCapabilities, mandatoryOCapabilities, pipelineToCapability } from './capabilityIds.js';
import type { PriceInfo } from '../money/index.js';
import { priceFromRat, priceRat } from '../money/index.js';

/**
 * Orchestrator capabilities for its aiModels: the default set (AI jobs carry it, so AI
 * orchestrators must advertise it too), Auth token as mandatory, and one constraint per model.
 * Capacity: go-livepeer starts `capacity` managed containers but advertises 1 per entry (a known
 * bug, reference §8.3, which makes `capacity: 2` answer `insufficient capacity`); we advertise the
 * configured capacity for managed and external runners alike. Entries that differ only by
 * `gateway` are price variants of one model and count once.
 */
export function orchestratorAiCapabilities(
  entries: readonly AiModelEntry[],
  opts: { version?: string; runnerVersions?: ReadonlyMap<string, string> } = {},
): Capabilities {
  const perCap = new Map<CapabilityId, Map<string, Partial<ModelConstraint>>>();
  for (const e of entries) {
    const models = perCap.get(e.capability) ?? new Map<string, Partial<ModelConstraint>>();
    perCap.set(e.capability, models);
    const prev = models.get(e.modelId);
    const runnerVersion = opts.runnerVersions?.get(`${e.pipeline}/${e.modelId}`) ?? '';
    models.set(e.modelId, {
      warm: e.warm,
      capacity: Math.max(prev?.capacity ?? 0, e.capacity),
      runnerVersion,
      capacityInUse: 0,
    });
  }
  const capacities: [CapabilityId, number][] = [];
  for (const [cap, models] of perCap) {
    let total = 0;
    for (const m of models.values()) total += m.capacity ?? 0;
    capacities.push([cap, total]);
  }
  return makeCapabilities({
    capabilities: [...defaultCapabilities(), ...perCap.keys()],
    mandatories: mandatoryOCapabilities(),
    capacities,
    version: opts.version ?? '',
    perCapability: [...perCap].map(([cap, models]) => [cap, [...models]] as const),
  });
}

/**
 * The capabilities a gateway sends for one AI job (reference §9.1.2): the default set plus the
 * AI capability, capacity 1 each, and a constraint for the requested model (warm false, the
 * minimum runner version if any).
 */
export function aiJobCapabilities(
  pipeline: AiPipeline,
  modelId: string,
  opts: { minRunnerVersion?: string; minVersion?: string; version?: string } = {},
): Capabilities {
  const cap = pipelineToCapability(pipeline);
  if (cap === undefined) throw new RangeError(`aiJobCapabilities: unknown pipeline "${pipeline}"`);
  return makeCapabilities({
    capabilities: [...defaultCapabilities(), cap],
    version: opts.version ?? '',
    minVersion: opts.minVersion ?? '',
    perCapability: [[cap, [[modelId, { warm: false, runnerVersion: opts.minRunnerVersion ?? '' }]]]],
  });
}

/**
 * Prices per (gateway, capability, model) — go-livepeer's SetBasePriceForCap. Lookup tries the
 * sender's own price, then "default"; there is no per-pipeline "default" model on this side.
 */
export class AiPriceTable {
  private readonly prices = new Map<string, PriceInfo>();

  private static key(gateway: string, cap: CapabilityId, modelId: string): string {
    return `${gateway.toLowerCase()}\n${cap}\n${modelId}`;
  }

  set(gateway: string, cap: CapabilityId, modelId: string, price: PriceInfo): void {
    this.prices.set(AiPriceTable.key(gateway || 'default', cap, modelId), price);
  }

  get(sender: string | undefined, cap: CapabilityId, modelId: string): PriceInfo | undefined {
    if (sender) {
      const own = this.prices.get(AiPriceTable.key(sender, cap, modelId));
      if (own) return own;
    }
    return this.prices.get(AiPriceTable.key('default', cap, modelId));
  }

  /** Sum over the requested (capability, model) pairs; undefined when one has no price. */
  priceFor(sender: string | undefined, wanted: Iterable<{ capability: CapabilityId; modelId: string }>): PriceInfo | undefined {
    let total: PriceInfo | undefined;
    for (const w of wanted) {
      const p = this.get(sender, w.capability, w.modelId);
      if (!p) return undefined;
      total = total ? priceFromRat(priceRat(total).add(priceRat(p))) : p;
    }
    return total;
  }

  /** Every (capability, model) priced for a sender (its own or default), for advertising. */
  entriesFor(sender: string | undefined): { capability: CapabilityId; modelId: string; price: PriceInfo }[] {
    const out = new Map<string, { capability: CapabilityId; modelId: string; price: PriceInfo }>();
    const mine = sender?.toLowerCase();
    for (const [key, price] of this.prices) {
      const [gw, cap, modelId] = key.split('\n') as [string, string, string];
      const k = `${cap}\n${modelId}`;
      if (gw === mine) out.set(k, { capability: Number(cap), modelId, price });
      else if (gw === 'default' && !out.has(k)) out.set(k, { capability: Number(cap), modelId, price });
    }
    return [...out.values()];
  }

  /** Builds the table from parsed aiModels (wei prices only; others need the price feed first). */
  static fromAiModels(entries: readonly AiModelEntry[]): AiPriceTable {
    const t = new AiPriceTable();
    for (const e of entries) if (e.price?.wei) t.set(e.gateway, e.capability, e.modelId, e.price.wei);
    return t;
  }
}
