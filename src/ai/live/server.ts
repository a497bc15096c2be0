// The CPU live runner: pytrickle's runner HTTP API on 127.0.0.1 (POST /live-video-to-video = POST
// /stream/start, /stream/stop, /stream/params, GET /stream/status, /health, /version,
// /app-version, /hardware/info, /hardware/stats), so an orchestrator drives it as it drives a
// ComfyStream or StreamDiffusion container. The work is ffmpeg filters on the CPU: a stand-in for a
// GPU model, and /version and /hardware say so.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { isLivepeerError } from '../../errors/index.js';
import { runFfmpeg } from '../../media/index.js';
import { REFERENCE_RUNNER_VERSION } from '../runner/server.js';
import { LiveRunnerError, parseStartRequest, type LiveParams } from './params.js';
import { LiveStream, type LiveStreamEnd, type LiveStreamOptions } from './stream.js';
import { httpTrickleClients, type TrickleClients } from './trickle.js';

export const LIVE_PIPELINE = 'live-video-to-video';
/** go-livepeer's default live pipeline (model id) when a gateway names none. */
export const DEFAULT_LIVE_MODEL_ID = 'noop';
export const LIVE_RUNNER_NOTE = 'livepeer-ts CPU stand-in live runner: ffmpeg filters (grayscale, edge, hflip, blur), not a GPU model';

export interface LiveRunnerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Model id reported in /version (default "noop", go-livepeer's default live pipeline). */
  modelId?: string;
  /** Streams at once (default 1, as a pytrickle runner); more are refused with 503. */
  capacity?: number;
  /** When set, POSTs need `Authorization: Bearer <token>` (aiModels.json "token"). */
  token?: string;
  /** Default: the HTTP trickle clients. */
  trickle?: TrickleClients;
  heartbeatMs?: number;
  segmentTimeoutMs?: number;
  maxSegmentBytes?: number;
  ffmpegPath?: string;
  log?: (msg: string) => void;
}

export interface LiveRunner {
  url: string;
  modelId: string;
  /** The active streams (a copy). */
  streams(): LiveStream[];
  close(): Promise<void>;
}

type Health = 'LOADING' | 'IDLE' | 'OK' | 'ERROR';

interface Ended {
  gateway_request_id: string;
  reason: LiveStreamEnd;
  error: string | undefined;
  segments_in: number;
  segments_out: number;
  segment_errors: number;
}

function streamView(s: LiveStream): Record<string, unknown> {
  const tail = s.stats.recentTailMs;
  return {
    gateway_request_id: s.requestId,
    manifest_id: s.req.manifest_id ?? null,
    stream_id: s.req.stream_id ?? null,
    subscribe_url: s.req.subscribe_url,
    publish_url: s.req.publish_url,
    filter: s.params.filter,
    params: s.params.raw,
    started_at: s.startedAt,
    segments_in: s.stats.segmentsIn,
    segments_out: s.stats.segmentsOut,
    segment_errors: s.stats.segmentErrors,
    control_messages: s.stats.controlMessages,
    last_error: s.lastError ?? null,
    recent_processing_ms: s.stats.recentTotalMs,
    recent_added_latency_ms: tail,
  };
}

