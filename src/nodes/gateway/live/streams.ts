// The gateway's live streams by name: at most `maxStreams` running (more → 503), and the status of
// ended ones kept for `endedTtlMs` (go-livepeer clears its status store 1 min after a stream ends),
// at most `maxStreams` of them (the oldest go first). Nothing outlives close().
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { LiveStream, type LiveStreamDeps } from './stream.js';

export const DEFAULT_MAX_LIVE_STREAMS = 64;
/** go-livepeer keeps a stream's status 1 min after its end. */
export const LIVE_STATUS_TTL_MS = 60_000;

export interface LiveStreamsOptions extends LiveStreamDeps {
  maxStreams?: number;
  endedTtlMs?: number;
}

interface Ended {
  status: Record<string, unknown>;
  until: number;
}

export class LiveStreams {
  readonly #running = new Map<string, LiveStream>();
  readonly #ended = new Map<string, Ended>();
  readonly #max: number;
  readonly #ttl: number;
  readonly #now: () => number;
  #closed = false;

  constructor(private readonly o: LiveStreamsOptions) {
    this.#max = o.maxStreams ?? DEFAULT_MAX_LIVE_STREAMS;
    this.#ttl = o.endedTtlMs ?? LIVE_STATUS_TTL_MS;
    this.#now = o.now ?? Date.now;
  }

  get size(): { running: number; ended: number } {
    this.#sweep();
    return { running: this.#running.size, ended: this.#ended.size };
  }

  get(name: string): LiveStream | undefined {
    return this.#running.get(name);
  }

  /** Creates and starts a stream; throws GatewayError (409 exists, 503 full, 503 no orchestrator). */
  async start(name: string, modelId: string, params: Record<string, unknown>): Promise<LiveStream> {
    if (this.#closed) throw new GatewayError('GW_LIVE_TOO_MANY_STREAMS', 'the gateway is closing', 503);
    if (this.#running.has(name)) throw new GatewayError('GW_LIVE_STREAM_EXISTS', `live stream ${name} is already running: stop it first (DELETE /live/video-to-video/${name})`, 409);
    if (this.#running.size >= this.#max) throw new GatewayError('GW_LIVE_TOO_MANY_STREAMS', `this gateway runs its maximum of ${this.#max} live streams (-maxLiveStreams)`, 503);
    this.#ended.delete(name);
    const s = new LiveStream(this.o, name, modelId, params, randomBytes(4).toString('hex'));
    this.#running.set(name, s);
    void s.done.then(() => {
      if (this.#running.get(name) !== s) return;
      this.#running.delete(name);
      this.#ended.set(name, { status: s.status(), until: this.#now() + this.#ttl });
      while (this.#ended.size > this.#max) this.#ended.delete(this.#ended.keys().next().value!);
    });
    await s.start();
    return s;
  }

  status(name: string): Record<string, unknown> | undefined {
    this.#sweep();
    return this.#running.get(name)?.status() ?? this.#ended.get(name)?.status;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, e] of this.#ended) if (e.until <= now) this.#ended.delete(k);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running.values()].map((s) => s.stop({ code: 'GW_LIVE_STOPPED', message: 'the gateway is shutting down' })));
    this.#running.clear();
    this.#ended.clear();
  }
}
