import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIVE_UNITS_PER_SECOND, goLivepeerUnits, jobUnits } from './index.js';

describe('work units per pipeline', () => {
  it('images: output pixels × images, with the 512×512 default', () => {
    assert.equal(jobUnits({ pipeline: 'text-to-image' }), 262_144n);
    assert.equal(jobUnits({ pipeline: 'text-to-image', width: 1024, height: 768, numImagesPerPrompt: 2 }), 1_572_864n);
    assert.equal(jobUnits({ pipeline: 'image-to-image', inputWidth: 100, inputHeight: 50, numImagesPerPrompt: 3 }), 15_000n);
    assert.equal(jobUnits({ pipeline: 'upscale', inputWidth: 256, inputHeight: 256 }), 65_536n);
    assert.equal(jobUnits({ pipeline: 'segment-anything-2', inputWidth: 10, inputHeight: 20 }), 200n);
    assert.equal(jobUnits({ pipeline: 'image-to-text', inputWidth: 10, inputHeight: 20 }), 200n);
  });
  it('image-to-video: 576×1024×25 by default', () => {
    assert.equal(jobUnits({ pipeline: 'image-to-video' }), 576n * 1024n * 25n);
  });
  it('audio: whole seconds × 1000, under 1 s refused (go-livepeer: lpms duration / AV_TIME_BASE, then × 1000)', () => {
    assert.equal(jobUnits({ pipeline: 'audio-to-text', durationSeconds: 2n }), 2000n);
    assert.equal(jobUnits({ pipeline: 'audio-to-text', durationSeconds: 1 }), 1000n);
    assert.throws(() => jobUnits({ pipeline: 'audio-to-text', durationSeconds: 0n }), /at least 1 second/);
    // a fraction is the caller's bug (the reader truncates), never silently rounded up or down
    assert.throws(() => jobUnits({ pipeline: 'audio-to-text', durationSeconds: 2.5 }), /whole seconds/);
  });
  it('llm: max_tokens; the gateway fills in 256, the orchestrator refuses a job without it', () => {
    assert.equal(jobUnits({ pipeline: 'llm', maxTokens: 100 }), 100n);
    assert.throws(() => jobUnits({ pipeline: 'llm', maxTokens: undefined }), /MaxTokens not specified/);
    assert.equal(goLivepeerUnits('gateway', { pipeline: 'llm', maxTokens: undefined }), 256n);
    assert.throws(() => goLivepeerUnits('orchestrator', { pipeline: 'llm', maxTokens: undefined }), RangeError);
  });
  it('text-to-speech: 1000 × code points on both sides (go gateway paid UTF-8 bytes)', () => {
    const text = 'héllo 👋';
    assert.equal(jobUnits({ pipeline: 'text-to-speech', text }), 7000n);
    assert.equal(goLivepeerUnits('orchestrator', { pipeline: 'text-to-speech', text }), 7000n);
    assert.equal(goLivepeerUnits('gateway', { pipeline: 'text-to-speech', text }), 11n);
    assert.throws(() => jobUnits({ pipeline: 'text-to-speech', text: '' }), RangeError);
  });
  it('live: 60 s up front, then per second', () => {
    assert.equal(LIVE_UNITS_PER_SECOND, 27_648_000n);
    assert.equal(jobUnits({ pipeline: 'live-video-to-video' }), 60n * 27_648_000n);
    assert.equal(jobUnits({ pipeline: 'live-video-to-video', seconds: 5 }), 5n * 27_648_000n);
  });
  it('rejects nonsense dimensions instead of charging zero', () => {
    assert.throws(() => jobUnits({ pipeline: 'text-to-image', width: 0 }), RangeError);
    assert.throws(() => jobUnits({ pipeline: 'upscale', inputWidth: 1.5, inputHeight: 2 }), RangeError);
    assert.throws(() => jobUnits({ pipeline: 'audio-to-text', durationSeconds: Number.NaN }), RangeError);
  });
});
