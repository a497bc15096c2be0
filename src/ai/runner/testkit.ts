// Test inputs for the reference runner tests: a PNG with structure and a WAV with sound and
// silence. (Test-only helper; not exported from src/ai.)
import type { RgbaImage } from '../media/png.js';
import { encodePng, newImage } from '../media/png.js';
import { encodeWav16 } from '../media/wav.js';

/** Dark background with a bright 1/4-size square in the middle and a horizontal red gradient. */
export function testImage(width = 64, height = 48): RgbaImage {
  const img = newImage(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const o = (y * width + x) * 4;
    const inSquare = x >= width / 4 && x < (3 * width) / 4 && y >= height / 4 && y < (3 * height) / 4;
    img.data[o] = inSquare ? 240 : Math.round((x / width) * 60);
    img.data[o + 1] = inSquare ? 230 : 20;
    img.data[o + 2] = inSquare ? 220 : 30;
    img.data[o + 3] = 255;
  }
  return img;
}

export const testPng = (w?: number, h?: number) => encodePng(testImage(w, h));

/** 16 kHz mono: 0.5 s of 440 Hz at half scale, 0.5 s of silence, 0.25 s of tone. */
export function testWav(): Buffer {
  const rate = 16000;
  const s = new Float32Array(rate * 1.25);
  for (let i = 0; i < s.length; i++) {
    const t = i / rate;
    s[i] = t < 0.5 || t >= 1.0 ? 0.5 * Math.sin(2 * Math.PI * 440 * t) : 0;
  }
  return encodeWav16(s, rate);
}

export function fromDataUrl(url: string, mime: string): Buffer {
  const prefix = `data:${mime};base64,`;
  if (!url.startsWith(prefix)) throw new Error(`expected a ${mime} data URL, got ${url.slice(0, 40)}`);
  return Buffer.from(url.slice(prefix.length), 'base64');
}
