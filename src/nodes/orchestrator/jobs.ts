// Reads one AI request: decodes the body (JSON or multipart, as the ai-runner API defines it),
// finds the model id, and counts the work units the job will be debited (market's jobUnits, the
// same function the gateway pays with). Input media is read as go-livepeer's handleAIRequest reads
// it: PNG/JPEG/GIF header sizes, audio in whole seconds from ffprobe; refusals keep its texts.
import type { FastifyRequest } from 'fastify';
import type { RunnerBody, RunnerPipeline } from '../../ai/index.js';
import {
  AudioDurationError,
  DEFAULT_MODEL_IDS,
  ImageSizeError,
  RUNNER_PIPELINES,
  audioDurationSeconds,
  inputImageSize,
  multipartBody,
  type MultipartFile,
} from '../../ai/index.js';
import { GO_LLM_MAX_TOKENS_MISSING, jobUnits, type UnitsJob } from '../../market/index.js';
import { MediaProbeError } from '../../media/index.js';
import { OrchestratorError } from './errors.js';

/**
 * The batch pipelines this node serves: every ai-runner batch pipeline except image-to-video, whose
 * async result flow (Prefer: respond-async, /image-to-video/result) is not implemented yet.
 */
export type OrchestratorPipeline = Exclude<RunnerPipeline, 'image-to-video'>;
/** Pipelines whose body is JSON (the rest take multipart/form-data). */
export function takesJson(pipeline: string): boolean {
  return JSON_PIPELINES.has(pipeline);
}

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

function bad(msg: string, cause?: unknown, reason?: string): OrchestratorError {
  return new OrchestratorError('BAD_REQUEST', 400, msg, { cause, reason });
}

/** go-livepeer's answer to audio it cannot time (or under 1 s): 400 "Unable to calculate duration". */
const GO_AUDIO_DURATION_REFUSAL = 'Unable to calculate duration';

