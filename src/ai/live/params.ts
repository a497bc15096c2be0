// The live runner's request and params, validated as pytrickle validates them (StreamStartRequest,
// StreamParamsUpdateRequest: width/height together and positive, max_framerate 1–60,
// detect_out_resolution boolean-like; unknown keys kept), plus this runner's own `filter`.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const liveRunnerErrorCodes = defineErrorCodes('src/ai/live (CPU live runner)', {
  LIVE_BAD_REQUEST: 'The stream start request is malformed (missing gateway_request_id, subscribe_url or publish_url, or a URL that is not http(s)): 400.',
  LIVE_BAD_PARAMS: 'The params are invalid (an unknown filter, width without height, max_framerate out of 1–60 …): 400 on start, an error event on a control update.',
  LIVE_BUSY: 'The runner already runs as many streams as its capacity: 503, try another runner.',
  LIVE_NO_STREAM: 'No active stream to stop or update: 400.',
  LIVE_SEGMENT_TOO_LARGE: 'An input segment is larger than the runner accepts; it was skipped (an error event).',
  LIVE_OUTPUT_FAILED: 'Publishing a processed segment on the output channel failed (`cause` has the trickle error): the stream ends when the channel is gone, else the segment is an error event.',
});

export type LiveRunnerErrorCode = CodeOf<typeof liveRunnerErrorCodes>;

export class LiveRunnerError extends LivepeerError<LiveRunnerErrorCode> {
  override name = 'LiveRunnerError';
  constructor(code: LiveRunnerErrorCode, message: string, opts: { cause?: unknown } = {}) {
    const status = code === 'LIVE_BUSY' ? 503 : code === 'LIVE_BAD_REQUEST' || code === 'LIVE_BAD_PARAMS' || code === 'LIVE_NO_STREAM' ? 400 : undefined;
    super(code, message, { ...(status ? { status } : {}), fatal: code !== 'LIVE_BUSY' && code !== 'LIVE_OUTPUT_FAILED', ...(opts.cause === undefined ? {} : { cause: opts.cause }) });
  }
}

/**
 * The filters, as ffmpeg filter graphs. `none` re-encodes the video unchanged. Grayscale goes
 * through gray8 so chroma is exactly 128; edge detection works on luma.
 */
export const LIVE_FILTERS = {
  none: 'null',
  grayscale: 'format=gray,format=yuv420p',
  edge: 'format=gray,edgedetect=low=0.1:high=0.3,format=yuv420p',
  hflip: 'hflip',
  blur: 'gblur=sigma=4',
} as const;
export type LiveFilter = keyof typeof LIVE_FILTERS;
export const DEFAULT_LIVE_FILTER: LiveFilter = 'none';

export function isLiveFilter(v: unknown): v is LiveFilter {
  return typeof v === 'string' && Object.hasOwn(LIVE_FILTERS, v);
}

export interface LiveParams {
  filter: LiveFilter;
  /** Every key as given (pytrickle keeps unknown keys), after pytrickle's conversions. */
  raw: Record<string, unknown>;
}

const bad = (msg: string) => new LiveRunnerError('LIVE_BAD_PARAMS', msg);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

