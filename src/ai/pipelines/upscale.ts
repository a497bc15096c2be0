// upscale: a real bilinear resample of the uploaded picture, 4× (x4 upscaler) or 2× when the
// model id says x2.
import { resizeBilinear } from '../media/image.js';
import type { PipelineHandler } from '../runner/context.js';
import { badRequest } from '../runner/errors.js';
import { requiredStr } from '../runner/params.js';
import { pngDataUrl, requestSeed, uploadedImage } from './common.js';

/** Largest output we produce (pixels). */
export const MAX_UPSCALE_OUTPUT_PIXELS = 16_777_216;

export function upscaleFactor(modelId: string): 2 | 4 {
  return /x2/i.test(modelId) ? 2 : 4;
}

export const upscale: PipelineHandler = {
  body: 'multipart',
  handle(input, ctx) {
    const prompt = requiredStr(input, 'prompt');
    const src = uploadedImage(input);
    const f = upscaleFactor(ctx.modelId);
    const w = src.width * f;
    const h = src.height * f;
    if (w * h > MAX_UPSCALE_OUTPUT_PIXELS) {
      throw badRequest(`input ${src.width}×${src.height} is too large to upscale ${f}× (output limit ${MAX_UPSCALE_OUTPUT_PIXELS} pixels)`);
    }
    const seed = requestSeed(input, prompt);
    return { json: { images: [{ url: pngDataUrl(resizeBilinear(src, w, h), { Upscale: `${f}x bilinear` }), seed, nsfw: false }] } };
  },
};