function optInt(fields: Record<string, unknown>, name: string): number | undefined {
  const v = fields[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw bad(`${name} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * A file part's bytes, refused (413) the moment it crosses the file-size limit: @fastify/multipart's
 * toBuffer only reports the limit after reading the whole rest of the request.
 */
function readFilePart(file: NodeJS.ReadableStream & { truncated?: boolean }): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    file.on('data', (c: Buffer) => chunks.push(c));
    file.once('limit', () => {
      chunks.length = 0;
      reject(new OrchestratorError('REQUEST_TOO_LARGE', 413, 'request body too large: a file is above the -maxBodyBytes limit'));
    });
    file.once('error', reject);
    file.once('end', () => (file.truncated ? undefined : resolve(new Uint8Array(Buffer.concat(chunks)))));
  });
}

async function readMultipart(req: FastifyRequest): Promise<{ fields: Record<string, string>; files: Record<string, MultipartFile> }> {
  const fields: Record<string, string> = {};
  const files: Record<string, MultipartFile> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        files[part.fieldname] = { data: await readFilePart(part.file), filename: part.filename, contentType: part.mimetype };
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    if (err instanceof OrchestratorError) throw err;
    // @fastify/multipart's file-size and part-count limits carry statusCode 413.
    if ((err as { statusCode?: unknown }).statusCode === 413) throw new OrchestratorError('REQUEST_TOO_LARGE', 413, `request body too large: ${(err as Error).message}`, { cause: err });
    throw bad(`cannot read the multipart body: ${(err as Error).message}`, err);
  }
  return { fields, files };
}

function imageSize(file: MultipartFile): { width: number; height: number } {
  try {
    return inputImageSize(file.data);
  } catch (err) {
    if (err instanceof ImageSizeError) throw bad(err.message, err, err.code);
    throw err;
  }
}

/** Whole seconds of the audio; the refusal text is go-livepeer's, the reason our code. */
async function audioSeconds(file: MultipartFile): Promise<bigint> {
  try {
    return (await audioDurationSeconds(file.data)).seconds;
  } catch (err) {
    if (err instanceof AudioDurationError) throw bad(GO_AUDIO_DURATION_REFUSAL, err, err.code);
    if (err instanceof MediaProbeError) {
      // Our own trouble (no ffprobe binary, too many probes at once) is not the client's fault.
      if (err.code === 'PROBE_UNAVAILABLE') throw new OrchestratorError('MEDIA_PROBE_FAILED', 500, err.message, { cause: err, reason: err.code });
      if (err.code === 'PROBE_BUSY') throw new OrchestratorError('INSUFFICIENT_CAPACITY', 503, 'insufficient capacity', { cause: err, reason: err.code });
      throw bad(GO_AUDIO_DURATION_REFUSAL, err, err.code);
    }
    throw err;
  }
}

function unitsOf(job: UnitsJob): bigint {
  try {
    return jobUnits(job);
  } catch (err) {
    throw bad((err as Error).message, err);
  }
}

/**
 * A request whose body has been read and checked, before its units are counted. Counting comes
 * after the payment and segment headers are checked (go-livepeer's order): it may run ffprobe,
 * which a sender that cannot even sign should not be able to trigger.
 */
export interface ReadJob {
  pipeline: OrchestratorPipeline;
  modelId: string;
  body: RunnerBody;
  stream: boolean;
  /** Counts the units: 400 (go-livepeer's texts) for media it cannot read or a missing max_tokens. */
  countUnits(): Promise<bigint>;
}

export async function readJob(pipeline: OrchestratorPipeline, req: FastifyRequest): Promise<ReadJob> {
  if (JSON_PIPELINES.has(pipeline)) {
    if (req.isMultipart()) throw bad(`/${pipeline} takes a JSON body (Content-Type: application/json)`);
    return readJsonJob(pipeline, req.body);
  }
  if (!req.isMultipart()) throw bad(`/${pipeline} takes a multipart/form-data body`);
  const { fields, files } = await readMultipart(req);
  return multipartJob(pipeline, fields, files);
}

/** A JSON pipeline's body (parsed already) read and checked. */
export function readJsonJob(pipeline: OrchestratorPipeline, body: unknown): ReadJob {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(`/${pipeline} takes a JSON object body`);
  const f = body as Record<string, unknown>;
  if (pipeline === 'llm') {
    if (!Array.isArray(f.messages)) throw bad('llm: "messages" must be an array of {role, content}');
    const modelId = typeof f.model === 'string' && f.model !== '' ? f.model : DEFAULT_MODEL_IDS.llm;
    const maxTokens = optInt(f, 'max_tokens');
    const countUnits = async () => {
      if (maxTokens === undefined) throw bad(GO_LLM_MAX_TOKENS_MISSING, undefined, 'MAX_TOKENS_MISSING');
      return unitsOf({ pipeline, maxTokens });
    };
    return { pipeline, modelId, body: f, stream: f.stream === true, countUnits };
  }
  const modelId = typeof f.model_id === 'string' && f.model_id !== '' ? f.model_id : DEFAULT_MODEL_IDS[pipeline];
  if (pipeline === 'text-to-speech') {
    if (typeof f.text !== 'string') throw bad('text-to-speech: "text" is required');
    const text = f.text;
    return { pipeline, modelId, body: f, stream: false, countUnits: async () => unitsOf({ pipeline, text }) };
  }
  if (typeof f.prompt !== 'string') throw bad('text-to-image: "prompt" is required');
  const countUnits = async () =>
    unitsOf({ pipeline: 'text-to-image', width: optInt(f, 'width'), height: optInt(f, 'height'), numImagesPerPrompt: optInt(f, 'num_images_per_prompt') });
  return { pipeline, modelId, body: f, stream: false, countUnits };
}

function multipartJob(pipeline: OrchestratorPipeline, fields: Record<string, string>, files: Record<string, MultipartFile>): ReadJob {
  const fieldName = MEDIA_FIELD[pipeline]!;
  const media = files[fieldName];
  if (!media) throw bad(`${pipeline}: the "${fieldName}" file is required`);
  const modelId = fields.model_id ? fields.model_id : DEFAULT_MODEL_IDS[pipeline];
  const countUnits = async (): Promise<bigint> => {
    if (pipeline === 'audio-to-text') return unitsOf({ pipeline, durationSeconds: await audioSeconds(media) });
    const { width, height } = imageSize(media);
    if (pipeline === 'image-to-image') {
      return unitsOf({ pipeline, inputWidth: width, inputHeight: height, numImagesPerPrompt: optInt(fields, 'num_images_per_prompt') });
    }
    return unitsOf({ pipeline: pipeline as 'upscale' | 'segment-anything-2' | 'image-to-text', inputWidth: width, inputHeight: height });
  };
  return { pipeline, modelId, body: multipartBody(fields, files), stream: false, countUnits };
}

/** Reads the request and counts its units in one go (tests, tools). */
export async function parseJob(pipeline: OrchestratorPipeline, req: FastifyRequest): Promise<ParsedJob> {
  const { countUnits, ...job } = await readJob(pipeline, req);
  return { ...job, units: await countUnits() };
}
