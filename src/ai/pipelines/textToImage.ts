// text-to-image: a procedural picture seeded by the prompt and seed (layered sine "plasma"
// through a three-colour palette). Real per-pixel work at the requested size; not a diffusion model.
import type { RgbaImage } from '../media/png.js';
import { newImage } from '../media/png.js';
import { prng, seedFrom } from '../media/prng.js';
import type { PipelineHandler } from '../runner/context.js';
import { badRequest } from '../runner/errors.js';
import { int, requiredStr, str } from '../runner/params.js';
import { inRange, pngDataUrl, requestSeed } from './common.js';

export function renderProcedural(prompt: string, seed: number, width: number, height: number): RgbaImage {
  const rnd = prng(seedFrom(prompt, seed));
  const palette = [0, 1, 2].map(() => [rnd() * 255, rnd() * 255, rnd() * 255] as const);
  const waves = Array.from({ length: 4 }, () => ({ fx: (rnd() * 8 + 1) / width, fy: (rnd() * 8 + 1) / height, phase: rnd() * Math.PI * 2 }));
  const img = newImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const w of waves) v += Math.sin((x * w.fx + y * w.fy) * Math.PI * 2 + w.phase);
      const t = (v / waves.length + 1) / 2; // 0..1
      const [a, b] = t < 0.5 ? [palette[0]!, palette[1]!] : [palette[1]!, palette[2]!];
      const k = t < 0.5 ? t * 2 : (t - 0.5) * 2;
      const o = (y * width + x) * 4;
      img.data[o] = Math.round(a[0] + (b[0] - a[0]) * k);
      img.data[o + 1] = Math.round(a[1] + (b[1] - a[1]) * k);
      img.data[o + 2] = Math.round(a[2] + (b[2] - a[2]) * k);
      img.data[o + 3] = 255;
    }
  }
  return img;
}

export const textToImage: PipelineHandler = {
  body: 'json',
  handle(input) {
    const prompt = requiredStr(input, 'prompt');
    if (prompt.trim() === '') throw badRequest('prompt must not be empty');
    const width = inRange('width', int(input, 'width', 512), 8, 2048);
    const height = inRange('height', int(input, 'height', 512), 8, 2048);
    if (width % 8 || height % 8) throw badRequest(`height and width must be divisible by 8, got ${height}×${width}`);
    const n = inRange('num_images_per_prompt', int(input, 'num_images_per_prompt', 1), 1, 8);
    const seed = requestSeed(input, prompt, str(input, 'negative_prompt', ''));
    const images = [];
    for (let i = 0; i < n; i++) {
      const s = (seed + i) >>> 0;
      images.push({ url: pngDataUrl(renderProcedural(prompt, s, width, height), { Prompt: prompt.slice(0, 200) }), seed: s, nsfw: false });
    }
    return { json: { images } };
  },
};
