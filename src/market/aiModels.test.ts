import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AiModelsConfigError, loadAiModels, parseAiModelsInline, parseAiModelsJson } from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = (name: string) => join(here, 'testdata', name);

function failure(fn: () => unknown): AiModelsConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AiModelsConfigError, `expected AiModelsConfigError, got ${String(err)}`);
    assert.equal(err.fatal, true);
    return err;
  }
  assert.fail('expected an AiModelsConfigError');
}

describe('aiModels.json', () => {
  it('parses the reference example once a price feed is configured (USD entry)', () => {
    const { entries } = loadAiModels(fixture('reference-example.json'), { priceFeed: true });
    assert.equal(entries.length, 2);
    const [t2i, live] = entries;
    assert.equal(t2i!.pipeline, 'text-to-image');
    assert.equal(t2i!.capability, 27);
    assert.equal(t2i!.warm, true);
    assert.deepEqual(t2i!.price!.wei, { pricePerUnit: 4768371n, pixelsPerUnit: 1n });
    assert.equal(live!.capability, 35);
    assert.equal(live!.capacity, 2);
    assert.equal(live!.price!.currency, 'USD');
    assert.equal(live!.price!.perUnit.toString(), '1/1000000000');
    assert.equal(live!.price!.wei, undefined);
  });

  it('refuses a USD price without a price feed, naming the entry and field', () => {
    const err = failure(() => loadAiModels(fixture('reference-example.json')));
    assert.equal(err.code, 'AI_MODEL_PRICE_FEED_REQUIRED');
    assert.deepEqual(
      { index: err.issues[0]!.index, pipeline: err.issues[0]!.pipeline, modelId: err.issues[0]!.modelId, field: err.issues[0]!.field },
      { index: 1, pipeline: 'live-video-to-video', modelId: 'comfyui', field: 'currency' },
    );
    assert.match(err.message, /entry #1 \(pipeline "live-video-to-video", model_id "comfyui"\)/);
    assert.match(err.message, /price feed/);
  });

  it('parses a full orchestrator file with exact prices', () => {
    const { entries, warnings } = loadAiModels(fixture('orchestrator.json'));
    assert.equal(entries.length, 9);
    const byIdx = (i: number) => entries.find((e) => e.index === i)!;
    assert.deepEqual(byIdx(0).optimizationFlags, { SFAST: 'true', DEEPCACHE: 'false' });
    assert.equal(byIdx(1).gateway, '0xabcdef0123456789abcdef0123456789abcdef01');
    assert.deepEqual(byIdx(1).price!.wei, { pricePerUnit: 1n, pixelsPerUnit: 2n }, '0.5 wei/pixel is exactly 1/2');
    assert.equal(byIdx(1).warm, true);
    assert.deepEqual(byIdx(3).price!.wei, { pricePerUnit: 1000n, pixelsPerUnit: 1n }, '1e-15 ETH = 1000 wei');
    assert.equal(byIdx(5).url, 'http://127.0.0.1:8500');
    assert.equal(byIdx(5).token, 'secret');
    assert.equal(byIdx(5).capacity, 4);
    assert.deepEqual(byIdx(5).price!.wei, { pricePerUnit: 9n, pixelsPerUnit: 50n });
    assert.deepEqual(byIdx(6).price!.wei, { pricePerUnit: 10_000_000_000_000n, pixelsPerUnit: 1n }, 'the 1e-13 pixels hack stays exact');
    assert.deepEqual(byIdx(7).price!.wei, { pricePerUnit: 0n, pixelsPerUnit: 1n }, 'explicit 0 is allowed');
    assert.deepEqual(byIdx(8).price!.wei, { pricePerUnit: 11n, pixelsPerUnit: 1000n });
    assert.equal(byIdx(8).price!.currency, 'wei');
    assert.deepEqual(warnings, []);
  });

  it('keeps JSON numbers exact beyond float precision', () => {
    const { entries } = parseAiModelsJson('[{"pipeline":"llm","model_id":"m","price_per_unit":12345678901234567890.1}]');
    assert.deepEqual(entries[0]!.price!.wei, { pricePerUnit: 123456789012345678901n, pixelsPerUnit: 10n });
  });

  const cases: [string, string, { code: string; index?: number; field?: string }][] = [
    ['missing price', '[{"pipeline":"llm","model_id":"m"}]', { code: 'AI_MODEL_PRICE_MISSING', index: 0, field: 'price_per_unit' }],
    ['non-numeric price', '[{"pipeline":"llm","model_id":"m","price_per_unit":"cheap"}]', { code: 'AI_MODEL_PRICE_INVALID', index: 0, field: 'price_per_unit' }],
    ['negative price', '[{"pipeline":"llm","model_id":"m","price_per_unit":-1}]', { code: 'AI_MODEL_PRICE_INVALID', index: 0, field: 'price_per_unit' }],
    ['price as boolean', '[{"pipeline":"llm","model_id":"m","price_per_unit":true}]', { code: 'AI_MODEL_FIELD', index: 0, field: 'price_per_unit' }],
    ['zero pixels_per_unit', '[{"pipeline":"llm","model_id":"m","price_per_unit":1,"pixels_per_unit":0}]', { code: 'AI_MODEL_PRICE_INVALID', index: 0, field: 'pixels_per_unit' }],
    ['two currencies', '[{"pipeline":"llm","model_id":"m","price_per_unit":"1 USD","currency":"eth"}]', { code: 'AI_MODEL_PRICE_INVALID', index: 0, field: 'currency' }],
    ['unknown pipeline', '[{"pipeline":"text-to-music","model_id":"m","price_per_unit":1}]', { code: 'AI_MODEL_UNKNOWN_PIPELINE', index: 0, field: 'pipeline' }],
    ['a transcoding capability is not a pipeline', '[{"pipeline":"mP4","model_id":"m","price_per_unit":1}]', { code: 'AI_MODEL_UNKNOWN_PIPELINE', index: 0, field: 'pipeline' }],
    ['missing model_id', '[{"pipeline":"llm","price_per_unit":1}]', { code: 'AI_MODEL_FIELD', index: 0, field: 'model_id' }],
    ['quoted warm', '[{"pipeline":"llm","model_id":"m","warm":"true","price_per_unit":1}]', { code: 'AI_MODEL_FIELD', index: 0, field: 'warm' }],
    ['bad url', '[{"pipeline":"llm","model_id":"m","url":"localhost:8000","price_per_unit":1}]', { code: 'AI_MODEL_BAD_URL', index: 0, field: 'url' }],
    ['negative capacity', '[{"pipeline":"llm","model_id":"m","capacity":-2,"price_per_unit":1}]', { code: 'AI_MODEL_BAD_CAPACITY', index: 0, field: 'capacity' }],
    ['fractional capacity', '[{"pipeline":"llm","model_id":"m","capacity":1.5,"price_per_unit":1}]', { code: 'AI_MODEL_BAD_CAPACITY', index: 0, field: 'capacity' }],
    ['bad gateway', '[{"pipeline":"llm","model_id":"m","gateway":"0x12","price_per_unit":1}]', { code: 'AI_MODEL_FIELD', index: 0, field: 'gateway' }],
    [
      'duplicate entry',
      '[{"pipeline":"llm","model_id":"m","price_per_unit":1},{"pipeline":"llm","model_id":"m","price_per_unit":2}]',
      { code: 'AI_MODEL_DUPLICATE', index: 1, field: 'model_id' },
    ],
    [
      'warm and cold',
      '[{"pipeline":"llm","model_id":"m","warm":true,"price_per_unit":1},{"pipeline":"llm","model_id":"m","gateway":"0x0000000000000000000000000000000000000001","price_per_unit":2}]',
      { code: 'AI_MODEL_WARM_CONFLICT', index: 1, field: 'warm' },
    ],
    ['not an array', '{"pipeline":"llm"}', { code: 'AI_MODELS_NOT_ARRAY' }],
    ['bad JSON', '[{"pipeline":"llm",}]', { code: 'AI_MODELS_BAD_JSON' }],
    ['entry not an object', '[1]', { code: 'AI_MODEL_NOT_OBJECT', index: 0 }],
  ];
  for (const [name, text, want] of cases) {
    it(`rejects ${name}`, () => {
      const err = failure(() => parseAiModelsJson(text));
      assert.equal(err.code, want.code, err.message);
      const issue = err.issues[0]!;
      assert.equal(issue.index, want.index);
      assert.equal(issue.field, want.field);
      if (want.index !== undefined) assert.match(err.message, new RegExp(`entry #${want.index}`));
      if (want.field) assert.match(err.message, new RegExp(`field "${want.field}"`));
    });
  }

  it('reports every broken entry at once', () => {
    const err = failure(() =>
      parseAiModelsJson('[{"pipeline":"llm","model_id":"ok","price_per_unit":1},{"pipeline":"nope","model_id":"a","price_per_unit":1},{"pipeline":"llm","model_id":"b"}]'),
    );
    assert.deepEqual(err.issues.map((i) => [i.index, i.code]), [[1, 'AI_MODEL_UNKNOWN_PIPELINE'], [2, 'AI_MODEL_PRICE_MISSING']]);
    assert.match(err.message, /2 problems/);
  });

  it('falls back to -pricePerUnit when set and non-zero, never to zero', () => {
    const text = '[{"pipeline":"llm","model_id":"m"}]';
    const ok = parseAiModelsJson(text, { defaults: { pricePerUnit: 7n, pixelsPerUnit: 2n } });
    assert.deepEqual(ok.entries[0]!.price!.wei, { pricePerUnit: 7n, pixelsPerUnit: 2n });
    assert.equal(failure(() => parseAiModelsJson(text, { defaults: { pricePerUnit: 0n } })).code, 'AI_MODEL_PRICE_MISSING');
  });

  it('allows missing prices off-chain (requirePrices false)', () => {
    const { entries } = parseAiModelsJson('[{"pipeline":"llm","model_id":"m"}]', { requirePrices: false });
    assert.equal(entries[0]!.price, undefined);
  });

  it('warns about unknown keys, zero capacity and flags on cold models', () => {
    const { entries, warnings } = parseAiModelsJson(
      '[{"pipeline":"llm","model_id":"m","price_per_unit":1,"capacity":0,"prize":3,"optimization_flags":{"X":"1"}}]',
    );
    assert.equal(entries[0]!.capacity, 1);
    assert.equal(warnings.length, 3);
    assert.ok(warnings.some((w) => w.includes('"prize"')));
  });

  it('parses the inline form like go-livepeer', () => {
    const { entries } = parseAiModelsInline('text-to-image:ByteDance/SDXL-Lightning:true,llm:m:0:extra', { requirePrices: false });
    assert.deepEqual(entries.map((e) => [e.pipeline, e.modelId, e.warm]), [['text-to-image', 'ByteDance/SDXL-Lightning', true], ['llm', 'm', false]]);
    assert.equal(failure(() => parseAiModelsInline('llm:m', { requirePrices: false })).code, 'AI_MODELS_INLINE');
    const bad = failure(() => parseAiModelsInline('llm:m:maybe', { requirePrices: false }));
    assert.equal(bad.issues[0]!.field, 'warm');
  });

  it('reads a path when the file exists, and says so when a .json path does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aimodels-'));
    try {
      const p = join(dir, 'aiModels.json');
      writeFileSync(p, '[{"pipeline":"upscale","model_id":"x","price_per_unit":3}]');
      assert.equal(loadAiModels(p).entries[0]!.pipeline, 'upscale');
      assert.equal(failure(() => loadAiModels(join(dir, 'missing.json'))).code, 'AI_MODELS_UNREADABLE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
