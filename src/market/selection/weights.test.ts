import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SELECTION_WEIGHTS, SelectionConfigError, selectionFlagSpecs, selectionFlagsFromArgs, selectionWeightsFromFlags, validateWeights, type SelectionErrorCode } from './index.js';

function code(fn: () => unknown): SelectionErrorCode {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SelectionConfigError, String(err));
    return err.code;
  }
  assert.fail('expected a SelectionConfigError');
}

describe('selection weights', () => {
  it("defaults are go-livepeer's 0.7 / 0.0 / 0.3 / 100, no latency band", () => {
    assert.deepEqual(selectionWeightsFromFlags({}), { stakeWeight: 0.7, priceWeight: 0, randWeight: 0.3, priceExpFactor: 100 });
    assert.deepEqual({ ...DEFAULT_SELECTION_WEIGHTS }, { stakeWeight: 0.7, priceWeight: 0, randWeight: 0.3, priceExpFactor: 100 });
  });

  it('the three weights must add up to 1 within 0.0001', () => {
    assert.equal(code(() => selectionWeightsFromFlags({ selectStakeWeight: 0.8 })), 'SELECTION_WEIGHTS_SUM');
    assert.equal(code(() => selectionWeightsFromFlags({ selectStakeWeight: 0.7002 })), 'SELECTION_WEIGHTS_SUM');
    assert.equal(selectionWeightsFromFlags({ selectStakeWeight: 0.70009 }).stakeWeight, 0.70009);
    assert.deepEqual(selectionWeightsFromFlags({ selectStakeWeight: 0.2, selectPriceWeight: 0.5, selectRandWeight: 0.3 }).priceWeight, 0.5);
  });

  it('refuses negative weights, a factor ≤ 0, non-numbers and a negative band', () => {
    assert.equal(code(() => selectionWeightsFromFlags({ selectStakeWeight: 1.2, selectPriceWeight: -0.2, selectRandWeight: 0 })), 'SELECTION_WEIGHT_INVALID');
    assert.equal(code(() => selectionWeightsFromFlags({ selectPriceExpFactor: 0 })), 'SELECTION_WEIGHT_INVALID');
    assert.equal(code(() => selectionWeightsFromFlags({ selectStakeWeight: 'lots' })), 'SELECTION_WEIGHT_INVALID');
    assert.equal(code(() => selectionWeightsFromFlags({ selectLatencyBand: -1 })), 'SELECTION_WEIGHT_INVALID');
    assert.equal(code(() => validateWeights({ ...DEFAULT_SELECTION_WEIGHTS, latencyBandMs: NaN })), 'SELECTION_WEIGHT_INVALID');
  });

  it('-selectRandFreq is an alias of -selectRandWeight; giving both differently is refused', () => {
    assert.equal(selectionWeightsFromFlags({ selectStakeWeight: 0.5, selectRandFreq: 0.5 }).randWeight, 0.5);
    assert.equal(selectionWeightsFromFlags({ selectStakeWeight: 0.5, selectRandFreq: 0.5, selectRandWeight: '0.5' }).randWeight, 0.5);
    assert.equal(code(() => selectionWeightsFromFlags({ selectRandFreq: 0.3, selectRandWeight: 0.2 })), 'SELECTION_WEIGHT_INVALID');
  });

  it('-selectLatencyBand in ms; 0 is off', () => {
    assert.equal(selectionWeightsFromFlags({ selectLatencyBand: 50 }).latencyBandMs, 50);
    assert.equal('latencyBandMs' in selectionWeightsFromFlags({ selectLatencyBand: 0 }), false);
  });

  it('selectionFlagsFromArgs takes its flags in every form and leaves the rest in order', () => {
    const { weights, rest } = selectionFlagsFromArgs(['-orchAddr', 'a:1', '-selectStakeWeight', '0.5', '--selectPriceWeight=0.2', '-selectRandFreq', '0.3', '-selectLatencyBand=25', '-v', '--', '-selectStakeWeight', '9']);
    assert.deepEqual(weights, { stakeWeight: 0.5, priceWeight: 0.2, randWeight: 0.3, priceExpFactor: 100, latencyBandMs: 25 });
    assert.deepEqual(rest, ['-orchAddr', 'a:1', '-v', '--', '-selectStakeWeight', '9']);
    assert.equal(code(() => selectionFlagsFromArgs(['-selectStakeWeight'])), 'SELECTION_WEIGHT_INVALID');
  });

  it('the flag specs have the shape src/cli parseFlags takes, without defaults that would hide the alias', () => {
    for (const [name, spec] of Object.entries(selectionFlagSpecs)) {
      assert.equal(spec.kind, 'number', name);
      assert.ok(spec.description.length > 10, name);
      assert.equal('default' in spec, false, name);
    }
  });
});
