// One live stream's links to one orchestrator (go-livepeer server/ai_live_video.go): the input
// publisher (client segments → <mid>), the output subscriber (<mid>-out → the gateway's output
// channel), the control publisher (params, keepalive {"keep":"alive"} every 10 s) and the events
// subscriber (status events kept; no event for 30 s → the link ends). Each input segment relayed,
// and a timer, drive the payment sender (one payment per interval). The link ends once, with a reason;
// an orchestrator's insufficient_balance event is the reason whenever it comes before the channels
// close (the link waits a moment for the events channel to drain before it settles on another).
import type { Logger } from 'pino';
import type { SegmentReader, TricklePublisher, TrickleSubscriber } from '../../../media/index.js';
import { readInsufficientBalanceEvent, type InsufficientBalance } from '../../../billing/index.js';
import type { StartedOrchestrator } from './orch-start.js';

export type LiveEndCode =
  | 'GW_LIVE_INSUFFICIENT_BALANCE'
  | 'GW_LIVE_ORCHESTRATOR_FAILED'
  | 'GW_LIVE_NO_EVENTS'
  | 'GW_LIVE_ORCHESTRATOR_SLOW'
  | 'GW_LIVE_NO_OUTPUT'
  | 'GW_LIVE_STOPPED'
  | 'GW_LIVE_INPUT_ENDED'
  | 'GW_LIVE_SWAP_LIMIT'
  | 'GW_NO_ORCHESTRATORS';

export interface LiveEndReason {
  code: LiveEndCode;
  message: string;
  insufficientBalance?: InsufficientBalance;
}

/** How the gateway reaches an orchestrator's trickle channels (HTTP clients; TLS unverified, as go-livepeer). */
export interface TrickleClients {
  publisher(url: string, mime: string): TricklePublisher;
  subscriber(url: string): TrickleSubscriber;
}

export interface OrchLinkOptions {
  started: StartedOrchestrator;
  clients: TrickleClients;
  /** The gateway's own channels the client reads. */
  output: TricklePublisher;
  events: TricklePublisher;
  log: Logger;
  keepaliveMs: number;
  eventTimeoutMs: number;
  /** How long the events channel may still bring the reason after another link closed. */
  drainMs?: number;
  /**
   * go-livepeer's output watchdog (`outSegmentTimeout`, 30 s when unset): no output segment for this
   * long while the input is recent (within half of it) → the link ends, the orchestrator is swapped.
   */
  outputTimeoutMs?: number;
  onStatus(event: Record<string, unknown>): void;
  onOutputSegment(): void;
  now?: () => number;
}

const KEEPALIVE = new TextEncoder().encode(JSON.stringify({ keep: 'alive' }));
/** go-livepeer's maxInflightSegments: a segment begun while 3 are still being written → the orchestrator is slow. */
export const MAX_INFLIGHT_SEGMENTS = 3;
/** go-livepeer's output watchdog default (outSegmentTimeout ≤ 0 → 30 s). */
export const DEFAULT_OUTPUT_TIMEOUT_MS = 30_000;

