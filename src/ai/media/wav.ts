// A small WAV (RIFF/WAVE) codec: parses PCM 8/16/24/32-bit integer and 32/64-bit float, plain or
// WAVE_FORMAT_EXTENSIBLE, to normalised float samples; writes 16-bit PCM.

export interface Audio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 'pcm' (integer) or 'float'. */
  encoding: 'pcm' | 'float';
  /** Interleaved samples in [-1, 1]; length = frames × channels. */
  samples: Float32Array;
  /** Frames (samples per channel). */
  frames: number;
  durationSeconds: number;
}

export class WavError extends Error {
  readonly code = 'WAV_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

/** Largest sample count we decode (about 17 minutes of 48 kHz stereo), to bound memory. */
export const MAX_WAV_SAMPLES = 50_000_000;

export function parseWav(bytes: Uint8Array): Audio {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new WavError('not a WAV file (missing RIFF/WAVE header); only WAV audio is supported');
  }
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let data: Buffer | undefined;
  for (let guard = 0; pos + 8 <= buf.length && guard < 10_000; guard++) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = buf.subarray(pos + 8, Math.min(buf.length, pos + 8 + size));
    if (id === 'fmt ') {
      if (body.length < 16) throw new WavError('WAV fmt chunk is too short');
      let format = body.readUInt16LE(0);
      if (format === 0xfffe && body.length >= 26) format = body.readUInt16LE(24); // extensible: sub-format GUID
      fmt = { format, channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14), blockAlign: body.readUInt16LE(12) };
    } else if (id === 'data') {
      data = body; // a truncated final data chunk is accepted, as most players do
    }
    pos += 8 + size + (size & 1);
  }
  if (!fmt) throw new WavError('WAV has no fmt chunk');
  if (!data) throw new WavError('WAV has no data chunk');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1 || channels > 32) throw new WavError(`WAV channel count ${channels} is out of range`);
  if (sampleRate < 1 || sampleRate > 1_000_000) throw new WavError(`WAV sample rate ${sampleRate} is out of range`);
  const encoding = format === 1 ? 'pcm' : format === 3 ? 'float' : undefined;
  if (!encoding) throw new WavError(`WAV format ${format} is not supported (PCM or IEEE float only)`);
  const okBits = encoding === 'pcm' ? [8, 16, 24, 32] : [32, 64];
  if (!okBits.includes(bits)) throw new WavError(`WAV ${encoding} with ${bits} bits per sample is not supported`);
  const bytesPer = bits / 8;
  const frames = Math.floor(data.length / (bytesPer * channels));
  if (frames * channels > MAX_WAV_SAMPLES) throw new WavError('WAV is too long');
  const samples = new Float32Array(frames * channels);
  for (let i = 0; i < samples.length; i++) {
    const o = i * bytesPer;
    let v: number;
    if (encoding === 'float') v = bits === 32 ? data.readFloatLE(o) : data.readDoubleLE(o);
    else if (bits === 8) v = (data[o]! - 128) / 128;
    else if (bits === 16) v = data.readInt16LE(o) / 32768;
    else if (bits === 24) v = data.readIntLE(o, 3) / 8388608;
    else v = data.readInt32LE(o) / 2147483648;
    samples[i] = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
  }
  return { sampleRate, channels, bitsPerSample: bits, encoding, samples, frames, durationSeconds: frames / sampleRate };
}

/** Mono or interleaved float samples → 16-bit PCM WAV. */
export function encodeWav16(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out.writeInt16LE(Math.round(s * 32767), 44 + i * 2);
  }
  return out;
}
