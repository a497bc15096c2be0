import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WavError, encodeWav16, parseWav } from './wav.js';

function wav(opts: { format: number; bits: number; channels: number; rate: number; data: Buffer; extensible?: boolean }): Buffer {
  const fmtLen = opts.extensible ? 40 : 16;
  const fmt = Buffer.alloc(fmtLen);
  fmt.writeUInt16LE(opts.extensible ? 0xfffe : opts.format, 0);
  fmt.writeUInt16LE(opts.channels, 2);
  fmt.writeUInt32LE(opts.rate, 4);
  fmt.writeUInt32LE((opts.rate * opts.channels * opts.bits) / 8, 8);
  fmt.writeUInt16LE((opts.channels * opts.bits) / 8, 12);
  fmt.writeUInt16LE(opts.bits, 14);
  if (opts.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(opts.format, 24);
  }
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]); // odd chunk, padded
  const parts = [Buffer.from('WAVE'), Buffer.from('fmt '), u32(fmtLen), fmt, list, Buffer.from('data'), u32(opts.data.length), opts.data];
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from('RIFF'), u32(body.length), body]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

describe('wav', () => {
  it('round-trips 16-bit PCM', () => {
    const s = Float32Array.from({ length: 1600 }, (_, i) => Math.sin(i / 10) * 0.5);
    const a = parseWav(encodeWav16(s, 16000));
    assert.equal(a.sampleRate, 16000);
    assert.equal(a.channels, 1);
    assert.equal(a.bitsPerSample, 16);
    assert.equal(a.frames, 1600);
    assert.equal(a.durationSeconds, 0.1);
    for (let i = 0; i < s.length; i++) assert.ok(Math.abs(a.samples[i]! - s[i]!) < 1e-4);
  });

  it('reads 8-bit, 24-bit, float32 and extensible stereo, skipping other chunks', () => {
    assert.deepEqual([...parseWav(wav({ format: 1, bits: 8, channels: 1, rate: 8000, data: Buffer.from([128, 255, 0]) })).samples].map((v) => Math.round(v * 128)), [0, 127, -128]);
    const d24 = Buffer.alloc(6);
    d24.writeIntLE(4194304, 0, 3);
    d24.writeIntLE(-8388608, 3, 3);
    assert.deepEqual([...parseWav(wav({ format: 1, bits: 24, channels: 2, rate: 44100, data: d24 })).samples], [0.5, -1]);
    const f = Buffer.alloc(8);
    f.writeFloatLE(0.25, 0);
    f.writeFloatLE(-0.75, 4);
    const a = parseWav(wav({ format: 3, bits: 32, channels: 2, rate: 48000, data: f, extensible: true }));
    assert.equal(a.encoding, 'float');
    assert.equal(a.frames, 1);
    assert.deepEqual([...a.samples], [0.25, -0.75]);
  });

  it('refuses non-WAV and unsupported encodings', () => {
    assert.throws(() => parseWav(Buffer.from('ID3 mp3 data')), WavError);
    assert.throws(() => parseWav(wav({ format: 2, bits: 4, channels: 1, rate: 8000, data: Buffer.alloc(4) })), /format 2/);
    assert.throws(() => parseWav(wav({ format: 1, bits: 12, channels: 1, rate: 8000, data: Buffer.alloc(4) })), /12 bits/);
  });
});