/** Reads a whole (small) segment. */
async function readAll(seg: AsyncIterable<Uint8Array>, max = 1024 * 1024): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of seg) {
    n += c.length;
    if (n > max) throw new Error(`event segment larger than ${max} bytes`);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

async function pipeSegment(from: AsyncIterable<Uint8Array>, to: TricklePublisher): Promise<void> {
  const w = await to.next();
  try {
    for await (const chunk of from) await w.write(chunk);
  } catch (err) {
    w.abort(err as Error);
    throw err;
  }
  await w.end();
}

export class OrchLink {
  readonly ended: Promise<LiveEndReason>;
  readonly manifestId: string;
  #settle!: (r: LiveEndReason) => void;
  #first: LiveEndReason | undefined;
  #insufficient: InsufficientBalance | undefined;
  readonly #input: TricklePublisher;
  readonly #control: TricklePublisher;
  readonly #output: TrickleSubscriber;
  readonly #eventsIn: TrickleSubscriber;
  readonly #abort = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #now: () => number;
  #lastEventAt: number;
  #lastOutputAt: number;
  #lastInputAt: number | undefined;
  #inFlight = 0;
  readonly #pipes = new Set<Promise<void>>();
  #eventsDone: Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(private readonly o: OrchLinkOptions) {
    this.ended = new Promise((r) => (this.#settle = r));
    this.#now = o.now ?? Date.now;
    this.#lastEventAt = this.#now();
    this.#lastOutputAt = this.#lastEventAt;
    const u = o.started.urls;
    this.manifestId = u.manifestId;
    this.#input = o.clients.publisher(u.publishUrl, 'video/MP2T');
    this.#control = o.clients.publisher(u.controlUrl, 'application/json');
    this.#output = o.clients.subscriber(u.subscribeUrl);
    this.#eventsIn = o.clients.subscriber(u.eventsUrl);
    void this.#outputLoop();
    this.#eventsDone = this.#eventsLoop();
    // Payments refused for good (a remote signer's 481): the link ends, the stream swaps.
    void o.started.payments.refused?.then((r) => this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `payments to ${o.started.session.url} stopped (${r.code}): ${r.message}` }));
    const keepalive = setInterval(() => void this.#write(this.#control, KEEPALIVE, 'control'), o.keepaliveMs);
    const watchdog = setInterval(() => {
      const quiet = this.#now() - this.#lastEventAt;
      if (quiet > o.eventTimeoutMs) this.#end({ code: 'GW_LIVE_NO_EVENTS', message: `no event from ${o.started.session.url} for ${Math.round(quiet / 1000)} s` });
    }, Math.max(10, Math.min(10_000, Math.floor(o.eventTimeoutMs / 3))));
    // Payments go every interval, input or not: our orchestrator counts a stream whose payment is
    // more than two intervals late as stopped (input segments also pay, as go-livepeer's gateway).
    const pay = o.started.payments;
    const payTimer = setInterval(() => {
      if (!this.#first) pay.segment();
    }, Math.max(10, Math.floor(pay.intervalMs / 4)));
    // go-livepeer's output watchdog: input keeps coming, output does not (no input, no output: not the orchestrator's fault).
    const outMs = o.outputTimeoutMs ?? DEFAULT_OUTPUT_TIMEOUT_MS;
    const outWatch = setInterval(() => {
      const now = this.#now();
      const silent = now - this.#lastOutputAt;
      const recentInput = this.#lastInputAt !== undefined && now - this.#lastInputAt < outMs / 2;
      if (silent > outMs && recentInput) this.#end({ code: 'GW_LIVE_NO_OUTPUT', message: `no output segment from ${o.started.session.url} for ${Math.round(silent / 1000)} s while the input flows` });
    }, Math.max(10, Math.min(5_000, Math.floor(outMs / 4))));
    this.#timers.push(keepalive, watchdog, payTimer, outWatch);
    for (const t of this.#timers) t.unref();
  }

  get orchestrator(): string {
    return this.o.started.session.url;
  }

  /**
   * Starts relaying one client input segment to the orchestrator (it is copied in the background, as
   * the client writes it); the payment sender pays when due once it is written. A segment begun
   * while MAX_INFLIGHT_SEGMENTS are still being written ends the link (go-livepeer's
   * SlowOrchChecker: the orchestrator is slow reading), and is dropped.
   */
  async publishInput(seg: SegmentReader): Promise<void> {
    if (this.#first) {
      for await (const _ of seg) void _; // drained: the link is going
      return;
    }
    if (this.#inFlight >= MAX_INFLIGHT_SEGMENTS) {
      this.#end({ code: 'GW_LIVE_ORCHESTRATOR_SLOW', message: `${this.orchestrator} is slow: ${this.#inFlight} input segments still in flight` });
      for await (const _ of seg) void _;
      return;
    }
    this.#inFlight++;
    this.#lastInputAt = this.#now();
    const p = pipeSegment(seg, this.#input).then(
      () => this.o.started.payments.segment(),
      (err: unknown) => {
        if (!this.#abort.signal.aborted) this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `publishing input to ${this.orchestrator} failed: ${(err as Error).message}` });
      },
    );
    const tracked = p.finally(() => {
      this.#inFlight--;
      this.#pipes.delete(tracked);
    });
    this.#pipes.add(tracked);
  }

  /** Input segments being written to the orchestrator now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Forwards params on the control channel (go-livepeer: one JSON object per segment). */
  async sendParams(params: unknown): Promise<void> {
    await this.#write(this.#control, new TextEncoder().encode(JSON.stringify(params)), 'control');
  }

  async #write(pub: TricklePublisher, data: Uint8Array, what: string): Promise<void> {
    if (this.#first) return;
    try {
      await pub.write(data);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // The orchestrator removed the channel: its stream is gone (go-livepeer: control 404 → stop).
      if (code === 'TRICKLE_STREAM_NOT_FOUND' || code === 'TRICKLE_EOS') this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `${this.orchestrator} closed its ${what} channel` });
      else this.o.log.warn({ orchestrator: this.orchestrator, manifestId: this.manifestId }, `live ${what} write failed: ${(err as Error).message}`);
    }
  }

  async #outputLoop(): Promise<void> {
    try {
      for (;;) {
        const seg = await this.#output.read(this.#abort.signal);
        if (!seg) return this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `${this.orchestrator} ended the output` });
        await pipeSegment(seg, this.o.output);
        this.#lastOutputAt = this.#now();
        this.o.onOutputSegment();
      }
    } catch (err) {
      if (!this.#abort.signal.aborted) this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `reading the output of ${this.orchestrator} failed: ${(err as Error).message}` });
    }
  }

  async #eventsLoop(): Promise<void> {
    try {
      for (;;) {
        const seg = await this.#eventsIn.read(this.#abort.signal);
        if (!seg) return this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `${this.orchestrator} ended the events channel` });
        const bytes = await readAll(seg);
        this.#lastEventAt = this.#now();
        let json: unknown;
        try {
          json = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          continue;
        }
        await this.o.events.write(bytes).catch(() => {});
        const short = readInsufficientBalanceEvent(json);
        if (short) {
          this.#insufficient = short;
          this.o.log.warn({ orchestrator: this.orchestrator, manifestId: this.manifestId, balance: short.balance.toString(), owed: short.owed.toString() }, 'the orchestrator stopped the stream: insufficient balance');
          this.#end(insufficientReason(short, this.orchestrator));
          continue;
        }
        const obj = json as { event?: unknown; queue_event_type?: unknown; type?: unknown };
        const ev = (typeof obj.event === 'object' && obj.event !== null ? obj.event : obj) as Record<string, unknown>;
        if (ev.type === 'status' || obj.queue_event_type === 'ai_stream_status') this.o.onStatus(ev);
      }
    } catch (err) {
      if (!this.#abort.signal.aborted) this.#end({ code: 'GW_LIVE_ORCHESTRATOR_FAILED', message: `reading the events of ${this.orchestrator} failed: ${(err as Error).message}` });
    }
  }

  /** The first reason wins, except that an insufficient_balance event read while draining replaces it. */
  #end(r: LiveEndReason): void {
    if (this.#first) return;
    this.#first = r;
    void (async () => {
      if (r.code !== 'GW_LIVE_INSUFFICIENT_BALANCE' && r.code !== 'GW_LIVE_STOPPED') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.#eventsDone, new Promise<void>((res) => (timer = setTimeout(res, this.o.drainMs ?? 2_000)))]);
        clearTimeout(timer);
      }
      // A stream we end ourselves is paid to its last millisecond before the orchestrator hears of it.
      if (r.code === 'GW_LIVE_STOPPED') await this.o.started.payments.final().catch(() => {});
      await this.close();
      this.#settle(this.#insufficient ? insufficientReason(this.#insufficient, this.orchestrator) : r);
    })();
  }

  /** Ends the link (our decision): closes the orchestrator's channels we publish, our subscriptions, timers and payments. */
  stop(message = 'stopped by the gateway'): Promise<LiveEndReason> {
    this.#end({ code: 'GW_LIVE_STOPPED', message });
    return this.ended;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      this.#abort.abort();
      this.#output.close();
      this.#eventsIn.close();
      await this.o.started.payments.stop();
      // DELETE of the input channel tells the orchestrator the stream is over (its in-flight writes fail with it).
      await Promise.allSettled([this.#input.close(), this.#control.close()]);
      await Promise.allSettled([...this.#pipes]);
    })();
    return this.#closing;
  }
}

function insufficientReason(f: InsufficientBalance, orch: string): LiveEndReason {
  return {
    code: 'GW_LIVE_INSUFFICIENT_BALANCE',
    message: `${orch} stopped the stream for insufficient balance: ${f.balance.toString()} wei held, ${f.owed.toString()} wei owed at ${f.pricePerSecond.toString()} wei/s`,
    insufficientBalance: f,
  };
}
