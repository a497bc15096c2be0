import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rat } from '../../money/index.js';
import { SelectionConfigError, maxPriceFor, maxPriceForJob, parsePriceLimits, type PriceLimitsInput, type SelectionErrorCode } from './index.js';

const R = (n: bigint, d = 1n) => Rat.of(n, d);
const caps = (...entries: unknown[]) => JSON.stringify({ capabilities_prices: entries });

function code(fn: () => unknown): SelectionErrorCode {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SelectionConfigError, String(err));
    assert.equal(err.fatal, true);
    return err.code;
  }
  assert.fail('expected a SelectionConfigError');
}

describe('-maxPricePerUnit and -pixelsPerUnit', () => {
  const table: { input: PriceLimitsInput; want: Rat | undefined }[] = [
    { input: {}, want: undefined },
    { input: { maxPricePerUnit: '0' }, want: undefined },
    { input: { maxPricePerUnit: '1000' }, want: R(1000n) },
    { input: { maxPricePerUnit: '1000', pixelsPerUnit: '3' }, want: R(1000n, 3n) },
    { input: { maxPricePerUnit: '0.5' }, want: R(1n, 2n) },
    { input: { maxPricePerUnit: '100wei' }, want: R(100n) },
    { input: { maxPricePerUnit: '0.000000001eth', pixelsPerUnit: 2n }, want: R(500_000_000n) },
    { input: { maxPricePerUnit: 7n }, want: R(7n) },
  ];
  for (const t of table) {
    it(`${JSON.stringify(t.input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} → ${t.want ?? 'no max'}`, () => {
      const l = parsePriceLimits(t.input);
      assert.equal(l.global?.toString(), t.want?.toString());
      assert.equal(maxPriceFor(l, 'text-to-image', 'any')?.toString(), t.want?.toString());
    });
  }

  it('refuses malformed values, USD without a feed, and a bad -pixelsPerUnit', () => {
    assert.equal(code(() => parsePriceLimits({ maxPricePerUnit: 'abc' })), 'PRICE_LIMIT_INVALID');
    assert.equal(code(() => parsePriceLimits({ maxPricePerUnit: '-1' })), 'PRICE_LIMIT_INVALID');
    assert.equal(code(() => parsePriceLimits({ maxPricePerUnit: '1e3' })), 'PRICE_LIMIT_INVALID');
    assert.equal(code(() => parsePriceLimits({ maxPricePerUnit: '0.5USD' })), 'PRICE_LIMIT_PRICE_FEED_REQUIRED');
    for (const p of ['0', '-2', '1.5', 'x']) assert.equal(code(() => parsePriceLimits({ maxPricePerUnit: '1', pixelsPerUnit: p })), 'PRICE_LIMIT_INVALID', p);
  });
});

