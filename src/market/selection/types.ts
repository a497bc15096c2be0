// The contract between discovery (src/market/discovery), selection (this folder) and the gateway.
// Discovery produces one MarketEntry per known orchestrator; the gateway turns entries into
// Candidates for one job (its pipeline and model), selection evaluates them: every candidate ends
// up either qualified, with its probability of being drawn, or rejected with exactly one reason.
import type { Rat } from '../../money/index.js';

/**
 * Why an orchestrator is not a candidate for a job, most fundamental first: when several apply,
 * the earliest in this list is the one reported.
 */
export const REJECT_REASONS = ['blocklisted', 'excluded', 'no-answer', 'stale', 'no-capability', 'capacity', 'suspended', 'price-above-max'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** One orchestrator as one job sees it. The gateway computes the facts; selection decides. */
export interface Candidate {
  /** The service URI (https://host:port): unique, the suspension and stickiness key. */
  key: string;
  /** The ETH address (ticket recipient on-chain); include/exclude lists match it or the key. */
  address?: string;
  /** Bonded stake in wei; 0n when unknown (off-chain: every candidate 0n, so equal weights). */
  stake: bigint;
  /** Wei per unit for the job's pipeline and model (pricePerUnit / pixelsPerUnit); undefined = none advertised. */
  price?: Rat;
  /** The last GetOrchestrator round trip, ms; undefined = not measured. */
  latencyMs?: number;
  /** The model is loaded (warm) rather than cold; warm candidates are preferred. */
  warm: boolean;
  /**
   * Facts that reject the candidate before any price or weight is looked at. Each set field is a
   * reason with a detail for people (e.g. suspended: "until 12:00:05 after RUNNER_FAILED").
   */
  gates: Partial<Record<Exclude<RejectReason, 'price-above-max'>, string>>;
}

/** The go-livepeer ProbabilitySelectionAlgorithm weights (must sum to 1 ± 0.0001). */
export interface SelectionWeights {
  /** -selectStakeWeight, default 0.7. */
  stakeWeight: number;
  /** -selectPriceWeight, default 0.0. */
  priceWeight: number;
  /** -selectRandWeight, default 0.3 (go-livepeer's -selectRandFreq). */
  randWeight: number;
  /** -selectPriceExpFactor, default 100. */
  priceExpFactor: number;
  /** -selectLatencyBand: draw only among candidates within this many ms of the fastest; undefined = off. */
  latencyBandMs?: number;
}

/**
 * Why a qualified candidate is held in reserve with probability 0: it passes every gate and the
 * price, but a better tier exists. go-livepeer tries the warm pool before the cold one; the latency
 * band draws among the fastest only. Once the drawing tier is used up (failed, suspended), the
 * gateway evaluates again and a reserve candidate gets a probability.
 */
export const STANDBY_REASONS = ['cold', 'outside-latency-band'] as const;
export type StandbyReason = (typeof STANDBY_REASONS)[number];

export interface Qualified {
  candidate: Candidate;
  /** Probability of being drawn, in [0, 1]; the qualified set's probabilities sum to 1. */
  probability: number;
  /** Set when the probability is 0 because the candidate is in reserve (see STANDBY_REASONS). */
  standby?: StandbyReason;
  /** With `standby`: a sentence for people. May be a getter computed on read (spreading the object drops it; read it). */
  note?: string;
}

export interface Rejected {
  candidate: Candidate;
  reason: RejectReason;
  /**
   * A sentence for people: the price and the max, the suspension's end and cause, … In an
   * evaluate() result `reason` and `detail` are getters computed on read (evaluate() never formats
   * 10,000 prices it may not show): read `r.reason` / `r.detail` (or JSON.stringify, which has
   * both), don't rely on `{ ...r }` to copy them.
   */
  detail: string;
}

/**
 * Every candidate, in exactly one of the two lists. evaluate() returns an object whose lists are
 * built on first read (getters): read them, don't spread the evaluation.
 */
export interface Evaluation {
  qualified: Qualified[];
  rejected: Rejected[];
}
