// The result of evaluate(): per candidate, one code (a reject reason, drawing, or a reserve
// reason) in a typed array, and the drawing set's probabilities. The Evaluation lists of objects
// are built on first read — a job that only draws, or only counts reasons for its error, never
// allocates 10,000 of them — and price details and reserve notes are formatted when read.
import { formatRatWei, type Rat } from '../../money/index.js';
import { REJECT_REASONS, type Candidate, type Evaluation, type Qualified, type RejectReason, type Rejected, type StandbyReason } from './types.js';

export type GateReason = Exclude<RejectReason, 'price-above-max'>;

/** Codes 0..7 are REJECT_REASONS indexes; then: */
export const DRAWING = REJECT_REASONS.length;
export const STANDBY_COLD = DRAWING + 1;
export const STANDBY_BAND = DRAWING + 2;
export const PRICE_CODE = REJECT_REASONS.indexOf('price-above-max');

/** Used when a gate is set with an empty detail. */
const GATE_DETAIL: Readonly<Record<GateReason, string>> = {
  blocklisted: 'on -orchBlocklist',
  excluded: "excluded by this request's include/exclude list",
  'no-answer': 'did not answer GetOrchestrator',
  stale: 'not seen recently enough to trust its answer',
  'no-capability': 'does not offer this pipeline and model',
  capacity: 'no free capacity for this model',
  suspended: 'suspended after a fault of its own',
};

const showPrice = (r: Rat): string => `${formatRatWei(r, 6)} wei/unit`;

/**
 * One rejection, whatever its reason: one class (one object shape), so a loop over the list stays
 * monomorphic; the reason and the detail are getters (the detail formatted when read).
 */
class Rejection implements Rejected {
  // Three fields (one is built per rejected candidate and job): the reason is read from the code.
  readonly #code: number;
  readonly #max: Rat | undefined;
  constructor(
    readonly candidate: Candidate,
    code: number,
    max: Rat | undefined,
  ) {
    this.#code = code;
    this.#max = max;
  }
  get reason(): RejectReason {
    return REJECT_REASONS[this.#code]!;
  }
  get detail(): string {
    if (this.#code !== PRICE_CODE) {
      const reason = this.reason as GateReason;
      return this.candidate.gates[reason] || GATE_DETAIL[reason];
    }
    const p = this.candidate.price;
    const max = showPrice(this.#max!);
    return p === undefined
      ? `advertises no price for this pipeline and model, while a max of ${max} applies and others advertise one`
      : `price ${showPrice(p)} is above the max ${max}`;
  }
  toJSON(): { candidate: Candidate; reason: RejectReason; detail: string } {
    return { candidate: this.candidate, reason: this.reason, detail: this.detail };
  }
  /** The REJECT_REASONS index of any Rejected (ours or a caller's object). */
  static codeOf(r: Rejected): number {
    return #code in r ? r.#code : REJECT_REASONS.indexOf(r.reason);
  }
}

export const rejectionCode = (r: Rejected): number => Rejection.codeOf(r);

class Standby implements Qualified {
  readonly probability = 0;
  constructor(
    readonly candidate: Candidate,
    readonly standby: StandbyReason,
    private readonly fastestMs: number,
    private readonly bandMs: number,
  ) {}
  get note(): string {
    if (this.standby === 'cold') return 'cold model: used once no warm orchestrator qualifies';
    const l = this.candidate.latencyMs;
    const band = `the ${this.bandMs} ms latency band (fastest ${this.fastestMs} ms)`;
    return l === undefined ? `latency not measured, so outside ${band}` : `latency ${l} ms is outside ${band}`;
  }
  toJSON(): { candidate: Candidate; probability: 0; standby: StandbyReason; note: string } {
    return { candidate: this.candidate, probability: 0, standby: this.standby, note: this.note };
  }
}

export interface EvaluationParts {
  candidates: readonly Candidate[];
  /** Per candidate: its code (see above). */
  codes: Uint8Array;
  /** Candidate indexes of the drawing set, in input order, and their probabilities. */
  drawing: Int32Array;
  probs: Float64Array;
  /** Rejections per code (REJECT_REASONS index). */
  counts: readonly number[];
  max: Rat | undefined;
  fastestMs: number;
  bandMs: number;
}

export class EvaluationResult implements Evaluation {
  private q: Qualified[] | undefined;
  private r: Rejected[] | undefined;

  constructor(readonly parts: EvaluationParts) {}

  /** Qualified candidates in input order (built on first read). */
  get qualified(): Qualified[] {
    if (this.q) return this.q;
    const { candidates, codes, probs, fastestMs, bandMs } = this.parts;
    const out: Qualified[] = [];
    let k = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code === DRAWING) out.push({ candidate: candidates[i]!, probability: probs[k++]! });
      else if (code === STANDBY_COLD) out.push(new Standby(candidates[i]!, 'cold', fastestMs, bandMs));
      else if (code === STANDBY_BAND) out.push(new Standby(candidates[i]!, 'outside-latency-band', fastestMs, bandMs));
    }
    return (this.q = out);
  }

  /** Rejected candidates in input order (built on first read). */
  get rejected(): Rejected[] {
    if (this.r) return this.r;
    const { candidates, codes, max, counts } = this.parts;
    let total = 0;
    for (const c of counts) total += c;
    const out = new Array<Rejected>(total);
    let k = 0;
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i]!;
      if (code < DRAWING) out[k++] = new Rejection(candidates[i]!, code, max);
    }
    return (this.r = out);
  }

  /** The qualified entry of the candidate with this key, without building the list (O(n) scan). */
  findQualified(key: string): Qualified | undefined {
    if (this.q) return this.q.find((x) => x.candidate.key === key);
    const { candidates, codes, drawing, probs, fastestMs, bandMs } = this.parts;
    for (let i = 0; i < codes.length; i++) {
      const c = candidates[i]!;
      if (c.key !== key) continue;
      const code = codes[i]!;
      if (code === STANDBY_COLD || code === STANDBY_BAND) return new Standby(c, code === STANDBY_COLD ? 'cold' : 'outside-latency-band', fastestMs, bandMs);
      if (code === DRAWING) {
        const k = drawing.indexOf(i);
        return { candidate: c, probability: probs[k]! };
      }
    }
    return undefined;
  }

  /** Rejections per reason, without building the list. */
  reasonCounts(): Record<RejectReason, number> {
    const counts = this.parts.counts;
    return Object.fromEntries(REJECT_REASONS.map((r, i) => [r, counts[i]!])) as Record<RejectReason, number>;
  }

  toJSON(): Evaluation {
    return { qualified: this.qualified, rejected: this.rejected };
  }
}
