// market's plain Capabilities <-> the wire's net.Capabilities message. Both nodes use this: the
// orchestrator to advertise its AI models, the gateway to say what a job needs.
import { create } from '@bufbuild/protobuf';
import type { Capabilities } from '../../market/index.js';
import { fromBitstring, makeCapabilities, toBitstring } from '../../market/index.js';
import type { Capabilities as WireCapabilities } from '../../wire/index.js';
import {
  CapabilitiesSchema,
  checkCapabilitiesLimits,
  Capabilities_CapabilityConstraintsSchema,
  Capabilities_CapabilityConstraints_ModelConstraintSchema,
  Capabilities_ConstraintsSchema,
} from '../../wire/index.js';

export function capabilitiesToWire(caps: Capabilities): WireCapabilities {
  const perCapability: Record<number, ReturnType<typeof create<typeof Capabilities_CapabilityConstraintsSchema>>> = {};
  for (const [cap, models] of caps.perCapability) {
    const m: Record<string, ReturnType<typeof create<typeof Capabilities_CapabilityConstraints_ModelConstraintSchema>>> = {};
    for (const [modelId, c] of models) {
      m[modelId] = create(Capabilities_CapabilityConstraints_ModelConstraintSchema, {
        warm: c.warm,
        capacity: c.capacity,
        runnerVersion: c.runnerVersion,
        capacityInUse: c.capacityInUse,
      });
    }
    perCapability[cap] = create(Capabilities_CapabilityConstraintsSchema, { models: m });
  }
  const capacities: Record<number, number> = {};
  for (const [cap, n] of caps.capacities) capacities[cap] = n;
  return create(CapabilitiesSchema, {
    bitstring: toBitstring(caps.capabilities),
    mandatories: toBitstring(caps.mandatories),
    capacities,
    version: caps.version,
    constraints: create(Capabilities_ConstraintsSchema, { minVersion: caps.minVersion, PerCapability: perCapability }),
  });
}

/**
 * An absent message decodes as the empty set (go-livepeer treats nil capabilities as compatible).
 * A message above WIRE_LIMITS throws WireLimitError before anything is expanded.
 */
export function capabilitiesFromWire(w: WireCapabilities | undefined): Capabilities {
  if (!w) return makeCapabilities({ capabilities: [] });
  checkCapabilitiesLimits(w);
  const per = w.constraints?.PerCapability ?? {};
  return makeCapabilities({
    capabilities: fromBitstring(w.bitstring),
    mandatories: fromBitstring(w.mandatories),
    capacities: Object.entries(w.capacities).map(([k, v]) => [Number(k), v] as [number, number]),
    version: w.version,
    minVersion: w.constraints?.minVersion ?? '',
    perCapability: Object.entries(per).map(([cap, cc]) => [
      Number(cap),
      Object.entries(cc.models).map(([id, m]) => [
        id,
        { warm: m.warm, capacity: m.capacity, runnerVersion: m.runnerVersion, capacityInUse: m.capacityInUse },
      ]),
    ]),
  });
}
