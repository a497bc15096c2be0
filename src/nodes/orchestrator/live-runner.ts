// Starting a stream on a live runner: go-livepeer's `POST <runner>/live-video-to-video` with its
// LiveVideoToVideoParams body (ai/worker/runner.gen.go), the body every pytrickle-based runner
// (ComfyStream, StreamDiffusion, our CPU runner) takes. The trickle URLs are the orchestrator's
// own, with their host replaced by -liveAITrickleHostForRunner when the runner reaches the
// orchestrator under another name (a container network), as go-livepeer's overwriteHost does.
import { OrchestratorError } from './errors.js';

export interface LiveRunnerStart {
  model_id: string;
  subscribe_url: string;
  publish_url: string;
  control_url: string;
  events_url: string;
  params?: Record<string, unknown>;
  gateway_request_id: string;
  manifest_id: string;
  stream_id: string;
}

/** go-livepeer overwriteHost: `url` with its host:port replaced (unchanged when `host` is empty). */
export function overwriteHost(host: string | undefined, url: string): string {
  if (!host) return url;
  try {
    const u = new URL(url);
    u.host = host;
    return u.toString();
  } catch {
    return url;
  }
}

function detailMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    const d = body.detail;
    if (d && typeof d === 'object' && !Array.isArray(d) && typeof (d as { msg?: unknown }).msg === 'string') return (d as { msg: string }).msg;
    if (d !== undefined) return JSON.stringify(d);
  } catch {
    // not JSON: the text itself
  }
  return text.trim().slice(0, 500) || 'no message';
}

/**
 * POSTs the start to the runner; resolves with its JSON answer. Any non-2xx answer is a failure
 * worded as go-livepeer's worker words it, "live-video-to-video container returned <status>: <msg>"
 * (go-livepeer only checks 400, 401, 422 and 500, and takes a 503 "not ready / busy" from a
 * pytrickle runner for a start: here every other status fails too). The orchestrator answers
 * these 500, as go-livepeer does; the code says whose fault it was.
 */
export async function startLiveRunner(
  runner: { url: string; token: string | undefined },
  body: LiveRunnerStart,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<unknown> {
  const bound = new AbortController();
  const timer = setTimeout(() => bound.abort(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, bound.signal]) : bound.signal;
  try {
    let res: Response;
    try {
      res = await fetch(`${runner.url.replace(/\/+$/, '')}/live-video-to-video`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(runner.token ? { authorization: `Bearer ${runner.token}` } : {}) },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      const why = signal.aborted ? ((signal.reason as Error)?.message ?? 'aborted') : (err as Error).message;
      throw new OrchestratorError('RUNNER_UNAVAILABLE', 503, `live runner unavailable: ${runner.url}: ${why}`, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      const code = res.status === 400 || res.status === 422 ? 'RUNNER_REJECTED' : 'RUNNER_FAILED';
      throw new OrchestratorError(code, 500, `live-video-to-video container returned ${res.status}: ${detailMessage(text)}`, { reason: `RUNNER_${res.status}` });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  } finally {
    clearTimeout(timer);
  }
}
