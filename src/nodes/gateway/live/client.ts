// A live client of the gateway (what `livepeer-ts live` and the demo run): starts a stream, cuts the
// source into MPEG-TS segments in real time (ffmpeg, src/media) and publishes them on the gateway's
// input channel, reads the transformed segments from its output channel, and polls the status for
// the payments. After the last input segment it waits for the output to catch up (bounded), then
// stops the stream (DELETE) and returns the final status; a stream the gateway stops (for example
// insufficient_balance) ends the client too, with the reason.
import { HttpTricklePublisher, HttpTrickleSubscriber, segmentMedia, type SegmentSource } from '../../../media/index.js';

export interface LiveClientOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:9935 */
  gateway: string;
  stream: string;
  modelId: string;
  params: Record<string, unknown>;
  source: SegmentSource;
  segmentSeconds?: number;
  authToken?: string;
  /** Each transformed segment, in order. */
  onOutput?(seq: number, data: Uint8Array): void | Promise<void>;
  onProgress?(p: LiveProgress): void;
  statusEveryMs?: number;
  /** After the input ends, how long the output may take to catch up. Default 15 s. */
  drainMs?: number;
  signal?: AbortSignal;
}

export interface LiveProgress {
  segmentsIn: number;
  segmentsOut: number;
  /** Input publish → output received, of the latest output segment (same seq), ms. */
  latencyMs: number | undefined;
  secondsPaid: string;
  feesWei: string;
  state: string;
}

export interface LiveClientResult extends LiveProgress {
  /** The gateway's final status answer. */
  status: Record<string, unknown>;
  start: LiveStartAnswer;
  /** How long the start and the stop (DELETE) calls took, ms. */
  startLatencyMs: number;
  stopLatencyMs: number;
  stopReason: { code: string; message: string } | undefined;
}

export interface LiveStartAnswer {
  stream_id: string;
  publish_url: string;
  subscribe_url: string;
  events_url: string;
  update_url: string;
  status_url: string;
  orchestrator: string | null;
  manifest_id: string | null;
}

