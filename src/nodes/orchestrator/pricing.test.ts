import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { AiPriceTable, Capability, aiJobCapabilities, makeCapabilities, parseAiModelsJson } from '../../market/index.js';
import { Rat } from '../../money/index.js';
import { OrchestratorPricing, autoAdjustPrice, autoAdjustScaled, priceTableFromAiModels, type PriceAdjuster } from './pricing.js';

const G = '0x00000000000000000000000000000000000000aa' as Address;
const H = '0x00000000000000000000000000000000000000bb' as Address;

function table(): AiPriceTable {
  const t = new AiPriceTable();
  t.set('', Capability.TextToImage, 'a', { pricePerUnit: 3n, pixelsPerUnit: 2n });
  t.set(G, Capability.TextToImage, 'a', { pricePerUnit: 5n, pixelsPerUnit: 1n });
  t.set('', Capability.LLM, 'l', { pricePerUnit: 7n, pixelsPerUnit: 1n });
  return t;
}

/** A multiplier source whose answer the test sets; counts the calls. */
function adjuster(uncapped: Rat | null = Rat.from(100n)) {
  const a = {
    next: Rat.from(100n) as Rat | null | Error,
    calls: 0,
    async txCostMultiplier(): Promise<Rat | null> {
      a.calls++;
      if (a.next instanceof Error) throw a.next;
      return a.next;
    },
    uncappedTxCostMultiplier: () => uncapped,
  };
  return a satisfies PriceAdjuster;
}

const str = (p: { pricePerUnit: bigint; pixelsPerUnit: bigint }) => `${p.pricePerUnit}/${p.pixelsPerUnit}`;

describe('autoAdjustPrice (go-livepeer priceInfo: base × (1 + 1/txCostMultiplier), 0.001 wei fixed point)', () => {
  it('adds the redemption overhead and truncates to 3 decimals of wei', () => {
    // 1.5 × 1.01 = 1.515
    assert.equal(autoAdjustPrice(Rat.of(3n, 2n), Rat.from(100n)).toString(), '303/200');
    assert.equal(autoAdjustPrice(Rat.from(1000n), Rat.from(100n)).toString(), '1010');
    // 1/3 × 1.01 = 0.33666… → 0.336
    assert.equal(autoAdjustPrice(Rat.of(1n, 3n), Rat.from(100n)).toString(), '42/125');
    // multiplier 3/2: overhead 5/3; 1000 × 5/3 = 1666.666… → 1666.666
    assert.equal(autoAdjustPrice(Rat.from(1000n), Rat.of(3n, 2n)).toString(), '833333/500');
    // No multiplier (tx cost 0) or 0: overhead 1, whole prices unchanged.
    assert.equal(autoAdjustPrice(Rat.from(5n), null).toString(), '5');
    assert.equal(autoAdjustPrice(Rat.from(5n), Rat.ZERO).toString(), '5');
    assert.equal(autoAdjustPrice(Rat.ZERO, Rat.from(100n)).toString(), '0');
  });

  it('never quotes below the configured price where go-livepeer truncation would (deviation)', () => {
    // go-livepeer: 0.0005 × 1.01 → 0 (free); 0.0015 × 1.01 → 0.001; 7/3 → 2.333. Ours: up to the next 0.001.
    assert.equal(autoAdjustPrice(Rat.of(1n, 2000n), Rat.from(100n)).toString(), '1/1000');
    assert.equal(autoAdjustPrice(Rat.of(3n, 2000n), Rat.from(100n)).toString(), '1/500');
    assert.equal(autoAdjustPrice(Rat.of(7n, 3n), null).toString(), '1167/500');
  });
});