export async function startLiveRunner(opts: LiveRunnerOptions = {}): Promise<LiveRunner> {
  const modelId = opts.modelId ?? DEFAULT_LIVE_MODEL_ID;
  const capacity = opts.capacity ?? 1;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number ≥ 1, got ${capacity}`);
  const trickle = opts.trickle ?? httpTrickleClients();
  const streams = new Map<string, LiveStream>();
  let lastEnded: Ended | undefined;
  let health: Health = 'LOADING';
  let healthError: string | undefined;
  // LOADING until ffmpeg has answered once: without it nothing can run (ERROR)
  const ready = runFfmpeg(['-version'], { timeoutMs: 30_000, ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}) }).then(
    () => void (health = 'IDLE'),
    (err: unknown) => {
      health = 'ERROR';
      healthError = err instanceof Error ? err.message : String(err);
      opts.log?.(`live runner: ffmpeg unavailable: ${healthError}`);
    },
  );
  const status = (): Health => (health === 'IDLE' && streams.size > 0 ? 'OK' : health);
  const pipelineState = () => ({
    status: status(),
    state: status(),
    error_message: healthError ?? null,
    pipeline_ready: health !== 'LOADING' && health !== 'ERROR',
    active_streams: streams.size,
    startup_complete: health !== 'LOADING',
    pipeline_state: status(),
    additional_info: { capacity, cpu_reference: true },
  });

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, routerOptions: { ignoreTrailingSlash: true } });
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (isLivepeerError(err) && err.status) return reply.status(err.status).send({ status: 'error', message: err.message, code: err.code, current_state: pipelineState() });
    const code = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? 400 : 500;
    return reply.status(code).send({ status: 'error', message: code === 400 ? `Invalid request: ${err.message}` : 'live runner error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ detail: 'Not Found' }));
  app.addHook('onRequest', async (req, reply) => {
    if (opts.token !== undefined && req.method === 'POST' && req.headers.authorization !== `Bearer ${opts.token}`) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ detail: { msg: 'Invalid bearer token.' } });
    }
  });

  const pick = (body: unknown): LiveStream => {
    const id = body && typeof body === 'object' ? (body as { gateway_request_id?: unknown }).gateway_request_id : undefined;
    if (typeof id === 'string' && streams.has(id)) return streams.get(id)!;
    if (typeof id !== 'string' && streams.size === 1) return [...streams.values()][0]!;
    if (streams.size === 0) throw new LiveRunnerError('LIVE_NO_STREAM', 'No active stream');
    throw new LiveRunnerError('LIVE_NO_STREAM', typeof id === 'string' ? `no active stream ${id}` : 'several streams are active: name one with gateway_request_id');
  };

  const start = async (req: FastifyRequest, reply: FastifyReply) => {
    await ready;
    if (health === 'ERROR') return reply.status(503).send({ status: 'error', message: `Pipeline is not ready: ${healthError}`, current_state: pipelineState() });
    if (streams.size >= capacity) return reply.status(503).send({ status: 'error', message: 'Pipeline is still in use', current_state: pipelineState() });
    let parsed;
    try {
      parsed = parseStartRequest(req.body);
    } catch (err) {
      if (err instanceof LiveRunnerError) return reply.status(400).send({ status: 'error', message: `Error starting stream: ${err.message}`, code: err.code, current_state: pipelineState() });
      throw err;
    }
    if (streams.has(parsed.gateway_request_id)) return reply.status(503).send({ status: 'error', message: 'Pipeline is still in use', current_state: pipelineState() });
    const streamOpts: LiveStreamOptions = {
      trickle,
      ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}),
      ...(opts.segmentTimeoutMs ? { segmentTimeoutMs: opts.segmentTimeoutMs } : {}),
      ...(opts.maxSegmentBytes ? { maxSegmentBytes: opts.maxSegmentBytes } : {}),
      ...(opts.ffmpegPath ? { ffmpegPath: opts.ffmpegPath } : {}),
      ...(opts.log ? { log: opts.log } : {}),
    };
    const s = new LiveStream(parsed, streamOpts);
    streams.set(s.requestId, s);
    void s.ended.then((reason) => {
      if (streams.get(s.requestId) === s) streams.delete(s.requestId);
      lastEnded = { gateway_request_id: s.requestId, reason, error: s.lastError, segments_in: s.stats.segmentsIn, segments_out: s.stats.segmentsOut, segment_errors: s.stats.segmentErrors };
    });
    s.start();
    opts.log?.(`stream ${s.requestId}: ${parsed.subscribe_url} -> ${parsed.publish_url} (${s.params.filter})`);
    return reply.send({ status: 'success', message: 'Stream started successfully', request_id: s.requestId, current_state: pipelineState() });
  };
  app.post('/live-video-to-video', start);
  app.post('/stream/start', start);

  app.post('/stream/stop', async (req) => {
    const s = pick(req.body);
    await s.stop('stopped');
    return { status: 'success', message: 'Stream stopped successfully' };
  });

  app.post('/stream/params', async (req) => {
    const body = req.body;
    const s = pick(streams.size > 1 ? body : undefined);
    let params: LiveParams;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      // gateway_request_id names the stream; it is not a param
      const { gateway_request_id: _id, ...update } = body as Record<string, unknown>;
      params = s.update(update);
    } else params = s.update(body);
    return { status: 'success', message: 'Parameters updated successfully', params: params.raw, filter: params.filter };
  });

  app.get('/stream/status', async () => {
    const active = [...streams.values()];
    const first = active[0];
    return {
      ...pipelineState(),
      client_active: active.length > 0,
      client_running: active.some((s) => s.running),
      ...(first ? { current_params: { subscribe_url: first.req.subscribe_url, publish_url: first.req.publish_url, gateway_request_id: first.requestId } } : {}),
      streams: active.map(streamView),
      last_ended: lastEnded ?? null,
    };
  });

  app.get('/health', async () => ({ status: status() }));
  const version = { pipeline: LIVE_PIPELINE, model_id: modelId, version: REFERENCE_RUNNER_VERSION, cpu_reference: true, note: LIVE_RUNNER_NOTE };
  app.get('/version', async () => version);
  app.get('/app-version', async () => ({ version: REFERENCE_RUNNER_VERSION }));
  const hardware = { pipeline: LIVE_PIPELINE, model_id: modelId, gpu_info: {}, cpu_reference: true, note: `${LIVE_RUNNER_NOTE}; no GPU is used or present` };
  app.get('/hardware/info', async () => hardware);
  app.get('/hardware/stats', async () => ({ pipeline: LIVE_PIPELINE, model_id: modelId, gpu_stats: {}, cpu_reference: true, note: hardware.note }));

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('live runner: no TCP address after listen');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    modelId,
    streams: () => [...streams.values()],
    close: async () => {
      await Promise.allSettled([...streams.values()].map((s) => s.stop('stopped')));
      await ready;
      await app.close();
    },
  };
}
