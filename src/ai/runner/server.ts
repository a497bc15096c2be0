// The reference CPU runner: a fastify server on 127.0.0.1 speaking the ai-runner HTTP API
// (GET /health, /version, /hardware/info, /hardware/stats; POST /<pipeline>) for one pipeline and
// model, like an ai-runner container. Work is real and deterministic but procedural: there is no
// GPU model behind it, and /version and /hardware say so.
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { RunnerPipeline } from '../api.js';
import { DEFAULT_MODEL_IDS } from '../api.js';
import { audioToText } from '../pipelines/audioToText.js';
import { imageToImage } from '../pipelines/imageToImage.js';
import { imageToText } from '../pipelines/imageToText.js';
import { llm } from '../pipelines/llm.js';
import { segmentAnything2 } from '../pipelines/segmentAnything2.js';
import { textToImage } from '../pipelines/textToImage.js';
import { textToSpeech } from '../pipelines/textToSpeech.js';
import { upscale } from '../pipelines/upscale.js';
import type { PipelineHandler } from './context.js';
import { REFERENCE_NOTE } from './context.js';
import { RunnerHttpError, badRequest } from './errors.js';
import type { RunnerInput } from './params.js';

export const REFERENCE_RUNNER_VERSION = '0.1.0-cpu-reference';
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const REFERENCE_PIPELINES: Readonly<Partial<Record<RunnerPipeline, PipelineHandler>>> = {
  'text-to-image': textToImage,
  'image-to-image': imageToImage,
  upscale,
  'audio-to-text': audioToText,
  llm,
  'image-to-text': imageToText,
  'text-to-speech': textToSpeech,
  'segment-anything-2': segmentAnything2,
};

export interface ReferenceRunnerOptions {
  pipeline: RunnerPipeline;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default: go-livepeer's default model for the pipeline. */
  modelId?: string;
  /** When set, POSTs need `Authorization: Bearer <token>` (ai-runner's AUTH_TOKEN). */
  token?: string;
  logger?: boolean;
}

export interface ReferenceRunner {
  url: string;
  pipeline: RunnerPipeline;
  modelId: string;
  close(): Promise<void>;
}

async function readInput(req: FastifyRequest, handler: PipelineHandler, pipeline: string): Promise<RunnerInput> {
  const input: RunnerInput = { fields: {}, files: {} };
  if (req.isMultipart()) {
    if (handler.body === 'json') throw badRequest(`/${pipeline} takes a JSON body (Content-Type: application/json), not multipart/form-data`);
    for await (const part of req.parts()) {
      if (part.type === 'file') input.files[part.fieldname] = { data: await part.toBuffer(), filename: part.filename, mimetype: part.mimetype };
      else input.fields[part.fieldname] = part.value;
    }
    return input;
  }
  if (handler.body === 'multipart') throw badRequest(`/${pipeline} takes a multipart/form-data body`);
  const body = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`/${pipeline} takes a JSON object body`);
  input.fields = body as Record<string, unknown>;
  return input;
}

export async function startReferenceRunner(opts: ReferenceRunnerOptions): Promise<ReferenceRunner> {
  const handler = REFERENCE_PIPELINES[opts.pipeline];
  if (!handler) {
    throw new RangeError(`no CPU reference runner for pipeline "${opts.pipeline}" (available: ${Object.keys(REFERENCE_PIPELINES).join(', ')})`);
  }
  const pipeline = opts.pipeline;
  const modelId = opts.modelId ?? DEFAULT_MODEL_IDS[pipeline];
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: MAX_BODY_BYTES, routerOptions: { ignoreTrailingSlash: true } });
  await app.register(multipart, { limits: { fileSize: MAX_BODY_BYTES, fieldSize: 1024 * 1024, files: 4, fields: 64 } });
  let inFlight = 0;

  app.setErrorHandler((err: FastifyError | RunnerHttpError, _req, reply) => {
    if (err instanceof RunnerHttpError) return reply.status(err.status).send(err.body());
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const msg = status === 500 ? `${pipeline} pipeline error.` : `Invalid request body: ${err.message}`;
    if (status === 500) app.log.error(err);
    return reply.status(status).send({ detail: { msg } });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ detail: 'Not Found' }));

  app.get('/health', async () => ({ status: inFlight > 0 ? 'OK' : 'IDLE' }));
  app.get('/version', async () => ({ pipeline, model_id: modelId, version: REFERENCE_RUNNER_VERSION, note: REFERENCE_NOTE }));
  const hardware = { pipeline, model_id: modelId, gpu_info: {}, cpu_reference: true, note: `${REFERENCE_NOTE}; no GPU is used or present` };
  app.get('/hardware/info', async () => hardware);
  app.get('/hardware/stats', async () => ({ pipeline, model_id: modelId, gpu_stats: {}, cpu_reference: true, note: hardware.note }));

  const run = async (req: FastifyRequest, reply: FastifyReply) => {
    if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ detail: { msg: 'Invalid bearer token.' } });
    }
    inFlight++;
    let streaming = false;
    try {
      const input = await readInput(req, handler, pipeline);
      const asked = input.fields.model_id;
      if (typeof asked === 'string' && asked !== '' && asked !== modelId) {
        throw badRequest(`pipeline configured with ${modelId} but called with ${asked}.`);
      }
      const result = await handler.handle(input, { modelId });
      if ('sse' in result) {
        // busy until the last event is written (or the client goes away)
        const stream = Readable.from(result.sse);
        stream.once('close', () => inFlight--);
        streaming = true;
        return reply.header('content-type', 'text/event-stream').header('cache-control', 'no-cache').send(stream);
      }
      return reply.send(result.json);
    } finally {
      if (!streaming) inFlight--;
    }
  };
  app.post(`/${pipeline}`, run);
  if (pipeline === 'llm') app.post('/llm/chat/completions', run);

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('reference runner: no TCP address after listen');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { url: `http://${host}:${addr.port}`, pipeline, modelId, close: () => app.close() };
}