describe('-maxPricePerCapability', () => {
  it('precedence: the model, then the pipeline default, then the global max', () => {
    const l = parsePriceLimits({
      maxPricePerUnit: '1000',
      maxPricePerCapability: caps(
        { pipeline: 'text-to-image', model_id: 'stabilityai/sd-turbo', price_per_unit: 40, pixels_per_unit: 1 },
        { pipeline: 'text-to-image', model_id: 'default', price_per_unit: 60 },
        { pipeline: 'llm', price_per_unit: 7 }, // no model_id → "default"
      ),
    });
    assert.equal(maxPriceFor(l, 'text-to-image', 'stabilityai/sd-turbo')?.toString(), '40');
    assert.equal(maxPriceFor(l, 'text-to-image', 'other/model')?.toString(), '60');
    assert.equal(maxPriceFor(l, 'llm', 'meta-llama/x')?.toString(), '7');
    assert.equal(maxPriceFor(l, 'upscale', 'x')?.toString(), '1000');
    // go-livepeer sums over a job's (capability, model) pairs; no entry → global
    assert.equal(maxPriceForJob(l, [{ pipeline: 'text-to-image', modelId: 'stabilityai/sd-turbo' }, { pipeline: 'llm', modelId: 'm' }])?.toString(), '47');
    assert.equal(maxPriceForJob(l, [])?.toString(), '1000');
  });

  it('without a global max, pipelines without an entry accept any price', () => {
    const l = parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'image-to-video', model_id: 'default', price_per_unit: 2000, pixels_per_unit: 3 }) });
    assert.equal(maxPriceFor(l, 'image-to-video', 'x')?.toString(), '2000/3');
    assert.equal(maxPriceFor(l, 'text-to-image', 'x'), undefined);
  });

  it('price_per_unit missing or ≤ 0: the global -maxPricePerUnit (over the entry\'s pixels), else the entry is dropped', () => {
    const entries = [
      { pipeline: 'text-to-image', model_id: 'a' },
      { pipeline: 'text-to-image', model_id: 'b', price_per_unit: 0, pixels_per_unit: 4 },
      { pipeline: 'text-to-image', model_id: 'c', price_per_unit: -5 },
    ];
    const withGlobal = parsePriceLimits({ maxPricePerUnit: '100', pixelsPerUnit: '2', maxPricePerCapability: caps(...entries) });
    assert.deepEqual(withGlobal.entries.map((e) => [e.modelId, e.price.toString(), e.source]), [['a', '50', 'maxPricePerUnit'], ['b', '25', 'maxPricePerUnit'], ['c', '50', 'maxPricePerUnit']]);
    const none = parsePriceLimits({ maxPricePerCapability: caps(...entries) });
    assert.deepEqual(none.entries, []);
    assert.equal(maxPriceFor(none, 'text-to-image', 'a'), undefined);
  });

  it('pixels_per_unit: missing or ≤ 0 takes -pixelsPerUnit; fractional values stay exact (the 1e-13 workaround)', () => {
    const l = parsePriceLimits({
      pixelsPerUnit: '10',
      maxPricePerCapability: caps(
        { pipeline: 'llm', model_id: 'm1', price_per_unit: 30 },
        { pipeline: 'llm', model_id: 'm2', price_per_unit: 30, pixels_per_unit: 0 },
        { pipeline: 'llm', model_id: 'm3', price_per_unit: 30, pixels_per_unit: -1 },
      ),
    });
    assert.deepEqual(l.entries.map((e) => e.price.toString()), ['3', '3', '3']);
    const tiny = parsePriceLimits({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"llm","price_per_unit":1,"pixels_per_unit":1e-13}]}' });
    assert.equal(tiny.entries[0]!.price.toString(), '10000000000000');
    const exact = parsePriceLimits({ maxPricePerCapability: '{"capabilities_prices":[{"pipeline":"llm","price_per_unit":0.1000000000000000055}]}' });
    assert.equal(exact.entries[0]!.price.toString(), R(1000000000000000055n, 10n ** 19n).toString());
  });

  it('currency: wei and ETH are converted; USD needs a feed and is refused', () => {
    const l = parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'llm', price_per_unit: 0.000001, currency: 'ETH' }, { pipeline: 'upscale', price_per_unit: 5, currency: 'wei' }) });
    assert.deepEqual(l.entries.map((e) => e.price.toString()), ['1000000000000', '5']);
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'llm', price_per_unit: 1, currency: 'USD' }) })), 'PRICE_LIMIT_PRICE_FEED_REQUIRED');
  });

  it('the global max keeps its own currency when an entry falls back to it', () => {
    const l = parsePriceLimits({ maxPricePerUnit: '0.000000001eth', maxPricePerCapability: caps({ pipeline: 'llm', model_id: 'm' }) });
    assert.equal(l.entries[0]!.price.toString(), '1000000000');
  });

  it('prices must be JSON numbers; a quoted one is refused (go-livepeer JSONRat)', () => {
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'llm', price_per_unit: '1000' }) })), 'PRICE_LIMIT_INVALID');
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'llm', price_per_unit: 1, pixels_per_unit: '1' }) })), 'PRICE_LIMIT_INVALID');
  });

  it('an unknown or missing pipeline is a typed config error', () => {
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'text-to-everything', price_per_unit: 1 }) })), 'PRICE_LIMIT_UNKNOWN_PIPELINE');
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps({ price_per_unit: 1 }) })), 'PRICE_LIMIT_UNKNOWN_PIPELINE');
  });

  it('bad JSON, a wrong shape, and an unreadable path are refused', () => {
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: '{"capabilities_prices": [' })), 'PRICE_LIMIT_BAD_JSON');
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: '{"capabilities_prices": {}}' })), 'PRICE_LIMIT_BAD_JSON');
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: '/nonexistent/prices.json' })), 'PRICE_LIMIT_BAD_JSON');
    assert.equal(code(() => parsePriceLimits({ maxPricePerCapability: caps(42) })), 'PRICE_LIMIT_INVALID');
  });

  it('reads a file path, and takes a parsed document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lpts-maxprice-'));
    try {
      const file = join(dir, 'max.json');
      writeFileSync(file, caps({ pipeline: 'audio-to-text', model_id: 'openai/whisper-large-v3', price_per_unit: 12, pixels_per_unit: 1000 }));
      const l = parsePriceLimits({ maxPricePerCapability: file });
      assert.equal(maxPriceFor(l, 'audio-to-text', 'openai/whisper-large-v3')?.toString(), '3/250');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const doc = parsePriceLimits({ maxPricePerCapability: { capabilities_prices: [{ pipeline: 'llm', price_per_unit: 9 }] } });
    assert.equal(maxPriceFor(doc, 'llm', 'x')?.toString(), '9');
  });

  it('a later entry for the same pipeline and model replaces the earlier one', () => {
    const l = parsePriceLimits({ maxPricePerCapability: caps({ pipeline: 'llm', model_id: 'm', price_per_unit: 1 }, { pipeline: 'llm', model_id: 'm', price_per_unit: 2 }) });
    assert.equal(l.entries.length, 1);
    assert.equal(maxPriceFor(l, 'llm', 'm')?.toString(), '2');
  });
});
