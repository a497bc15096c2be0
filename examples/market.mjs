// livepeer-ts/market: parse an aiModels.json (go-livepeer's format) with exact prices, look up the
// price a gateway is charged, count a job's work units and its fee.
// Run: node examples/market.mjs
import assert from 'node:assert/strict';
import { Rat, fee, formatRatWei } from 'livepeer-ts/money';
import { AiModelsConfigError, AiPriceTable, Capability, describeAiModel, jobUnits, parseAiModelsJson, pipelineToCapability } from 'livepeer-ts/market';

const GATEWAY = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const aiModelsJson = `[
  {"pipeline": "text-to-image", "model_id": "ByteDance/SDXL-Lightning", "warm": true,
   "price_per_unit": 4768371, "pixels_per_unit": 1000, "url": "http://127.0.0.1:8000"},
  {"pipeline": "text-to-image", "model_id": "ByteDance/SDXL-Lightning", "gateway": "${GATEWAY}", "warm": true,
   "price_per_unit": 0.5},
  {"pipeline": "llm", "model_id": "meta-llama/Meta-Llama-3.1-8B-Instruct", "price_per_unit": 180000000}
]`;

const { entries, warnings } = parseAiModelsJson(aiModelsJson);
assert.equal(entries.length, 3);
assert.deepEqual(warnings, []);
for (const e of entries) console.log(`  ${describeAiModel(e)}`);

// 0.5 is kept exact (1/2 wei per pixel), never a float.
assert.deepEqual(entries[1].price.wei, { pricePerUnit: 1n, pixelsPerUnit: 2n });

// Price lookup: the gateway's own price first, then "default".
const table = AiPriceTable.fromAiModels(entries);
const cap = pipelineToCapability('text-to-image');
assert.equal(cap, Capability.TextToImage);
const forUs = table.get(GATEWAY, cap, 'ByteDance/SDXL-Lightning');
const forOthers = table.get('0x0000000000000000000000000000000000000001', cap, 'ByteDance/SDXL-Lightning');
assert.deepEqual(forUs, { pricePerUnit: 1n, pixelsPerUnit: 2n });
assert.deepEqual(forOthers, { pricePerUnit: 4768371n, pixelsPerUnit: 1000n });

// Work units: what both the gateway (pays) and the orchestrator (debits) count.
const units = jobUnits({ pipeline: 'text-to-image', width: 1024, height: 1024 });
assert.equal(units, 1024n * 1024n);
assert.equal(jobUnits({ pipeline: 'text-to-image' }), 512n * 512n); // the runner's default size
assert.equal(jobUnits({ pipeline: 'text-to-speech', text: 'héllo' }), 5000n); // 1000 × code points
assert.equal(jobUnits({ pipeline: 'llm', maxTokens: 100 }), 100n);
const f = fee(units, forUs);
assert.ok(f.eq(Rat.from(524288n)));
console.log(`1024×1024 text-to-image = ${units} units: ${formatRatWei(f, 0)} wei for ${GATEWAY}, ${formatRatWei(fee(units, forOthers), 3)} wei for others`);

// A malformed price is a typed error naming the entry and the field, never a silent 0.
assert.throws(
  () => parseAiModelsJson('[{"pipeline":"llm","model_id":"m","price_per_unit":"lots"}]'),
  (e) => e instanceof AiModelsConfigError && e.code === 'AI_MODEL_PRICE_INVALID' && e.issues[0].field === 'price_per_unit',
);
console.log('bad price_per_unit refused: AI_MODEL_PRICE_INVALID');
