// image-to-image: a real transform of the uploaded picture — invert, sepia, grayscale or blur,
// picked from the prompt's words (or its hash) and mixed with the original by `strength`.
import type { ColorTransform } from '../media/image.js';
import { applyTransform } from '../media/image.js';
import { seedFrom } from '../media/prng.js';
import type { PipelineHandler } from '../runner/context.js';
import { int, num, requiredStr } from '../runner/params.js';
import { inRange, pngDataUrl, requestSeed, uploadedImage } from './common.js';

const KEYWORDS: [RegExp, ColorTransform][] = [
  [/\b(invert|inverted|negative)\b/i, 'invert'],
  [/\b(sepia|vintage|old|antique)\b/i, 'sepia'],
  [/\b(gr[ae]y|grayscale|greyscale|monochrome|black and white)\b/i, 'grayscale'],
  [/\b(blur|blurry|soft|dreamy)\b/i, 'blur'],
];
const ORDER: ColorTransform[] = ['invert', 'sepia', 'grayscale', 'blur'];

export function transformFor(prompt: string): ColorTransform {
  for (const [re, t] of KEYWORDS) if (re.test(prompt)) return t;
  return ORDER[seedFrom(prompt) % ORDER.length]!;
}

export const imageToImage: PipelineHandler = {
  body: 'multipart',
  handle(input) {
    const prompt = requiredStr(input, 'prompt');
    const src = uploadedImage(input);
    const strength = inRange('strength', num(input, 'strength', 0.8), 0, 1);
    const n = inRange('num_images_per_prompt', int(input, 'num_images_per_prompt', 1), 1, 8);
    const seed = requestSeed(input, prompt);
    const transform = transformFor(prompt);
    const url = pngDataUrl(applyTransform(src, transform, strength), { Transform: `${transform} strength ${strength}` });
    // The transform is deterministic, so every image of the batch is the same picture.
    const images = Array.from({ length: n }, (_, i) => ({ url, seed: (seed + i) >>> 0, nsfw: false }));
    return { json: { images } };
  },
};
