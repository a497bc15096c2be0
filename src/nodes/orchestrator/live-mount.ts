// The orchestrator's live video: the trickle server mounted at /ai/trickle/ on the HTTPS port
// (channels created in-process only, no autocreate), the per-interval receiver, the running
// streams, and the routes. node.ts composes it; this keeps the live parts out of node.ts.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LivePaymentReceiver, type Balances, type LiveStreamView } from '../../billing/index.js';
import { TrickleServer, registerTrickle } from '../../media/index.js';
import { LIVE_TRICKLE_PATH, livePixelsOf, registerLiveRoutes, type LiveRouteDeps } from './live.js';
import { LiveStreams } from './live-session.js';
import { trickleChannelHost } from './live-trickle.js';
import type { StatsCollector } from './stats.js';

export interface LiveMount {
  /** Registers /live-video-to-video and /payment in `scope` (the AI routes' scope). */
  registerRoutes(scope: FastifyInstance, deps: Omit<LiveRouteDeps, 'streams' | 'balances' | 'stats' | 'log'>): Promise<void>;
  view(mid: string): LiveStreamView | undefined;
  sizes(): { liveStreams: number; liveAccounts: number; trickleChannels: number; trickleBytes: number };
  /** Stops every stream and closes the trickle server (before the HTTP server closes). */
  close(): void;
}

export async function mountLive(app: FastifyInstance, o: { balances: Balances; intervalMs: number; stats: StatsCollector; log: Logger }): Promise<LiveMount> {
  const trickle = new TrickleServer({ autocreate: false });
  const receiver = new LivePaymentReceiver({ balances: o.balances, intervalMs: o.intervalMs });
  const streams = new LiveStreams({
    channels: trickleChannelHost(trickle),
    receiver,
    log: o.log,
    onEnd: (_mid, _reason, account) => {
      if (account) o.stats.job('live-video-to-video', livePixelsOf(account.billedMs), account.debited);
    },
  });
  await registerTrickle(app, trickle, { prefix: LIVE_TRICKLE_PATH });
  return {
    registerRoutes: (scope, deps) => registerLiveRoutes(scope, { ...deps, streams, balances: o.balances, stats: o.stats, log: o.log }),
    view: (mid) => streams.view(mid),
    sizes: () => ({ liveStreams: streams.size, liveAccounts: receiver.size, trickleChannels: trickle.channelCount, trickleBytes: trickle.bufferedBytes }),
    close: () => {
      streams.closeAll();
      receiver.closeAll();
      trickle.close();
    },
  };
}
