// text-to-speech: synthesises a real WAV — one 60 ms tone per character (pitch from the code
// point, timbre from the speaker description), silence for spaces and punctuation. Not speech.
import { encodeWav16 } from '../media/wav.js';
import { seedFrom } from '../media/prng.js';
import type { PipelineHandler } from '../runner/context.js';
import { badRequest } from '../runner/errors.js';
import { str } from '../runner/params.js';

export const TTS_SAMPLE_RATE = 16_000;
export const TTS_CHAR_SECONDS = 0.06;
const MAX_TEXT = 10_000;
const MAX_DESCRIPTION = 1_000;

export function synthesise(text: string, description: string): Float32Array {
  const chars = [...text];
  const per = Math.round(TTS_SAMPLE_RATE * TTS_CHAR_SECONDS);
  const out = new Float32Array(chars.length * per);
  const harmonic = (seedFrom(description) % 100) / 200; // 0..0.5 second-harmonic weight
  const ramp = Math.round(TTS_SAMPLE_RATE * 0.005);
  chars.forEach((ch, i) => {
    if (!/[\p{L}\p{N}]/u.test(ch)) return; // spaces and punctuation stay silent
    const freq = 220 * 2 ** ((ch.codePointAt(0)! % 24) / 12);
    for (let k = 0; k < per; k++) {
      const t = k / TTS_SAMPLE_RATE;
      const env = Math.min(1, k / ramp, (per - k) / ramp);
      const v = Math.sin(2 * Math.PI * freq * t) + harmonic * Math.sin(4 * Math.PI * freq * t);
      out[i * per + k] = (0.3 * env * v) / (1 + harmonic);
    }
  });
  return out;
}

export const textToSpeech: PipelineHandler = {
  body: 'either',
  handle(input) {
    const text = str(input, 'text', '');
    if (!text || !text.trim()) throw badRequest('Text input must be provided.');
    if ([...text].length > MAX_TEXT) throw badRequest(`text exceeds ${MAX_TEXT} characters`);
    const description = str(input, 'description', 'A male speaker delivers a slightly expressive and animated speech with a moderate speed and pitch.');
    if (description.length > MAX_DESCRIPTION) throw badRequest(`description exceeds ${MAX_DESCRIPTION} characters`);
    const wav = encodeWav16(synthesise(text, description), TTS_SAMPLE_RATE);
    return { json: { audio: { url: `data:audio/wav;base64,${wav.toString('base64')}` } } };
  },
};
