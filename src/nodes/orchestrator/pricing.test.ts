import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AiPriceTable, Capability, aiJobCapabilities, makeCapabilities } from '../../market/index.js';
import { OrchestratorPricing } from './pricing.js';

const G = '0x00000000000000000000000000000000000000aa';

function table(): AiPriceTable {
  const t = new AiPriceTable();
  t.set('', Capability.TextToImage, 'a', { pricePerUnit: 3n, pixelsPerUnit: 2n });
  t.set(G, Capability.TextToImage, 'a', { pricePerUnit: 5n, pixelsPerUnit: 1n });
  t.set('', Capability.LLM, 'l', { pricePerUnit: 7n, pixelsPerUnit: 1n });
  return t;
}

describe('OrchestratorPricing', () => {
  it('prices a job by sender first, then default, else 0', () => {
    const p = new OrchestratorPricing(table(), undefined);
    assert.deepEqual(p.forJob(undefined, Capability.TextToImage, 'a'), { pricePerUnit: 3n, pixelsPerUnit: 2n });
    assert.deepEqual(p.forJob(G, Capability.TextToImage, 'a'), { pricePerUnit: 5n, pixelsPerUnit: 1n });
    assert.equal(p.forJob(G, Capability.TextToImage, 'zzz').pricePerUnit, 0n);
  });

  it('sums requested (capability, model) prices; base price without caps or when the sum is 0', () => {
    const base = { pricePerUnit: 11n, pixelsPerUnit: 1n };
    const p = new OrchestratorPricing(table(), base);
    assert.deepEqual(p.forRequest(undefined, undefined), base);
    assert.deepEqual(p.forRequest(undefined, aiJobCapabilities('text-to-image', 'a')), { pricePerUnit: 3n, pixelsPerUnit: 2n });
    assert.deepEqual(p.forRequest(undefined, aiJobCapabilities('text-to-image', 'unknown')), base);
    const both = makeCapabilities({
      capabilities: [Capability.TextToImage, Capability.LLM],
      perCapability: [
        [Capability.TextToImage, [['a', {}]]],
        [Capability.LLM, [['l', {}]]],
      ],
    });
    assert.deepEqual(p.forRequest(undefined, both), { pricePerUnit: 17n, pixelsPerUnit: 2n });
    const prices = p.capabilitiesPrices(G).map((x) => `${x.capability}/${x.constraint}=${x.pricePerUnit}/${x.pixelsPerUnit}`).sort();
    assert.deepEqual(prices, [`${Capability.TextToImage}/a=5/1`, `${Capability.LLM}/l=7/1`].sort());
  });
});
