import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Capability, makeCapabilities } from '../../market/index.js';
import { CapabilitiesSchema, decodeMessage, encodeMessage } from '../../wire/index.js';
import { capabilitiesFromWire, capabilitiesToWire } from './capabilities.js';

describe('capabilities <-> wire', () => {
  it('round-trips bitstring, capacities, version and per-model constraints through protobuf bytes', () => {
    const t2i = Capability.TextToImage;
    const llm = Capability.LLM;
    const caps = makeCapabilities({
      capabilities: [t2i, llm],
      capacities: [[t2i, 2], [llm, 1]],
      version: '0.1.0',
      minVersion: '0.0.1',
      perCapability: [
        [t2i, [['stabilityai/sdxl-turbo', { warm: true, capacity: 2, runnerVersion: '0.1.0' }]]],
        [llm, [['meta-llama/llama-3.1-8B-Instruct', { warm: false, capacity: 1, capacityInUse: 1 }]]],
      ],
    });
    const bytes = encodeMessage(CapabilitiesSchema, capabilitiesToWire(caps));
    const back = capabilitiesFromWire(decodeMessage(CapabilitiesSchema, bytes));
    assert.deepEqual([...back.capabilities].sort(), [t2i, llm].sort());
    assert.equal(back.capacities.get(t2i), 2);
    assert.equal(back.version, '0.1.0');
    assert.equal(back.minVersion, '0.0.1');
    assert.deepEqual(back.perCapability.get(t2i)?.get('stabilityai/sdxl-turbo'), {
      warm: true,
      capacity: 2,
      runnerVersion: '0.1.0',
      capacityInUse: 0,
    });
    assert.equal(back.perCapability.get(llm)?.get('meta-llama/llama-3.1-8B-Instruct')?.capacityInUse, 1);
  });

  it('treats an absent message as the empty capability set', () => {
    const c = capabilitiesFromWire(undefined);
    assert.equal(c.capabilities.size, 0);
    assert.equal(c.perCapability.size, 0);
  });
});
