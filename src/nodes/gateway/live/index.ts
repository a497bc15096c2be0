// The gateway's live video-to-video: its own trickle server for the client side, the streams and
// their routes, mounted on the client API app. attachLive is the one hook gateway.ts calls.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { HttpTricklePublisher, HttpTrickleSubscriber, TrickleServer } from '../../../media/index.js';
import type { TrickleClients } from './orch-link.js';
import type { LiveStartDeps } from './orch-start.js';
import { registerLiveRoutes } from './routes.js';
import { LiveStreams } from './streams.js';

export { LIVE_PIPELINE, liveTarget, startOnOrchestrator, type LiveStartDeps, type StartedOrchestrator } from './orch-start.js';
export { parseStartReply, StartReplyError, type LiveOrchestratorUrls } from './start-reply.js';
export { LiveStream, MAX_RECENT_SWAPS, RECENT_SWAP_INTERVAL_MS, channelNames, type LiveState } from './stream.js';
export { LiveStreams, DEFAULT_MAX_LIVE_STREAMS, LIVE_STATUS_TTL_MS } from './streams.js';
export { LIVE_TRICKLE_PATH, DEFAULT_LIVE_MODEL, parseStartRequest } from './routes.js';
export type { LiveEndCode, LiveEndReason, TrickleClients } from './orch-link.js';

/** HTTP trickle clients to orchestrators: their certificates are self-signed (go-livepeer skips verification too). */
export const orchestratorTrickleClients: TrickleClients = {
  publisher: (url, mime) => new HttpTricklePublisher({ url, mime, insecureSkipVerify: true }),
  subscriber: (url) => new HttpTrickleSubscriber({ url, insecureSkipVerify: true, jumpToLatest: true }),
};

export interface LiveOptions {
  start: LiveStartDeps;
  log: Logger;
  maxStreams: number;
  keepaliveMs: number;
  eventTimeoutMs: number;
  outputTimeoutMs?: number;
  /** go-livepeer's recentSwapInterval (default 3 min; stream.ts). */
  recentSwapIntervalMs?: number;
  clients?: TrickleClients;
}

export interface LiveHandle {
  streams: LiveStreams;
  trickle: TrickleServer;
  close(): Promise<void>;
}

export async function attachLive(app: FastifyInstance, o: LiveOptions): Promise<LiveHandle> {
  // Three channels per stream; created in-process only (no autocreate).
  const trickle = new TrickleServer({ maxChannels: Math.max(16, o.maxStreams * 3) });
  const streams = new LiveStreams({
    start: o.start,
    trickle,
    clients: o.clients ?? orchestratorTrickleClients,
    log: o.log.child({ component: 'live' }),
    keepaliveMs: o.keepaliveMs,
    eventTimeoutMs: o.eventTimeoutMs,
    ...(o.outputTimeoutMs === undefined ? {} : { outputTimeoutMs: o.outputTimeoutMs }),
    ...(o.recentSwapIntervalMs === undefined ? {} : { recentSwapIntervalMs: o.recentSwapIntervalMs }),
    maxStreams: o.maxStreams,
  });
  await registerLiveRoutes(app, { streams, trickle });
  return {
    streams,
    trickle,
    close: async () => {
      await streams.close();
      trickle.close();
    },
  };
}
