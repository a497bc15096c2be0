// zod schemas for what a runner sends back, so a malformed answer becomes RunnerBadResponseError
// at the boundary instead of an undefined deep inside a node.
import { z } from 'zod';
import type { RunnerPipeline } from './api.js';

const media = z.object({ url: z.string(), seed: z.number(), nsfw: z.boolean() });
const image = z.object({ images: z.array(media) });
const llmMessage = z.object({ role: z.string(), content: z.string() });
export const llmResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  created: z.number(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }),
  choices: z.array(
    z.object({
      index: z.number(),
      finish_reason: z.string().nullish().transform((v) => v ?? ''),
      delta: llmMessage.partial().nullish().transform((v) => (v ? { role: v.role ?? 'assistant', content: v.content ?? '' } : undefined)),
      message: llmMessage.nullish().transform((v) => v ?? undefined),
    }),
  ),
});

export const responseSchemas: Record<RunnerPipeline, z.ZodType> = {
  'text-to-image': image,
  'image-to-image': image,
  upscale: image,
  'image-to-video': z.object({ frames: z.array(z.array(media)) }),
  'audio-to-text': z.object({ text: z.string(), chunks: z.array(z.object({ text: z.string(), timestamp: z.tuple([z.number().nullable(), z.number().nullable()]) })) }),
  llm: llmResponseSchema,
  'segment-anything-2': z.object({ masks: z.string(), scores: z.string(), logits: z.string() }),
  'image-to-text': z.object({ text: z.string() }),
  'text-to-speech': z.object({ audio: z.object({ url: z.string() }) }),
};

export const healthSchema = z.object({ status: z.enum(['LOADING', 'IDLE', 'OK', 'ERROR']) });
// version and hardware keep extra keys (runners add notes, driver versions…)
export const versionSchema = z.looseObject({ pipeline: z.string(), model_id: z.string(), version: z.string() });
export const hardwareSchema = z.looseObject({
  pipeline: z.string(),
  model_id: z.string(),
  gpu_info: z.record(
    z.string(),
    z.object({ id: z.string(), name: z.string(), major: z.number(), minor: z.number(), memory_free: z.number(), memory_total: z.number() }),
  ),
});

/** The runner's own message from an error body ({"detail":{"msg"}}, the 422 list, or go's {"error":{"message"}}). */
export function runnerErrorMessage(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const detail = (body as { detail?: unknown }).detail;
    if (detail && typeof detail === 'object' && !Array.isArray(detail) && typeof (detail as { msg?: unknown }).msg === 'string') {
      return (detail as { msg: string }).msg;
    }
    if (Array.isArray(detail)) {
      return detail
        .map((d: { loc?: unknown[]; msg?: unknown }) => `${Array.isArray(d.loc) ? d.loc.join('.') : '?'}: ${String(d.msg)}`)
        .join('; ');
    }
    if (typeof detail === 'string') return detail;
    const err = (body as { error?: { message?: unknown } }).error;
    if (err && typeof err.message === 'string') return err.message;
  }
  return fallback;
}
