// Client requests → jobs: validates the body the way go-livepeer's gateway handlers do, fills in
// the default model id, counts the work units the job will be paid for (market.jobUnits — the same
// definition the orchestrator debits with), and re-encodes the body for the orchestrator.
import type { FastifyRequest } from 'fastify';
import type { AiPipeline, UnitsJob } from '../../market/index.js';
import { DEFAULT_LLM_MAX_TOKENS, jobUnits } from '../../market/index.js';
import type { RunnerPipeline } from '../../ai/index.js';
import { AudioDurationError, DEFAULT_MODEL_IDS, GO_AUDIO_DURATION_ERROR, ImageSizeError, audioDurationSeconds, inputImageSize } from '../../ai/index.js';
import { MediaProbeError } from '../../media/index.js';
import { WIRE_LIMITS } from '../../wire/index.js';
import { BadRequestError, RequestTooLargeError } from './errors.js';
import type { OrchestratorFilter } from './market.js';

export interface ParsedJob {
  pipeline: RunnerPipeline & AiPipeline;
  modelId: string;
  units: bigint;
  /** The request body to forward. */
  body: Uint8Array;
  contentType: string;
  /** llm with stream: true — the answer is passed through as server-sent events. */
  stream: boolean;
  /** This request's include/exclude list (request-market.ts). */
  filter?: OrchestratorFilter;
  /** Stickiness key (request-market.ts): the job stays on the orchestrator its earlier jobs ran on. */
  sessionKey?: string;
}

export const JSON_PIPELINES = ['text-to-image', 'llm', 'text-to-speech'] as const;
export const MULTIPART_PIPELINES = ['image-to-image', 'upscale', 'image-to-video', 'audio-to-text', 'segment-anything-2', 'image-to-text'] as const;

interface MultipartInput {
  fields: Record<string, string>;
  files: Record<string, { data: Buffer; filename: string; mimetype: string }>;
}

function units(job: UnitsJob): bigint {
  try {
    return jobUnits(job);
  } catch (err) {
    throw new BadRequestError((err as Error).message.replace(/^units: /, ''));
  }
}

function optInt(obj: Record<string, unknown>, name: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new BadRequestError(`${name} must be a whole number > 0`);
  return n;
}

function jsonObject(req: FastifyRequest, pipeline: string): Record<string, unknown> {
  const b = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b) || Buffer.isBuffer(b)) {
    throw new BadRequestError(`/${pipeline} takes a JSON object body (Content-Type: application/json)`);
  }
  return { ...(b as Record<string, unknown>) };
}

function jsonJob(pipeline: RunnerPipeline & AiPipeline, body: Record<string, unknown>, units: bigint, modelId: string, stream = false): ParsedJob {
  return { pipeline, modelId, units, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json', stream };
}

/** A model id travels in the segment credentials and the price: one longer than the wire allows would make the job unsendable. */
function checkModelId(field: string, v: string): string {
  if (v.length > WIRE_LIMITS.modelIdChars) throw new BadRequestError(`${field} is ${v.length} characters long, above the limit of ${WIRE_LIMITS.modelIdChars}`);
  return v;
}

function modelOf(body: Record<string, unknown>, field: string, pipeline: RunnerPipeline): string {
  const v = body[field];
  if (v === undefined || v === null || v === '') return DEFAULT_MODEL_IDS[pipeline];
  if (typeof v !== 'string') throw new BadRequestError(`${field} must be a string`);
  return checkModelId(field, v);
}

export function parseJsonJob(pipeline: (typeof JSON_PIPELINES)[number], req: FastifyRequest): ParsedJob {
  const body = jsonObject(req, pipeline);
  switch (pipeline) {
    case 'text-to-image': {
      if (typeof body.prompt !== 'string' || body.prompt === '') throw new BadRequestError('prompt is required');
      const modelId = modelOf(body, 'model_id', pipeline);
      body.model_id = modelId;
      const u = units({ pipeline, width: optInt(body, 'width'), height: optInt(body, 'height'), numImagesPerPrompt: optInt(body, 'num_images_per_prompt') });
      return jsonJob(pipeline, body, u, modelId);
    }
    case 'llm': {
      if (!Array.isArray(body.messages) || body.messages.length === 0) throw new BadRequestError('messages is required (a non-empty list of {role, content})');
      const modelId = modelOf(body, 'model', pipeline);
      body.model = modelId;
      if (body.stream !== undefined && typeof body.stream !== 'boolean') throw new BadRequestError('stream must be true or false');
      // Always sent: a go-livepeer orchestrator refuses an llm job without it (400).
      if (optInt(body, 'max_tokens') === undefined) body.max_tokens = DEFAULT_LLM_MAX_TOKENS;
      const u = units({ pipeline, maxTokens: optInt(body, 'max_tokens') });
      return jsonJob(pipeline, body, u, modelId, body.stream === true);
    }
    case 'text-to-speech': {
      if (typeof body.text !== 'string' || body.text === '') throw new BadRequestError('text is required');
      const modelId = modelOf(body, 'model_id', pipeline);
      body.model_id = modelId;
      return jsonJob(pipeline, body, units({ pipeline, text: body.text }), modelId);
    }
  }
}

async function readMultipart(req: FastifyRequest, pipeline: string): Promise<MultipartInput> {
  if (!req.isMultipart()) throw new BadRequestError(`/${pipeline} takes a multipart/form-data body`);
  const input: MultipartInput = { fields: {}, files: {} };
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') input.files[part.fieldname] = { data: await part.toBuffer(), filename: part.filename, mimetype: part.mimetype };
      else input.fields[part.fieldname] = String(part.value);
    }
  } catch (err) {
    if (err instanceof BadRequestError) throw err;
    // @fastify/multipart's file-size and part-count limits carry statusCode 413.
    if ((err as { statusCode?: unknown }).statusCode === 413) throw new RequestTooLargeError(`request body too large: ${(err as Error).message}`, { cause: err });
    throw new BadRequestError(`could not read the multipart body: ${(err as Error).message}`);
  }
  return input;
}

