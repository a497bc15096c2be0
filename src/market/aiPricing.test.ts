import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AiPriceTable, aiJobCapabilities, compatibleWith, describeAiModel, orchestratorAiCapabilities, parseAiModelsJson } from './index.js';

const GW = '0x00000000000000000000000000000000000000aa';

const config = parseAiModelsJson(`[
  {"pipeline":"text-to-image","model_id":"sdxl","warm":true,"price_per_unit":10,"capacity":3},
  {"pipeline":"text-to-image","model_id":"sdxl","warm":true,"gateway":"${GW}","price_per_unit":0.5},
  {"pipeline":"llm","model_id":"llama","price_per_unit":2,"pixels_per_unit":3,"url":"http://127.0.0.1:9"}
]`);

describe('orchestrator AI capabilities', () => {
  const caps = orchestratorAiCapabilities(config.entries, { version: '0.8.1', runnerVersions: new Map([['llm/llama', '0.2.0']]) });
  it('advertises defaults + AI caps, Auth token mandatory, configured capacity', () => {
    assert.ok(caps.capabilities.has(27) && caps.capabilities.has(33) && caps.capabilities.has(12));
    assert.deepEqual([...caps.mandatories], [12]);
    const sdxl = caps.perCapability.get(27)!.get('sdxl')!;
    assert.deepEqual(sdxl, { warm: true, capacity: 3, runnerVersion: '', capacityInUse: 0 });
    assert.equal(caps.capacities.get(27), 3);
    assert.equal(caps.perCapability.get(33)!.get('llama')!.runnerVersion, '0.2.0');
  });
  it('is compatible with a job for an offered model, not for another', () => {
    assert.equal(compatibleWith(aiJobCapabilities('llm', 'llama', { minRunnerVersion: '0.1.0' }), caps), true);
    assert.equal(compatibleWith(aiJobCapabilities('llm', 'other'), caps), false);
    assert.equal(compatibleWith(aiJobCapabilities('upscale', 'x'), caps), false);
  });
});

describe('AiPriceTable', () => {
  const table = AiPriceTable.fromAiModels(config.entries);
  it('prefers the sender price, then default', () => {
    assert.deepEqual(table.get(GW.toUpperCase().replace('0X', '0x'), 27, 'sdxl'), { pricePerUnit: 1n, pixelsPerUnit: 2n });
    assert.deepEqual(table.get('0x1111111111111111111111111111111111111111', 27, 'sdxl'), { pricePerUnit: 10n, pixelsPerUnit: 1n });
    assert.deepEqual(table.get(undefined, 33, 'llama'), { pricePerUnit: 2n, pixelsPerUnit: 3n });
    assert.equal(table.get(undefined, 33, 'nope'), undefined);
  });
  it('sums prices exactly across capabilities', () => {
    const both = [{ capability: 27, modelId: 'sdxl' }, { capability: 33, modelId: 'llama' }];
    assert.deepEqual(table.priceFor(GW, both), { pricePerUnit: 7n, pixelsPerUnit: 6n });
    assert.equal(table.priceFor(GW, [...both, { capability: 30, modelId: 'x' }]), undefined);
  });
  it('lists what a sender sees', () => {
    const seen = table.entriesFor(GW).map((e) => [e.capability, e.modelId, e.price.pricePerUnit]);
    assert.deepEqual(seen.sort(), [[27, 'sdxl', 1n], [33, 'llama', 2n]].sort());
  });
});

describe('describeAiModel', () => {
  it('states the price in the pipeline unit', () => {
    assert.equal(describeAiModel(config.entries[1]!), `text-to-image sdxl for gateway ${GW} (warm, capacity 1): 0.5 wei per output pixel`);
    assert.equal(describeAiModel(config.entries[2]!), 'llm llama via http://127.0.0.1:9 (cold, capacity 1): ≈0.666667 wei per token of max_tokens');
  });
});
