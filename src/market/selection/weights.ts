// The selection weights and their flags. go-livepeer's ProbabilitySelectionAlgorithm defaults
// (cmd/livepeer/starter: stake 0.7, price 0.0, random 0.3, price exponent factor 100) and its one
// check (the three weights add up to 1 within 0.0001), plus -selectLatencyBand, which is ours.
//
// The flags are declared here in src/cli's FlagSpecs shape (kind/description) without importing
// src/cli (a higher layer): the gateway command spreads `selectionFlagSpecs` into its own specs and
// hands the parsed values to `selectionWeightsFromFlags`; `selectionFlagsFromArgs` does both for
// a bare argv.
import type { SelectionWeights } from './types.js';
import { SelectionConfigError } from './errors.js';

export const DEFAULT_SELECTION_WEIGHTS: Readonly<SelectionWeights> = Object.freeze({
  stakeWeight: 0.7,
  priceWeight: 0.0,
  randWeight: 0.3,
  priceExpFactor: 100,
});

/** go-livepeer's tolerance on stake + price + random = 1. */
export const WEIGHT_SUM_TOLERANCE = 0.0001;

/**
 * The flags, with no `default` on purpose: a default filled in by the flag parser would hide which
 * of -selectRandWeight / -selectRandFreq the operator gave. Defaults are applied below.
 */
export const selectionFlagSpecs = {
  selectStakeWeight: { kind: 'number', description: 'weight of stake in orchestrator selection (default 0.7)' },
  selectPriceWeight: { kind: 'number', description: 'weight of price in orchestrator selection (default 0.0)' },
  selectRandWeight: { kind: 'number', description: 'weight of the uniform random share in orchestrator selection (default 0.3)' },
  selectRandFreq: { kind: 'number', description: "go-livepeer's name for -selectRandWeight" },
  selectPriceExpFactor: { kind: 'number', description: 'price scale of the price weight: exp(-price/factor), wei per unit (default 100)' },
  selectLatencyBand: { kind: 'number', description: 'ms: draw only among orchestrators within this much of the fastest (0 = off, the default)' },
} as const;

export type SelectionFlagName = keyof typeof selectionFlagSpecs;
export type SelectionFlagValues = Partial<Record<SelectionFlagName, number | string | undefined>>;

/** Checks a full set of weights; throws SelectionConfigError (fatal). Returns the same object. */
export function validateWeights(w: SelectionWeights): SelectionWeights {
  for (const [name, v] of [['-selectStakeWeight', w.stakeWeight], ['-selectPriceWeight', w.priceWeight], ['-selectRandWeight', w.randWeight]] as const) {
    // go-livepeer accepts a negative weight as long as the sum is 1; a negative share would give
    // negative probabilities, so we refuse it.
    if (!Number.isFinite(v) || v < 0) throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `${name} must be a number ≥ 0, got ${v}`);
  }
  // go-livepeer divides by the factor unchecked; 0 or less makes exp(-price/factor) meaningless.
  if (!Number.isFinite(w.priceExpFactor) || w.priceExpFactor <= 0) {
    throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `-selectPriceExpFactor must be a number > 0, got ${w.priceExpFactor}`);
  }
  if (w.latencyBandMs !== undefined && (!Number.isFinite(w.latencyBandMs) || w.latencyBandMs < 0)) {
    throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `-selectLatencyBand must be a number of ms ≥ 0, got ${w.latencyBandMs}`);
  }
  const sum = w.stakeWeight + w.priceWeight + w.randWeight;
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    throw new SelectionConfigError(
      'SELECTION_WEIGHTS_SUM',
      `selection weights must add up to 1: -selectStakeWeight ${w.stakeWeight} + -selectPriceWeight ${w.priceWeight} + -selectRandWeight ${w.randWeight} = ${sum}`,
    );
  }
  return w;
}

function num(name: string, v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `-${name} takes a number, got ${JSON.stringify(String(v))}`);
  return n;
}

/** Flag values (as src/cli's parseFlags gives them, or strings) → validated weights, defaults filled in. */
export function selectionWeightsFromFlags(flags: SelectionFlagValues): SelectionWeights {
  const rand = num('selectRandWeight', flags.selectRandWeight);
  const randFreq = num('selectRandFreq', flags.selectRandFreq);
  if (rand !== undefined && randFreq !== undefined && rand !== randFreq) {
    throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `-selectRandWeight ${rand} and -selectRandFreq ${randFreq} are the same setting: give one`);
  }
  const band = num('selectLatencyBand', flags.selectLatencyBand);
  if (band !== undefined && band < 0) throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `-selectLatencyBand must be ≥ 0 ms (0 = off), got ${band}`);
  const w: SelectionWeights = {
    stakeWeight: num('selectStakeWeight', flags.selectStakeWeight) ?? DEFAULT_SELECTION_WEIGHTS.stakeWeight,
    priceWeight: num('selectPriceWeight', flags.selectPriceWeight) ?? DEFAULT_SELECTION_WEIGHTS.priceWeight,
    randWeight: rand ?? randFreq ?? DEFAULT_SELECTION_WEIGHTS.randWeight,
    priceExpFactor: num('selectPriceExpFactor', flags.selectPriceExpFactor) ?? DEFAULT_SELECTION_WEIGHTS.priceExpFactor,
  };
  if (band !== undefined && band > 0) w.latencyBandMs = band;
  return validateWeights(w);
}

/**
 * Takes the selection flags out of an argv (`-name v`, `--name v`, `-name=v`, as src/cli/flags.ts
 * reads them) and returns the weights plus every other argument, untouched and in order.
 */
export function selectionFlagsFromArgs(argv: readonly string[]): { weights: SelectionWeights; rest: string[] } {
  const values: SelectionFlagValues = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--?([A-Za-z][A-Za-z0-9]*)(?:=(.*))?$/s.exec(arg);
    const name = m?.[1];
    if (!m || name === undefined || !Object.hasOwn(selectionFlagSpecs, name)) {
      rest.push(arg);
      continue;
    }
    let raw = m[2];
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new SelectionConfigError('SELECTION_WEIGHT_INVALID', `flag -${name} needs a value`);
    }
    values[name as SelectionFlagName] = raw;
  }
  return { weights: selectionWeightsFromFlags(values), rest };
}
