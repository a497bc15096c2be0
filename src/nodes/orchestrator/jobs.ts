// Reads one AI request: decodes the body (JSON or multipart, as the ai-runner API defines it),
// finds the model id, and counts the work units the job will be debited (market's jobUnits, the
// same function the gateway pays with).
import type { FastifyRequest } from 'fastify';
import type { RunnerBody, RunnerPipeline } from '../../ai/index.js';
import { DEFAULT_MODEL_IDS, RUNNER_PIPELINES, multipartBody, parseWav, pngSize, type MultipartFile } from '../../ai/index.js';
import { jobUnits, type UnitsJob } from '../../market/index.js';
import { OrchestratorError } from './errors.js';

/**
 * The batch pipelines this node serves: every ai-runner batch pipeline except image-to-video, whose
 * async result flow (Prefer: respond-async, /image-to-video/result) is not implemented yet.
 */
export type OrchestratorPipeline = Exclude<RunnerPipeline, 'image-to-video'>;
export const ORCHESTRATOR_PIPELINES: readonly OrchestratorPipeline[] = RUNNER_PIPELINES.filter(
  (p): p is OrchestratorPipeline => p !== 'image-to-video',
);

const JSON_PIPELINES = new Set<string>(['text-to-image', 'llm', 'text-to-speech']);
const MEDIA_FIELD: Partial<Record<OrchestratorPipeline, string>> = {
  'image-to-image': 'image',
  upscale: 'image',
  'segment-anything-2': 'image',
  'image-to-text': 'image',
  'audio-to-text': 'audio',
};

export interface ParsedJob {
  pipeline: OrchestratorPipeline;
  modelId: string;
  units: bigint;
  /** What goes to the runner, unchanged. */
  body: RunnerBody;
  /** llm with stream: true. */
  stream: boolean;
}

function bad(msg: string, cause?: unknown): OrchestratorError {
  return new OrchestratorError('BAD_REQUEST', 400, msg, { cause });
}

function optInt(fields: Record<string, unknown>, name: string): number | undefined {
  const v = fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(`${name} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

async function readMultipart(req: FastifyRequest): Promise<{ fields: Record<string, string>; files: Record<string, MultipartFile> }> {
  const fields: Record<string, string> = {};
  const files: Record<string, MultipartFile> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        files[part.fieldname] = { data: new Uint8Array(await part.toBuffer()), filename: part.filename, contentType: part.mimetype };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    throw bad(`cannot read the multipart body: ${(err as Error).message}`, err);
  }
  return { fields, files };
}

function imageSize(file: MultipartFile): { width: number; height: number } {
  try {
    return pngSize(file.data);
  } catch (err) {
    throw bad(`image: ${(err as Error).message} (this orchestrator sizes PNG inputs)`, err);
  }
}

function unitsOf(job: UnitsJob): bigint {
  try {
    return jobUnits(job);
  } catch (err) {
    throw bad((err as Error).message, err);
  }
}

export async function parseJob(pipeline: OrchestratorPipeline, req: FastifyRequest): Promise<ParsedJob> {
  if (JSON_PIPELINES.has(pipeline)) {
    if (req.isMultipart()) throw bad(`/${pipeline} takes a JSON body (Content-Type: application/json)`);
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(`/${pipeline} takes a JSON object body`);
    const f = body as Record<string, unknown>;
    if (pipeline === 'llm') {
      if (!Array.isArray(f.messages)) throw bad('llm: "messages" must be an array of {role, content}');
      const modelId = typeof f.model === 'string' && f.model !== '' ? f.model : DEFAULT_MODEL_IDS.llm;
      const maxTokens = optInt(f, 'max_tokens');
      return { pipeline, modelId, units: unitsOf({ pipeline, maxTokens }), body: f, stream: f.stream === true };
    }
    const modelId = typeof f.model_id === 'string' && f.model_id !== '' ? f.model_id : DEFAULT_MODEL_IDS[pipeline];
    if (pipeline === 'text-to-speech') {
      if (typeof f.text !== 'string') throw bad('text-to-speech: "text" is required');
      return { pipeline, modelId, units: unitsOf({ pipeline, text: f.text }), body: f, stream: false };
    }
    if (typeof f.prompt !== 'string') throw bad('text-to-image: "prompt" is required');
    const units = unitsOf({ pipeline: 'text-to-image', width: optInt(f, 'width'), height: optInt(f, 'height'), numImagesPerPrompt: optInt(f, 'num_images_per_prompt') });
    return { pipeline, modelId, units, body: f, stream: false };
  }
  if (!req.isMultipart()) throw bad(`/${pipeline} takes a multipart/form-data body`);
  const { fields, files } = await readMultipart(req);
  const fieldName = MEDIA_FIELD[pipeline]!;
  const media = files[fieldName];
  if (!media) throw bad(`${pipeline}: the "${fieldName}" file is required`);
  const modelId = fields.model_id ? fields.model_id : DEFAULT_MODEL_IDS[pipeline];
  let units: bigint;
  if (pipeline === 'audio-to-text') {
    let seconds: number;
    try {
      const a = parseWav(media.data);
      seconds = a.frames / a.sampleRate;
    } catch (err) {
      throw bad(`audio: ${(err as Error).message}`, err);
    }
    units = unitsOf({ pipeline, durationSeconds: seconds });
  } else {
    const { width, height } = imageSize(media);
    if (pipeline === 'image-to-image') {
      units = unitsOf({ pipeline, inputWidth: width, inputHeight: height, numImagesPerPrompt: optInt(fields, 'num_images_per_prompt') });
    } else {
      units = unitsOf({ pipeline: pipeline as 'upscale' | 'segment-anything-2' | 'image-to-text', inputWidth: width, inputHeight: height });
    }
  }
  return { pipeline, modelId, units, body: multipartBody(fields, files), stream: false };
}
