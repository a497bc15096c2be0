import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Capability, parseAiModelsJson } from '../../market/index.js';
import { CapacityTracker } from './capacity.js';
import { OrchestratorConfigError } from './errors.js';

const entries = (json: unknown[]) => parseAiModelsJson(JSON.stringify(json), { requirePrices: false }).entries;

describe('CapacityTracker', () => {
  it('gives slots per runner, prefers the least loaded, and releases idempotently', () => {
    const t = new CapacityTracker(
      entries([
        { pipeline: 'llm', model_id: 'm', url: 'http://127.0.0.1:1', capacity: 2 },
        { pipeline: 'llm', model_id: 'm', url: 'http://127.0.0.1:2', gateway: '0x00000000000000000000000000000000000000aa' },
      ]),
    );
    const a = t.acquire(Capability.LLM, 'm')!;
    const b = t.acquire(Capability.LLM, 'm')!;
    assert.notEqual(a.runner.url, b.runner.url);
    const c = t.acquire(Capability.LLM, 'm')!;
    assert.equal(c.runner.url, 'http://127.0.0.1:1');
    assert.equal(t.acquire(Capability.LLM, 'm'), undefined);
    const caps = t.capabilities({ version: '1' });
    // Advertised capacity = free slots (go-livepeer's reserved-capacity semantics).
    assert.deepEqual(caps.perCapability.get(Capability.LLM)?.get('m'), { warm: false, capacity: 0, runnerVersion: '', capacityInUse: 3 });
    assert.equal(t.hasCapacity(Capability.LLM, 'm'), false);
    a.release();
    assert.equal(t.hasCapacity(Capability.LLM, 'm'), true);
    assert.deepEqual(t.capabilities({ version: '1' }).perCapability.get(Capability.LLM)?.get('m'), { warm: false, capacity: 1, runnerVersion: '', capacityInUse: 2 });
    a.release();
    assert.equal(t.inFlight(), 2);
    assert.ok(t.acquire(Capability.LLM, 'm'));
    assert.equal(t.acquire(Capability.TextToImage, 'm'), undefined);
  });

  it('limits jobs per model by its aiModels capacity only, across models independently', () => {
    const t = new CapacityTracker(
      entries([
        { pipeline: 'llm', model_id: 'm', url: 'http://127.0.0.1:1', capacity: 12 },
        { pipeline: 'text-to-image', model_id: 'i', url: 'http://127.0.0.1:2', capacity: 1 },
      ]),
    );
    for (let i = 0; i < 12; i++) assert.ok(t.acquire(Capability.LLM, 'm'), `llm job ${i + 1}`);
    assert.equal(t.acquire(Capability.LLM, 'm'), undefined);
    assert.equal(t.hasCapacity(Capability.TextToImage, 'i'), true);
    assert.ok(t.acquire(Capability.TextToImage, 'i'));
    assert.equal(t.hasCapacity(Capability.TextToImage, 'i'), false);
    assert.equal(t.hasCapacity(Capability.TextToImage, 'not-served'), false);
    assert.equal(t.inFlight(), 13);
  });

  it('needs a runner url per entry, named in the error', () => {
    assert.throws(() => new CapacityTracker(entries([{ pipeline: 'upscale', model_id: 'u' }])), (e: Error) => e instanceof OrchestratorConfigError && /#0 \(upscale u\)/.test(e.message));
  });
});
