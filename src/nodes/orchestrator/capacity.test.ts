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
      10,
    );
    const a = t.acquire(Capability.LLM, 'm')!;
    const b = t.acquire(Capability.LLM, 'm')!;
    assert.notEqual(a.runner.url, b.runner.url);
    const c = t.acquire(Capability.LLM, 'm')!;
    assert.equal(c.runner.url, 'http://127.0.0.1:1');
    assert.equal(t.acquire(Capability.LLM, 'm'), undefined);
    const caps = t.capabilities({ version: '1' });
    assert.deepEqual(caps.perCapability.get(Capability.LLM)?.get('m'), { warm: false, capacity: 3, runnerVersion: '', capacityInUse: 3 });
    a.release();
    a.release();
    assert.equal(t.inFlight(), 2);
    assert.ok(t.acquire(Capability.LLM, 'm'));
    assert.equal(t.acquire(Capability.TextToImage, 'm'), undefined);
  });

  it('caps all jobs at maxSessions', () => {
    const t = new CapacityTracker(entries([{ pipeline: 'llm', model_id: 'm', url: 'http://127.0.0.1:1', capacity: 5 }]), 1);
    assert.ok(t.acquire(Capability.LLM, 'm'));
    assert.equal(t.hasSessionCapacity(), false);
    assert.equal(t.acquire(Capability.LLM, 'm'), undefined);
  });

  it('needs a runner url per entry, named in the error', () => {
    assert.throws(() => new CapacityTracker(entries([{ pipeline: 'upscale', model_id: 'u' }]), 1), (e: Error) => e instanceof OrchestratorConfigError && /#0 \(upscale u\)/.test(e.message));
  });
});
