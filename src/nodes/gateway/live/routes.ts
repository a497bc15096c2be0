// The gateway's live API (go-livepeer server/ai_mediaserver.go, selection-ai.md §5.6):
//   POST   /live/video-to-video/{stream}/start            JSON {model_id, params}, or go-livepeer's
//   POST   /live/video-to-video/{prefix}/{stream}/start   query (?pipeline=&params=) / MediaMTX form
//                                                         (source_id, source_type, query=…)
//   POST   /live/video-to-video/{stream}/update           raw JSON params → control channel (404 unknown)
//   GET    /live/video-to-video/{stream}/status           last status event + gateway_status
//   DELETE /live/video-to-video/{stream}                  stops the stream, closes every channel
// go-livepeer ingests RTMP/WHIP; ours ingests trickle: the start answer names the gateway's own
// channels under /live/trickle/ — publish MPEG-TS segments to publish_url, read the transformed
// ones from subscribe_url, the stream's events from events_url.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { registerTrickle, isChannelName, type TrickleServer } from '../../../media/index.js';
import { BadRequestError, GatewayError } from '../errors.js';
import type { LiveStreams } from './streams.js';

export const LIVE_TRICKLE_PATH = '/live/trickle/';
/** go-livepeer's default live pipeline when none is named. */
export const DEFAULT_LIVE_MODEL = 'noop';

function parseParams(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null || v === '') return {};
  let p = v;
  if (typeof v === 'string') {
    try {
      p = JSON.parse(v);
    } catch {
      throw new BadRequestError(`params is not JSON: ${v.slice(0, 200)}`);
    }
  }
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw new BadRequestError('params must be a JSON object');
  return p as Record<string, unknown>;
}

/** {model_id, params} from the JSON body, the query, or the MediaMTX form's `query` field. */
export function parseStartRequest(body: unknown, query: Record<string, unknown>): { modelId: string; params: Record<string, unknown> } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string') q.set(k, v);
  if (typeof b.query === 'string') for (const [k, v] of new URLSearchParams(b.query)) if (!q.has(k)) q.set(k, v);
  const model = b.model_id ?? q.get('pipeline') ?? q.get('model_id') ?? DEFAULT_LIVE_MODEL;
  if (typeof model !== 'string' || model === '') throw new BadRequestError('model_id must be a non-empty string');
  return { modelId: model, params: parseParams(b.params ?? q.get('params') ?? undefined) };
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

export async function registerLiveRoutes(app: FastifyInstance, o: { streams: LiveStreams; trickle: TrickleServer }): Promise<void> {
  await registerTrickle(app, o.trickle, { prefix: LIVE_TRICKLE_PATH });
  await app.register(async (scope) => {
    // MediaMTX's ready callback is a form post.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const start = async (req: FastifyRequest<{ Params: { stream: string } }>) => {
      const name = req.params.stream;
      // go-livepeer ignores its own output streams (MediaMTX calls back for them too).
      if (name.endsWith('-out')) return { ignored: true, stream_id: name };
      if (!isChannelName(name) || name.endsWith('-events')) throw new BadRequestError(`"${name}" is not a usable stream name (1–128 of A-Z a-z 0-9 _ - ., not ending -out or -events)`);
      const { modelId, params } = parseStartRequest(req.body, req.query as Record<string, unknown>);
      const s = await o.streams.start(name, modelId, params);
      const base = baseUrl(req);
      const ch = s.channels;
      const orch = s.link;
      return {
        stream_id: name,
        request_id: s.requestId,
        model_id: modelId,
        orchestrator: orch?.orchestrator ?? null,
        manifest_id: orch?.manifestId ?? null,
        publish_url: `${base}${LIVE_TRICKLE_PATH}${ch.input}`,
        subscribe_url: `${base}${LIVE_TRICKLE_PATH}${ch.output}`,
        events_url: `${base}${LIVE_TRICKLE_PATH}${ch.events}`,
        update_url: `${base}/live/video-to-video/${name}/update`,
        status_url: `${base}/live/video-to-video/${name}/status`,
      };
    };
    scope.post('/live/video-to-video/:stream/start', start);
    scope.post<{ Params: { prefix: string; stream: string } }>('/live/video-to-video/:prefix/:stream/start', start);
    scope.post<{ Params: { stream: string } }>('/live/video-to-video/:stream/update', async (req) => {
      const s = o.streams.get(req.params.stream);
      if (!s) throw new GatewayError('GW_LIVE_UNKNOWN_STREAM', `no live stream ${req.params.stream}`, 404);
      await s.update(parseParams(req.body));
      return { stream_id: s.name, params: req.body };
    });
    scope.get<{ Params: { stream: string } }>('/live/video-to-video/:stream/status', async (req) => {
      const st = o.streams.status(req.params.stream);
      if (!st) throw new GatewayError('GW_LIVE_UNKNOWN_STREAM', `no live stream ${req.params.stream}`, 404);
      return st;
    });
    scope.delete<{ Params: { stream: string } }>('/live/video-to-video/:stream', async (req) => {
      const s = o.streams.get(req.params.stream);
      if (!s) throw new GatewayError('GW_LIVE_UNKNOWN_STREAM', `no live stream ${req.params.stream}`, 404);
      await s.stop();
      return s.status();
    });
  });
}
