import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AI_PIPELINES,
  Capability,
  aiJobCapabilities,
  capabilityToPipeline,
  compatibleWith,
  defaultCapabilities,
  fromBitstring,
  incompatibility,
  legacyOnly,
  makeCapabilities,
  pipelineToCapability,
  satisfiesMinVersion,
  toBitstring,
} from './index.js';

describe('capability ids', () => {
  it('maps every pipeline name like PipelineToCapability, and back', () => {
    const want = [27, 28, 29, 30, 31, 33, 32, 34, 36, 35];
    assert.deepEqual(AI_PIPELINES.map((p) => pipelineToCapability(p)), want);
    for (const p of AI_PIPELINES) assert.equal(capabilityToPipeline(pipelineToCapability(p)!), p);
    assert.equal(pipelineToCapability('llm'), Capability.LLM);
    assert.equal(pipelineToCapability('live-video-to-video'), 35);
    assert.equal(pipelineToCapability('text-to-music'), undefined);
    assert.equal(pipelineToCapability(''), undefined);
    assert.equal(pipelineToCapability('byoc'), undefined, '"Byoc" does not match go-livepeer\'s "byoc" name');
    // Many names no capability has, then the known ones again: the same answers each time.
    for (let i = 0; i < 600; i++) assert.equal(pipelineToCapability(`no-such-${i}`), undefined);
    assert.deepEqual(AI_PIPELINES.map((p) => pipelineToCapability(p)), want);
    assert.equal(pipelineToCapability('text-to-music'), undefined);
  });

  it('keeps wire-stable values', () => {
    assert.equal(Capability.AuthToken, 12);
    assert.equal(Capability.SegmentSlicing, 26);
    assert.equal(Capability.TextToSpeech, 36);
    assert.equal(Capability.BYOC, 37);
    assert.deepEqual(defaultCapabilities(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 26]);
  });
});

describe('bitstring', () => {
  it('round-trips including capability 64+ and ignores negatives', () => {
    const ids = [0, 12, 27, 63, 64, 130];
    const words = toBitstring([...ids, -1, -2]);
    assert.equal(words.length, 3);
    assert.equal(words[0], (1n << 0n) | (1n << 12n) | (1n << 27n) | (1n << 63n));
    assert.equal(words[1], 1n);
    assert.equal(words[2], 1n << 2n);
    assert.deepEqual([...fromBitstring(words)].sort((a, b) => a - b), ids);
  });
});

describe('compatibleWith', () => {
  const orch = (over: Parameters<typeof makeCapabilities>[0]['perCapability'], extra: Partial<Parameters<typeof makeCapabilities>[0]> = {}) =>
    makeCapabilities({ capabilities: [...defaultCapabilities(), 27], mandatories: [12], version: '0.8.0', perCapability: over, ...extra });
  const job = aiJobCapabilities('text-to-image', 'sdxl');

  it('matches an orchestrator offering the model', () => {
    assert.equal(compatibleWith(job, orch([[27, [['sdxl', { warm: false }]]]])), true);
  });
  it('nil gateway caps are incompatible', () => {
    assert.deepEqual(incompatibility(undefined, orch([])), { kind: 'no-capabilities' });
  });
  it('missing model', () => {
    assert.equal(incompatibility(job, orch([[27, [['other', {}]]]]))?.kind, 'model-missing');
  });
  it('orchestrator without constraints for the capability passes (as in Go)', () => {
    assert.equal(compatibleWith(job, orch([])), true);
  });
  it('warm required vs cold', () => {
    const warmJob = makeCapabilities({ capabilities: [...defaultCapabilities(), 27], perCapability: [[27, [['sdxl', { warm: true }]]]] });
    assert.equal(incompatibility(warmJob, orch([[27, [['sdxl', { warm: false }]]]]))?.kind, 'model-not-warm');
    assert.equal(compatibleWith(warmJob, orch([[27, [['sdxl', { warm: true }]]]])), true);
  });
  it('runner version: 0.0.2 vs min 0.0.1-rc passes, 0.0.1-rc vs min 0.0.2 fails', () => {
    const want = (v: string) => aiJobCapabilities('text-to-image', 'sdxl', { minRunnerVersion: v });
    assert.equal(compatibleWith(want('0.0.1-rc'), orch([[27, [['sdxl', { runnerVersion: '0.0.2' }]]]])), true);
    assert.equal(incompatibility(want('0.0.2'), orch([[27, [['sdxl', { runnerVersion: '0.0.1-rc' }]]]]))?.kind, 'runner-version');
    assert.equal(compatibleWith(want('0.0.1'), orch([[27, [['sdxl', { runnerVersion: '0.0.1-rc' }]]]])), true, 'pre-release ignored');
  });
  it('orchestrator version undefined with a minimum set fails', () => {
    const j = aiJobCapabilities('text-to-image', 'sdxl', { minVersion: '0.7.0' });
    assert.equal(incompatibility(j, orch([], { version: '' }))?.kind, 'orchestrator-version');
    assert.equal(compatibleWith(j, orch([], { version: '0.7.1' })), true);
  });
  it('mandatories must be in the gateway set', () => {
    const j = makeCapabilities({ capabilities: [27] });
    assert.deepEqual(incompatibility(j, orch([])), { kind: 'mandatory-missing', capability: 12 });
  });
  it('gateway capability the orchestrator lacks', () => {
    const j = aiJobCapabilities('llm', 'm');
    assert.deepEqual(incompatibility(j, orch([])), { kind: 'capability-missing', capability: 33 });
    const big = makeCapabilities({ capabilities: [...defaultCapabilities(), 27, 70] });
    assert.equal(incompatibility(big, orch([]))?.kind, 'capability-missing');
  });
  it('legacyOnly', () => {
    assert.equal(legacyOnly(makeCapabilities({ capabilities: [0, 1, 11] })), true);
    assert.equal(legacyOnly(job), false);
  });
  it('semver helper', () => {
    assert.equal(satisfiesMinVersion('v1.2.3', '1.2.3'), true);
    assert.equal(satisfiesMinVersion('1.2', '1.2.1'), false);
    assert.equal(satisfiesMinVersion(undefined, ''), true);
    assert.equal(satisfiesMinVersion('garbage', '0.1.0'), false);
  });
});
