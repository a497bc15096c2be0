// A plain TypeScript model of go-livepeer's `Capabilities` (core/capabilities.go) and its
// matching rule. Pure data and functions: the protobuf conversion (net.Capabilities) is done by
// the nodes on top of src/wire, using `toBitstring`/`fromBitstring` below.
import type { CapabilityId } from './capabilityIds.js';
import { legacyCapabilities } from './capabilityIds.js';
import { satisfiesMinVersion } from './semver.js';

/** Per-model constraint (net.Capabilities.CapabilityConstraints.ModelConstraint). */
export interface ModelConstraint {
  warm: boolean;
  capacity: number;
  /** For a gateway: the minimum runner version it accepts; for an orchestrator: its lowest runner version. */
  runnerVersion: string;
  capacityInUse: number;
}

export interface Capabilities {
  /** Capability ids this node supports (the bitstring, decoded). */
  capabilities: ReadonlySet<CapabilityId>;
  /** Capability ids the other side must support (the `mandatories` bitstring). */
  mandatories: ReadonlySet<CapabilityId>;
  /** Capacity per capability (go-livepeer defaults to 1 each). */
  capacities: ReadonlyMap<CapabilityId, number>;
  /** Node version (LivepeerVersion). */
  version: string;
  /** Minimum orchestrator version a gateway accepts ("" = any). */
  minVersion: string;
  /** Per-capability, per-model constraints. */
  perCapability: ReadonlyMap<CapabilityId, ReadonlyMap<string, ModelConstraint>>;
}

export function makeCapabilities(init: {
  capabilities: Iterable<CapabilityId>;
  mandatories?: Iterable<CapabilityId>;
  capacities?: Iterable<[CapabilityId, number]>;
  version?: string;
  minVersion?: string;
  perCapability?: Iterable<[CapabilityId, Iterable<[string, Partial<ModelConstraint>]>]>;
}): Capabilities {
  const caps = new Set(init.capabilities);
  const capacities = new Map(init.capacities ?? []);
  for (const c of caps) if (!capacities.has(c)) capacities.set(c, 1);
  const perCapability = new Map<CapabilityId, Map<string, ModelConstraint>>();
  for (const [cap, models] of init.perCapability ?? []) {
    const m = new Map<string, ModelConstraint>();
    for (const [id, c] of models) m.set(id, modelConstraint(c));
    perCapability.set(cap, m);
  }
  return {
    capabilities: caps,
    mandatories: new Set(init.mandatories ?? []),
    capacities,
    version: init.version ?? '',
    minVersion: init.minVersion ?? '',
    perCapability,
  };
}

export function modelConstraint(c: Partial<ModelConstraint> = {}): ModelConstraint {
  return { warm: c.warm ?? false, capacity: c.capacity ?? 0, runnerVersion: c.runnerVersion ?? '', capacityInUse: c.capacityInUse ?? 0 };
}

/** Bitstring words: capability N sets bit N % 64 of word N / 64; negative ids are ignored. */
export function toBitstring(ids: Iterable<CapabilityId>): bigint[] {
  const words: bigint[] = [];
  for (const id of ids) {
    if (id < 0 || !Number.isInteger(id)) continue;
    const w = Math.floor(id / 64);
    while (words.length <= w) words.push(0n);
    words[w] = words[w]! | (1n << BigInt(id % 64));
  }
  return words;
}

export function fromBitstring(words: readonly bigint[]): Set<CapabilityId> {
  const out = new Set<CapabilityId>();
  words.forEach((word, w) => {
    if (word === 0n) return;
    for (let bit = 0; bit < 64; bit++) if ((word >> BigInt(bit)) & 1n) out.add(w * 64 + bit);
  });
  return out;
}

function isSubset(a: ReadonlySet<CapabilityId>, b: ReadonlySet<CapabilityId>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

export type IncompatibleReason =
  | { kind: 'no-capabilities' }
  | { kind: 'orchestrator-version'; want: string; have: string }
  | { kind: 'mandatory-missing'; capability: CapabilityId }
  | { kind: 'model-missing'; capability: CapabilityId; modelId: string }
  | { kind: 'model-not-warm'; capability: CapabilityId; modelId: string }
  | { kind: 'runner-version'; capability: CapabilityId; modelId: string; want: string; have: string }
  | { kind: 'capability-missing'; capability: CapabilityId };

/**
 * go-livepeer's `(*Capabilities).CompatibleWith(orch)`, returning why not instead of a bare
 * boolean (selection later explains every orchestrator it does not choose). Order of checks is
 * go-livepeer's: version, mandatories, per-model constraints, then capability subset.
 * An orchestrator with no constraints for a requested capability passes here, as in Go.
 */
export function incompatibility(gateway: Capabilities | undefined, orch: Capabilities): IncompatibleReason | undefined {
  if (!gateway) return { kind: 'no-capabilities' };
  if (gateway.minVersion && !satisfiesMinVersion(orch.version, gateway.minVersion)) {
    return { kind: 'orchestrator-version', want: gateway.minVersion, have: orch.version };
  }
  for (const m of orch.mandatories) if (!gateway.capabilities.has(m)) return { kind: 'mandatory-missing', capability: m };
  for (const [cap, wanted] of gateway.perCapability) {
    const offered = orch.perCapability.get(cap);
    if (!offered) continue;
    for (const [modelId, want] of wanted) {
      const have = offered.get(modelId);
      if (!have) return { kind: 'model-missing', capability: cap, modelId };
      if (want.warm && !have.warm) return { kind: 'model-not-warm', capability: cap, modelId };
      if (want.runnerVersion && !satisfiesMinVersion(have.runnerVersion, want.runnerVersion)) {
        return { kind: 'runner-version', capability: cap, modelId, want: want.runnerVersion, have: have.runnerVersion };
      }
    }
  }
  for (const c of gateway.capabilities) if (!orch.capabilities.has(c)) return { kind: 'capability-missing', capability: c };
  return undefined;
}

export function compatibleWith(gateway: Capabilities | undefined, orch: Capabilities): boolean {
  return incompatibility(gateway, orch) === undefined;
}

/** LegacyOnly(): every capability is in the legacy (pre-capabilities) set. */
export function legacyOnly(caps: Capabilities): boolean {
  return isSubset(caps.capabilities, new Set(legacyCapabilities()));
}

/** Free slots for a model: advertised capacity minus what is in use (never below 0). */
export function freeCapacity(c: ModelConstraint): number {
  return Math.max(0, c.capacity - c.capacityInUse);
}
