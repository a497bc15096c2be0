// One row of a candidate snapshot (snapshot.ts): the facts it is prepared from, their gates as
// one code (the earliest in REJECT_REASONS), and the row as the evaluation reads it — a Candidate
// object built only when read (SnapshotRows), with one job's gates on top where it has any.
// Below snapshot.ts and patch.ts, which both read rows through it; it only names their types.
import type { EvaluationRows, GateReason } from './evaluation.js';
import { gateCode } from './evaluate.js';
import type { CandidateSnapshot, JobGates } from './snapshot.js';
import type { Candidate } from './types.js';

/** A gate's detail: the sentence, or a function that formats it when it is read. */
export type GateDetail = string | (() => string);
export type PreparedGates = Partial<Record<GateReason, GateDetail>>;

/** One orchestrator's slow-changing facts for one (pipeline, model): a Candidate's facts, its gates prepared. */
export interface PreparedFacts extends Pick<Candidate, 'key' | 'address' | 'stake' | 'price' | 'latencyMs' | 'warm'> {
  /** Gates known when the snapshot is built (blocklisted, stale, no-capability, capacity, suspended, …). */
  gates?: PreparedGates;
  /** A gate that applies only when no other one (static or the job's) does. */
  fallback?: { reason: GateReason; detail: GateDetail };
}

/** The code of no gate at all. */
export const NONE = 255;

/** The code of the earliest set gate (REJECT_REASONS order), or NONE. */
export function codeOf(gates: PreparedGates | undefined): number {
  let g = NONE;
  if (gates) {
    for (const name in gates) {
      const code = gateCode(name);
      if (code >= 0 && code < g && gates[name as GateReason] !== undefined) g = code;
    }
  }
  return g;
}

const text = (d: GateDetail): string => (typeof d === 'function' ? d() : d);

/** A row's facts as a Candidate, with its static gates and the job's (or else its fallback gate). */
export function materialize(f: PreparedFacts, jobGates: PreparedGates | undefined): Candidate {
  const gates: Candidate['gates'] = {};
  let any = false;
  for (const src of [f.gates, jobGates]) {
    if (!src) continue;
    for (const name in src) {
      const d = src[name as GateReason];
      if (d === undefined) continue;
      gates[name as GateReason] = text(d);
      any = true;
    }
  }
  if (!any && f.fallback) gates[f.fallback.reason] = text(f.fallback.detail);
  return {
    key: f.key,
    ...(f.address !== undefined ? { address: f.address } : {}),
    stake: f.stake,
    ...(f.price !== undefined ? { price: f.price } : {}),
    ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
    warm: f.warm,
    gates,
  };
}

/** A snapshot's rows as an evaluation reads them, with one job's gates (and omitted rows) on top. */
export class SnapshotRows implements EvaluationRows {
  constructor(
    private readonly snap: CandidateSnapshot,
    private readonly job: JobGates | undefined,
  ) {}
  get length(): number {
    return this.snap.size;
  }
  candidate(i: number): Candidate {
    const g = this.job?.gates.get(i);
    return g ? materialize(this.snap.facts[i]!, g) : this.snap.candidate(i);
  }
  key(i: number): string {
    return this.snap.facts[i]!.key;
  }
  indexOf(key: string): number {
    const i = this.snap.indexOf(key);
    return i >= 0 && this.job?.omitted.has(i) ? -1 : i;
  }
}