async function call(o: LiveClientOptions, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${o.gateway}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(o.authToken ? { authorization: `Bearer ${o.authToken}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  if (!res.ok) {
    const e = json.error as { message?: string; code?: string; reason?: string } | undefined;
    throw Object.assign(new Error(`${method} ${path}: HTTP ${res.status}: ${e?.reason ?? e?.message ?? text.slice(0, 300)}`), { status: res.status, code: e?.code });
  }
  return json;
}

export function startLiveStream(o: Pick<LiveClientOptions, 'gateway' | 'stream' | 'modelId' | 'params' | 'authToken'>): Promise<LiveStartAnswer> {
  return call(o as LiveClientOptions, 'POST', `/live/video-to-video/${encodeURIComponent(o.stream)}/start`, { model_id: o.modelId, params: o.params }) as unknown as Promise<LiveStartAnswer>;
}

export function updateLiveStream(o: Pick<LiveClientOptions, 'gateway' | 'stream' | 'authToken'>, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  return call(o as LiveClientOptions, 'POST', `/live/video-to-video/${encodeURIComponent(o.stream)}/update`, params);
}

export function liveStreamStatus(o: Pick<LiveClientOptions, 'gateway' | 'stream' | 'authToken'>): Promise<Record<string, unknown>> {
  return call(o as LiveClientOptions, 'GET', `/live/video-to-video/${encodeURIComponent(o.stream)}/status`);
}

function gatewayStatus(s: Record<string, unknown>): Record<string, unknown> {
  return (s.gateway_status ?? {}) as Record<string, unknown>;
}

export async function runLiveClient(o: LiveClientOptions): Promise<LiveClientResult> {
  const t0 = Date.now();
  const start = await startLiveStream(o);
  const startLatencyMs = Date.now() - t0;
  const headers = o.authToken ? { authorization: `Bearer ${o.authToken}` } : undefined;
  const pub = new HttpTricklePublisher({ url: start.publish_url, mime: 'video/MP2T', ...(headers ? { headers } : {}) });
  // A client that falls behind the gateway's ring (470) skips to the latest output segment, as
  // go-livepeer's subscribers do, instead of ending its output.
  const sub = new HttpTrickleSubscriber({ url: start.subscribe_url, start: -1, jumpToLatest: true, ...(headers ? { headers } : {}) });
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const p: LiveProgress = { segmentsIn: 0, segmentsOut: 0, latencyMs: undefined, secondsPaid: '0.000', feesWei: '0', state: 'running' };
  const sentAt = new Map<number, number>();
  let last: Record<string, unknown> = {};
  let caughtUp: (() => void) | undefined;
  const poll = async (): Promise<void> => {
    try {
      last = await liveStreamStatus(o);
    } catch {
      return;
    }
    const g = gatewayStatus(last);
    p.secondsPaid = String(g.seconds_paid ?? p.secondsPaid);
    p.feesWei = String(g.fees_wei ?? p.feesWei);
    p.state = String(g.state ?? p.state);
    o.onProgress?.({ ...p });
    if (p.state === 'stopped') stop.abort();
  };
  const timer = setInterval(() => void poll(), o.statusEveryMs ?? 1000);
  const output = (async () => {
    for (;;) {
      const seg = await sub.read(stop.signal).catch(() => null);
      if (!seg) return;
      const parts: Uint8Array[] = [];
      try {
        for await (const c of seg) parts.push(c);
      } catch {
        // The segment broke off (its relay was aborted, or the gateway closed the channel while
        // relaying it, as when it stops the stream): dropped; the next read says whether more come.
        continue;
      }
      const seq = p.segmentsOut++;
      const t0 = sentAt.get(seq);
      if (t0 !== undefined) p.latencyMs = Date.now() - t0;
      sentAt.delete(seq);
      await o.onOutput?.(seq, Buffer.concat(parts));
      if (p.segmentsOut >= p.segmentsIn) caughtUp?.();
    }
  })();
  try {
    for await (const seg of segmentMedia(o.source, { segmentSeconds: o.segmentSeconds ?? 1, signal: stop.signal })) {
      sentAt.set(seg.seq, Date.now());
      await pub.write(seg.data);
      p.segmentsIn++;
      if (sentAt.size > 64) sentAt.delete(sentAt.keys().next().value!);
    }
  } catch (err) {
    // The gateway closed the input channel: it stopped the stream (the status says why).
    const code = (err as { code?: unknown }).code;
    if (code === 'TRICKLE_EOS' || code === 'TRICKLE_STREAM_NOT_FOUND') stop.abort();
    else if (!stop.signal.aborted) {
      // A segment cut mid-write (EPIPE, a reset): the gateway may have closed the channel while it
      // was being sent, before the status poll saw the stop. Ask now; only a running stream's
      // broken write is the client's error.
      if (code === 'TRICKLE_SEGMENT_ABORTED') await poll();
      if (!stop.signal.aborted) throw err;
    }
  } finally {
    if (!stop.signal.aborted && p.segmentsOut < p.segmentsIn) {
      let t: NodeJS.Timeout | undefined;
      await new Promise<void>((r) => {
        caughtUp = r;
        t = setTimeout(r, o.drainMs ?? 15_000);
        stop.signal.addEventListener('abort', () => r(), { once: true });
      });
      clearTimeout(t);
    }
    clearInterval(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  // DELETE answers the final status (404: the gateway had stopped it already).
  const t1 = Date.now();
  try {
    last = await call(o, 'DELETE', `/live/video-to-video/${encodeURIComponent(o.stream)}`);
  } catch {
    await poll();
  }
  const stopLatencyMs = Date.now() - t1;
  stop.abort();
  await pub.close().catch(() => {});
  sub.close();
  await output;
  const g = gatewayStatus(last);
  const r = g.stop_reason as { code: string; message: string } | null | undefined;
  return { ...p, start, startLatencyMs, stopLatencyMs, secondsPaid: String(g.seconds_paid ?? p.secondsPaid), feesWei: String(g.fees_wei ?? p.feesWei), state: String(g.state ?? p.state), status: last, stopReason: r ?? undefined };
}
