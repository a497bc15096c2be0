// Runner slots per (capability, model). Each distinct runner `url` configured for a model is one
// pool of `capacity` slots; a job takes a slot and MUST release it on every exit path. AI capacity
// comes from aiModels only, as in go-livepeer (-maxSessions counts transcoding sessions, which this
// node does not run). The advertised constraints carry the free slots as `capacity` (go-livepeer
// decrements the advertised model capacity per reserved batch job, and advertises idle containers
// for live video) and the slots in use as `capacityInUse`.
import type { AiModelEntry, Capabilities, CapabilityId } from '../../market/index.js';
import { makeCapabilities, orchestratorAiCapabilities } from '../../market/index.js';
import { OrchestratorConfigError } from './errors.js';

export interface RunnerSlot {
  url: string;
  token: string | undefined;
  capacity: number;
  inUse: number;
  /** The aiModels entries (indexes) that configured this runner. */
  entries: number[];
}

export interface Lease {
  runner: RunnerSlot;
  /** Idempotent. */
  release(): void;
}

function key(cap: CapabilityId, modelId: string): string {
  return `${cap}\n${modelId}`;
}

export class CapacityTracker {
  private readonly models = new Map<string, RunnerSlot[]>();
  private total = 0;

  constructor(private readonly entries: readonly AiModelEntry[]) {
    for (const e of entries) {
      if (!e.url) {
        throw new OrchestratorConfigError(
          `aiModels entry #${e.index} (${e.pipeline} ${e.modelId}): needs "url", the base URL of its ai-runner (this node does not manage runner containers)`,
        );
      }
      try {
        const u = new URL(e.url);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw new OrchestratorConfigError(`aiModels entry #${e.index} (${e.pipeline} ${e.modelId}): "url" ${JSON.stringify(e.url)} is not an http(s) URL`);
      }
      const k = key(e.capability, e.modelId);
      const list = this.models.get(k) ?? [];
      this.models.set(k, list);
      const url = e.url.replace(/\/+$/, '');
      const same = list.find((r) => r.url === url);
      if (same) {
        same.capacity = Math.max(same.capacity, e.capacity);
        same.entries.push(e.index);
      } else {
        list.push({ url, token: e.token, capacity: e.capacity, inUse: 0, entries: [e.index] });
      }
    }
  }

  /** Jobs in flight over all models. */
  inFlight(): number {
    return this.total;
  }

  /** go-livepeer CheckAICapacity without the reservation: a free slot exists for this model. */
  hasCapacity(cap: CapabilityId, modelId: string): boolean {
    return (this.models.get(key(cap, modelId)) ?? []).some((r) => r.inUse < r.capacity);
  }

  serves(cap: CapabilityId, modelId: string): boolean {
    return this.models.has(key(cap, modelId));
  }

  runners(cap: CapabilityId, modelId: string): readonly RunnerSlot[] {
    return this.models.get(key(cap, modelId)) ?? [];
  }

  /** Takes a slot on the least-loaded runner with room; undefined when none (→ 503 insufficient capacity). */
  acquire(cap: CapabilityId, modelId: string, exclude: ReadonlySet<string> = new Set()): Lease | undefined {
    let best: RunnerSlot | undefined;
    for (const r of this.models.get(key(cap, modelId)) ?? []) {
      if (exclude.has(r.url) || r.inUse >= r.capacity) continue;
      if (!best || r.inUse / r.capacity < best.inUse / best.capacity) best = r;
    }
    if (!best) return undefined;
    const runner = best;
    runner.inUse++;
    this.total++;
    let released = false;
    return {
      runner,
      release: () => {
        if (released) return;
        released = true;
        runner.inUse--;
        this.total--;
      },
    };
  }

  /** Capabilities to advertise: aiModels' set with live per-model capacity and capacityInUse. */
  capabilities(opts: { version: string; runnerVersions?: ReadonlyMap<string, string> }): Capabilities {
    const base = orchestratorAiCapabilities(this.entries, opts);
    const perCapability: [CapabilityId, [string, { warm: boolean; capacity: number; runnerVersion: string; capacityInUse: number }][]][] = [];
    const capacities: [CapabilityId, number][] = [];
    for (const [cap, models] of base.perCapability) {
      const list: [string, { warm: boolean; capacity: number; runnerVersion: string; capacityInUse: number }][] = [];
      let capTotal = 0;
      for (const [modelId, c] of models) {
        let capacity = 0;
        let inUse = 0;
        for (const r of this.runners(cap, modelId)) {
          capacity += r.capacity;
          inUse += r.inUse;
        }
        capTotal += capacity;
        list.push([modelId, { warm: c.warm, capacity: capacity - inUse, runnerVersion: c.runnerVersion, capacityInUse: inUse }]);
      }
      perCapability.push([cap, list]);
      capacities.push([cap, capTotal]);
    }
    for (const [cap, n] of base.capacities) if (!base.perCapability.has(cap)) capacities.push([cap, n]);
    return makeCapabilities({
      capabilities: base.capabilities,
      mandatories: base.mandatories,
      capacities,
      version: base.version,
      minVersion: base.minVersion,
      perCapability,
    });
  }
}