describe('OrchestratorPricing', () => {
  it('prices a job by sender first, then default, else 0 (no auto-adjust)', () => {
    const p = new OrchestratorPricing(table(), undefined);
    assert.deepEqual(p.forJob(undefined, Capability.TextToImage, 'a'), { pricePerUnit: 3n, pixelsPerUnit: 2n });
    assert.deepEqual(p.forJob(G, Capability.TextToImage, 'a'), { pricePerUnit: 5n, pixelsPerUnit: 1n });
    assert.equal(p.forJob(G, Capability.TextToImage, 'zzz').pricePerUnit, 0n);
  });

  it('sums requested (capability, model) prices; base price without caps or when the sum is 0', async () => {
    const base = { pricePerUnit: 11n, pixelsPerUnit: 1n };
    const p = new OrchestratorPricing(table(), base);
    assert.deepEqual(p.baseForRequest(undefined, undefined), base);
    assert.deepEqual(p.baseForRequest(undefined, aiJobCapabilities('text-to-image', 'a')), { pricePerUnit: 3n, pixelsPerUnit: 2n });
    assert.deepEqual(p.baseForRequest(undefined, aiJobCapabilities('text-to-image', 'unknown')), base);
    const both = makeCapabilities({
      capabilities: [Capability.TextToImage, Capability.LLM],
      perCapability: [
        [Capability.TextToImage, [['a', {}]]],
        [Capability.LLM, [['l', {}]]],
      ],
    });
    assert.deepEqual(p.baseForRequest(undefined, both), { pricePerUnit: 17n, pixelsPerUnit: 2n });
    // G's own t2i price (5) replaces the default (3/2): 5 + 7; no adjuster, so the quote is the sum.
    assert.deepEqual(await p.quote(G, both), { pricePerUnit: 12n, pixelsPerUnit: 1n });
    const prices = p.capabilitiesPrices(G).map((x) => `${x.capability}/${x.constraint}=${x.pricePerUnit}/${x.pixelsPerUnit}`).sort();
    assert.deepEqual(prices, [`${Capability.TextToImage}/a=5/1`, `${Capability.LLM}/l=7/1`].sort());
  });

  it('auto-adjusts the quote (the sum, then the overhead) and charges jobs what was quoted', async () => {
    const a = adjuster();
    const p = new OrchestratorPricing(table(), undefined, { autoAdjust: a });
    a.next = Rat.from(50n);
    // 5 × 1.02
    assert.equal(str(await p.quote(G, aiJobCapabilities('text-to-image', 'a'))), '51/10');
    assert.equal(str(p.forJob(G, Capability.TextToImage, 'a')), '51/10');
    // The same multiplier prices the sender's other models: 7 × 1.02
    assert.equal(str(p.forJob(G, Capability.LLM, 'l')), '357/50');
    // A later, dearer quote (multiplier 25: × 1.04) does not raise the price of jobs paid with the earlier one.
    a.next = Rat.from(25n);
    assert.equal(str(await p.quote(G, aiJobCapabilities('text-to-image', 'a'))), '26/5');
    assert.equal(str(p.forJob(G, Capability.TextToImage, 'a')), '51/10');
    // A sender never quoted: the overhead without its max-float cap (uncapped multiplier 100: × 1.01).
    assert.equal(str(p.forJob(H, Capability.TextToImage, 'a')), '303/200');
    // Unpriced stays 0.
    assert.equal(p.forJob(G, Capability.TextToImage, 'zzz').pricePerUnit, 0n);
  });

  it('a zero price needs no multiplier; a multiplier error fails a priced quote', async () => {
    const a = adjuster();
    a.next = new Error('insufficient sender reserve');
    const p = new OrchestratorPricing(table(), undefined, { autoAdjust: a });
    assert.equal((await p.quote(G, undefined)).pricePerUnit, 0n);
    assert.equal((await p.quote(G, aiJobCapabilities('text-to-image', 'unknown'))).pricePerUnit, 0n);
    assert.equal(a.calls, 0);
    await assert.rejects(p.quote(G, aiJobCapabilities('text-to-image', 'a')), /insufficient sender reserve/);
    // A base price is adjusted too (caps-less quote): 11 × 1.01
    const b = new OrchestratorPricing(table(), { pricePerUnit: 11n, pixelsPerUnit: 1n }, { autoAdjust: adjuster() });
    assert.equal(str(await b.quote(G, undefined)), '1111/100');
  });

  it('forgets quotes after quoteTtlMs and beyond maxSenders', async () => {
    let now = 0;
    const a = adjuster(null);
    const p = new OrchestratorPricing(table(), undefined, { autoAdjust: a, quoteTtlMs: 1000, maxSenders: 1, now: () => now });
    a.next = Rat.from(50n);
    await p.quote(G, aiJobCapabilities('text-to-image', 'a'));
    assert.equal(str(p.forJob(G, Capability.TextToImage, 'a')), '51/10');
    now = 1000;
    // Expired: no live quote, and the uncapped multiplier is null here → no overhead.
    assert.equal(str(p.forJob(G, Capability.TextToImage, 'a')), '5/1');
    await p.quote(G, aiJobCapabilities('text-to-image', 'a'));
    await p.quote(H, aiJobCapabilities('text-to-image', 'a'));
    // H's default price 3/2 × 1.02; G was evicted (maxSenders 1).
    assert.equal(str(p.forJob(H, Capability.TextToImage, 'a')), '153/100');
    assert.equal(str(p.forJob(G, Capability.TextToImage, 'a')), '5/1');
  });
});

describe('live-video-to-video prices (wei per second in aiModels, per 720p30 pixel on the wire)', () => {
  const live = () => {
    const entries = parseAiModelsJson(
      JSON.stringify([{ pipeline: 'live-video-to-video', model_id: 'noop', url: 'http://127.0.0.1:1', price_per_unit: 10_000 }]),
      { requirePrices: true },
    ).entries;
    return priceTableFromAiModels(entries);
  };

  it('maps P wei/s to P / 27,648,000 wei per pixel', () => {
    const p = live().get(G, Capability.LiveVideoToVideo, 'noop')!;
    assert.ok(Rat.of(p.pricePerUnit, p.pixelsPerUnit).eq(Rat.of(10_000n, 27_648_000n)));
    // 5 s as a go-livepeer gateway pays them (27,648,000 px/s): 50,000 wei.
    assert.ok(Rat.of(p.pricePerUnit, p.pixelsPerUnit).mul(5n * 27_648_000n).eq(50_000n));
  });

  it('adds the overhead per second: 10,000 wei/s × 1.01 is 10,100 wei/s, not 0.001 wei/px (27,648 wei/s)', async () => {
    const p = new OrchestratorPricing(live(), undefined, { autoAdjust: adjuster() });
    const caps = aiJobCapabilities('live-video-to-video', 'noop');
    const q = await p.quote(G, caps);
    assert.ok(Rat.of(q.pricePerUnit, q.pixelsPerUnit).mul(27_648_000n).eq(10_100n), str(q));
    // The job price (what the stream is debited at) is the same as the quote.
    assert.equal(str(p.forJob(G, Capability.LiveVideoToVideo, 'noop')), str(q));
    // go-livepeer's per-pixel rounding would have quoted 0.001 wei/px (after our round-up).
    assert.equal(autoAdjustPrice(Rat.of(10_000n, 27_648_000n), Rat.from(100n)).toString(), '1/1000');
    assert.equal(autoAdjustScaled(Rat.of(3n, 2n), Rat.from(100n), 1n).toString(), '303/200');
  });
});