function imageSize(input: MultipartInput): { width: number; height: number } {
  const f = input.files.image;
  if (!f) throw new BadRequestError('image is required (a multipart file field named "image")');
  try {
    return inputImageSize(f.data);
  } catch (err) {
    if (err instanceof ImageSizeError) throw new BadRequestError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Whole seconds of audio. go-livepeer's gateway answers every failure with 400 "audio duration
 * calculation failed"; we keep that text and add why.
 */
async function audioSeconds(data: Uint8Array): Promise<bigint> {
  try {
    return (await audioDurationSeconds(data)).seconds;
  } catch (err) {
    if (err instanceof AudioDurationError || (err instanceof MediaProbeError && err.code !== 'PROBE_UNAVAILABLE' && err.code !== 'PROBE_BUSY')) {
      throw new BadRequestError(`${GO_AUDIO_DURATION_ERROR}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Adds {"duration": "<seconds>"} to the request metadata, as go-livepeer's gateway does, so the runner need not probe again. */
function withDuration(metadata: string | undefined, seconds: bigint): string {
  let m: Record<string, unknown> = {};
  if (metadata) {
    try {
      const parsed: unknown = JSON.parse(metadata);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) m = parsed as Record<string, unknown>;
    } catch {
      // go-livepeer replaces the client's metadata outright; we keep it when it is a JSON object
    }
  }
  return JSON.stringify({ ...m, duration: String(seconds) });
}

async function encodeMultipart(input: MultipartInput): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(input.fields)) form.append(k, v);
  for (const [k, f] of Object.entries(input.files)) {
    form.append(k, new Blob([new Uint8Array(f.data)], { type: f.mimetype || 'application/octet-stream' }), f.filename || k);
  }
  const r = new Request('http://gateway.invalid/', { method: 'POST', body: form });
  return { body: new Uint8Array(await r.arrayBuffer()), contentType: r.headers.get('content-type') ?? 'multipart/form-data' };
}

export async function parseMultipartJob(pipeline: (typeof MULTIPART_PIPELINES)[number], req: FastifyRequest): Promise<ParsedJob> {
  const input = await readMultipart(req, pipeline);
  const modelId = input.fields.model_id ? checkModelId('model_id', input.fields.model_id) : DEFAULT_MODEL_IDS[pipeline];
  input.fields.model_id = modelId;
  let u: bigint;
  switch (pipeline) {
    case 'image-to-image': {
      if (!input.fields.prompt) throw new BadRequestError('prompt is required');
      const s = imageSize(input);
      u = units({ pipeline, inputWidth: s.width, inputHeight: s.height, numImagesPerPrompt: optInt(input.fields, 'num_images_per_prompt') });
      break;
    }
    case 'upscale': {
      if (!input.fields.prompt) throw new BadRequestError('prompt is required');
      const s = imageSize(input);
      u = units({ pipeline, inputWidth: s.width, inputHeight: s.height });
      break;
    }
    case 'segment-anything-2':
    case 'image-to-text': {
      const s = imageSize(input);
      u = units({ pipeline, inputWidth: s.width, inputHeight: s.height });
      break;
    }
    case 'image-to-video': {
      imageSize(input);
      u = units({ pipeline, width: optInt(input.fields, 'width'), height: optInt(input.fields, 'height') });
      break;
    }
    case 'audio-to-text': {
      const f = input.files.audio;
      if (!f) throw new BadRequestError('audio is required (a multipart file field named "audio")');
      const seconds = await audioSeconds(f.data);
      input.fields.metadata = withDuration(input.fields.metadata, seconds);
      u = units({ pipeline, durationSeconds: seconds });
      break;
    }
  }
  const { body, contentType } = await encodeMultipart(input);
  return { pipeline, modelId, units: u, body, contentType, stream: false };
}
