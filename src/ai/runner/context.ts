// What a reference pipeline handler receives and returns.
import type { RunnerInput } from './params.js';

export interface PipelineContext {
  modelId: string;
}

export type HandlerResult = { json: unknown } | { sse: AsyncIterable<string> };

export interface PipelineHandler {
  /** Whether the route takes JSON, multipart, or either (text-to-speech). */
  body: 'json' | 'multipart' | 'either';
  handle(input: RunnerInput, ctx: PipelineContext): Promise<HandlerResult> | HandlerResult;
}

/** Marks outputs of the CPU reference runners (PNG tEXt, WAV-free text, /version). */
export const REFERENCE_NOTE = 'livepeer-ts CPU reference runner: deterministic procedural output, not a GPU model';
