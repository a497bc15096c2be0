// Per-pipeline deadlines of one attempt at an orchestrator (response headers and body). They bound a
// peer that is alive but stuck; a dead one is found much sooner (its connection closes, or stops
// answering PINGs: keepalive.ts). Each default is several times the slowest run we expect on a
// consumer GPU at the runner's largest accepted size, and below go-livepeer's one blanket
// aiWorkerRequestTimeout (15 min, the orchestrator's wait on a remote worker; its gateway has none).
import { AI_PIPELINES, isAiPipeline, type AiPipeline } from '../../market/index.js';
import { GatewayConfigError } from './errors.js';

export const DEFAULT_AI_REQUEST_TIMEOUTS_MS: Readonly<Record<AiPipeline, number>> = {
  // Diffusion at up to 2048² and a few images per prompt.
  'text-to-image': 3 * 60_000,
  'image-to-image': 3 * 60_000,
  upscale: 3 * 60_000,
  // Video diffusion: minutes per clip.
  'image-to-video': 10 * 60_000,
  // Long recordings are transcribed in many windows.
  'audio-to-text': 10 * 60_000,
  // Thousands of tokens (a stream counts to its last chunk).
  llm: 10 * 60_000,
  'segment-anything-2': 2 * 60_000,
  'image-to-text': 2 * 60_000,
  'text-to-speech': 3 * 60_000,
  // Not a batch job (live video has its own control path); listed so every pipeline has one.
  'live-video-to-video': 60_000,
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from a number (ms) or a Go-style duration ("90s", "10m", "1500ms", "1.5h"). */
export function parseDurationMs(name: string, v: unknown): number {
  let ms: number | undefined;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
    if (m) ms = Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
  }
  if (ms === undefined || !Number.isFinite(ms) || ms < 1 || ms > 24 * 3_600_000) {
    throw new GatewayConfigError(`${name}: ${JSON.stringify(v)} is not a duration between 1 ms and 24 h (a number of ms, or e.g. 90s, 10m)`);
  }
  return Math.round(ms);
}

/**
 * The deadline of every pipeline: its entry in `overrides` ("llm=10m,text-to-image=90s" or an
 * object), else `all` (the -requestTimeoutMs of earlier versions) when given, else the default.
 */
export function resolveRequestTimeouts(overrides: string | Record<string, unknown> | undefined, all: number | undefined): Record<AiPipeline, number> {
  const out = { ...DEFAULT_AI_REQUEST_TIMEOUTS_MS };
  if (all !== undefined) for (const p of AI_PIPELINES) out[p] = all;
  if (overrides === undefined) return out;
  const entries: [string, unknown][] =
    typeof overrides === 'string'
      ? overrides
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((kv) => {
            const eq = kv.indexOf('=');
            if (eq < 0) throw new GatewayConfigError(`-aiRequestTimeouts entry ${JSON.stringify(kv)} must be <pipeline>=<duration>, e.g. llm=10m`);
            return [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
          })
      : Object.entries(overrides);
  for (const [pipeline, v] of entries) {
    if (!isAiPipeline(pipeline)) throw new GatewayConfigError(`-aiRequestTimeouts: unknown pipeline ${JSON.stringify(pipeline)} (one of ${AI_PIPELINES.join(', ')})`);
    out[pipeline] = parseDurationMs(`-aiRequestTimeouts ${pipeline}`, v);
  }
  return out;
}