/** pytrickle's conversions of width/height, max_framerate and detect_out_resolution. */
function convert(p: Record<string, unknown>): Record<string, unknown> {
  const out = { ...p };
  const hasW = 'width' in out;
  if (hasW !== 'height' in out) throw bad("Both 'width' and 'height' must be provided together");
  if (hasW) {
    for (const k of ['width', 'height']) {
      const n = toInt(out[k]);
      if (n === undefined || n <= 0) throw bad('Width and height must be positive integers');
      out[k] = n;
    }
  }
  if ('max_framerate' in out) {
    const n = toInt(out.max_framerate);
    if (n === undefined) throw bad('max_framerate must be a valid integer');
    if (n <= 0) throw bad('max_framerate must be a positive integer');
    if (n > 60) throw bad('max_framerate cannot exceed 60 FPS');
    out.max_framerate = n;
  }
  if ('detect_out_resolution' in out) {
    const v = out.detect_out_resolution;
    if (typeof v === 'boolean') out.detect_out_resolution = v;
    else if (typeof v === 'number' && Number.isInteger(v)) out.detect_out_resolution = v !== 0;
    else if (typeof v === 'string' && ['true', '1', 'yes'].includes(v.toLowerCase())) out.detect_out_resolution = true;
    else if (typeof v === 'string' && ['false', '0', 'no'].includes(v.toLowerCase())) out.detect_out_resolution = false;
    else throw bad('detect_out_resolution must be a boolean value');
  }
  return out;
}

/**
 * `update` applied over `current` (keys not named keep their value, as a pytrickle frame
 * processor's update_params usually does). Throws LIVE_BAD_PARAMS and leaves `current` as it was.
 */
export function applyParams(update: unknown, current?: LiveParams): LiveParams {
  if (update === undefined || update === null) return current ?? { filter: DEFAULT_LIVE_FILTER, raw: {} };
  if (!isObject(update)) throw bad('Params must be a dictionary');
  const raw = convert({ ...(current?.raw ?? {}), ...update });
  const f = raw.filter ?? current?.filter ?? DEFAULT_LIVE_FILTER;
  if (!isLiveFilter(f)) throw bad(`unknown filter ${JSON.stringify(f)}: one of ${Object.keys(LIVE_FILTERS).join(', ')}`);
  return { filter: f, raw };
}

/** POST /live-video-to-video (= /stream/start): pytrickle's StreamStartRequest with go-livepeer's extra fields. */
export interface StreamStartRequest {
  subscribe_url: string;
  publish_url: string;
  control_url: string | undefined;
  events_url: string | undefined;
  data_url: string | undefined;
  gateway_request_id: string;
  manifest_id: string | undefined;
  stream_id: string | undefined;
  model_id: string | undefined;
  params: LiveParams;
}

function optUrl(body: Record<string, unknown>, k: string): string | undefined {
  const v = body[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new LiveRunnerError('LIVE_BAD_REQUEST', `${k} must be a string`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new LiveRunnerError('LIVE_BAD_REQUEST', `${k} is not a URL: ${v}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LiveRunnerError('LIVE_BAD_REQUEST', `${k} must be an http(s) trickle URL: ${v}`);
  return v;
}

function optStr(body: Record<string, unknown>, k: string): string | undefined {
  const v = body[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new LiveRunnerError('LIVE_BAD_REQUEST', `${k} must be a string`);
  return v;
}

/** Validates a start body; unknown keys are ignored. */
export function parseStartRequest(body: unknown): StreamStartRequest {
  if (!isObject(body)) throw new LiveRunnerError('LIVE_BAD_REQUEST', 'the body must be a JSON object');
  const gateway_request_id = optStr(body, 'gateway_request_id');
  if (gateway_request_id === undefined) throw new LiveRunnerError('LIVE_BAD_REQUEST', 'gateway_request_id: Field required');
  const subscribe_url = optUrl(body, 'subscribe_url');
  const publish_url = optUrl(body, 'publish_url');
  // pytrickle lets either be absent; with neither input nor output there is nothing to run here
  if (!subscribe_url || !publish_url) throw new LiveRunnerError('LIVE_BAD_REQUEST', 'subscribe_url and publish_url are required');
  return {
    subscribe_url,
    publish_url,
    control_url: optUrl(body, 'control_url'),
    events_url: optUrl(body, 'events_url'),
    data_url: optUrl(body, 'data_url'),
    gateway_request_id,
    manifest_id: optStr(body, 'manifest_id'),
    stream_id: optStr(body, 'stream_id'),
    model_id: optStr(body, 'model_id'),
    params: applyParams(body.params),
  };
}
