// One live stream at the gateway: the client-side channels on the gateway's own trickle server
// (`<stream>` input, `<stream>-out` output, `<stream>-events` events), the input relay to the
// current orchestrator link, orchestrator swaps with go-livepeer's limits (orchestratorSwapper:
// a third swap with less than 3 min between consecutive swaps stops the stream), and the status.
// Ends on DELETE, on input EOS (the client closed its input channel), on an orchestrator's
// insufficient_balance (not swapped: the shortfall is ours), or when no orchestrator is left;
// every channel, timer, link and payment loop goes with it.
import type { Logger } from 'pino';
import { Rat } from '../../../money/index.js';
import { liveWeiPerSecond } from '../../../billing/index.js';
import type { TricklePublisher, TrickleSubscriber } from '../../../media/index.js';
import { OrchLink, type LiveEndReason, type TrickleClients } from './orch-link.js';
import { startOnOrchestrator, type LiveStartDeps, type StartedOrchestrator } from './orch-start.js';
import { liveTarget } from './orch-start.js';

/** go-livepeer's orchestratorSwapper limits. */
export const RECENT_SWAP_INTERVAL_MS = 3 * 60_000;
export const MAX_RECENT_SWAPS = 2;

/** The gateway's trickle server as the stream uses it (src/media/trickle TrickleServer). */
export interface LocalTrickle {
  createChannel(name: string, mime: string): void;
  closeChannel(name: string): boolean;
  localPublisher(name: string): TricklePublisher;
  localSubscriber(name: string, opts?: { start?: number; jumpToLatest?: boolean }): TrickleSubscriber;
}

export interface LiveStreamDeps {
  start: LiveStartDeps;
  trickle: LocalTrickle;
  clients: TrickleClients;
  log: Logger;
  keepaliveMs: number;
  eventTimeoutMs: number;
  /** The output watchdog (orch-link.ts; default go-livepeer's 30 s). */
  outputTimeoutMs?: number;
  /** go-livepeer's recentSwapInterval: default RECENT_SWAP_INTERVAL_MS (3 min). */
  recentSwapIntervalMs?: number;
  now?: () => number;
}

export type LiveState = 'starting' | 'running' | 'swapping' | 'stopped';

export const channelNames = (stream: string) => ({ input: stream, output: `${stream}-out`, events: `${stream}-events` });

interface Totals {
  fees: Rat;
  sentEV: Rat;
  billedMs: bigint;
  tickets: number;
  payments: number;
  failed: number;
}

export class LiveStream {
  state: LiveState = 'starting';
  readonly done: Promise<LiveEndReason>;
  #finish!: (r: LiveEndReason) => void;
  #link: OrchLink | undefined;
  #started: StartedOrchestrator | undefined;
  #params: Record<string, unknown>;
  #lastStatus: Record<string, unknown> | undefined;
  #endReason: LiveEndReason | undefined;
  #segmentsIn = 0;
  #segmentsOut = 0;
  #swaps: number[] = [];
  /** Swaps made (the stream moved to another orchestrator); not the orchestrators tried, which include refused starts. */
  #swapsMade = 0;
  readonly #tried = new Set<string>();
  readonly #prev: Totals = { fees: Rat.ZERO, sentEV: Rat.ZERO, billedMs: 0n, tickets: 0, payments: 0, failed: 0 };
  /** The sender whose figures are in #prev already. */
  #counted: StartedOrchestrator | undefined;
  readonly #abort = new AbortController();
  readonly #ch: ReturnType<typeof channelNames>;
  readonly #output: TricklePublisher;
  readonly #events: TricklePublisher;
  readonly #input: TrickleSubscriber;
  readonly #now: () => number;
  readonly startedAt: number;
  endedAt: number | undefined;

  constructor(
    private readonly d: LiveStreamDeps,
    readonly name: string,
    readonly modelId: string,
    params: Record<string, unknown>,
    readonly requestId: string,
  ) {
    this.done = new Promise((r) => (this.#finish = r));
    this.#now = d.now ?? Date.now;
    this.startedAt = this.#now();
    this.#params = params;
    this.#ch = channelNames(name);
    d.trickle.createChannel(this.#ch.input, 'video/MP2T');
    d.trickle.createChannel(this.#ch.output, 'video/MP2T');
    d.trickle.createChannel(this.#ch.events, 'application/json');
    this.#output = d.trickle.localPublisher(this.#ch.output);
    this.#events = d.trickle.localPublisher(this.#ch.events);
    this.#input = d.trickle.localSubscriber(this.#ch.input, { start: -1, jumpToLatest: true });
  }

  get channels(): ReturnType<typeof channelNames> {
    return this.#ch;
  }
  get link(): OrchLink | undefined {
    return this.#link;
  }
  get payments(): StartedOrchestrator['payments'] | undefined {
    return this.#started?.payments;
  }

  /** Starts on an orchestrator (throws when none can take it; the stream is then stopped), then relays. */
  async start(): Promise<void> {
    try {
      await this.#connect();
    } catch (err) {
      await this.stop({ code: 'GW_NO_ORCHESTRATORS', message: (err as Error).message });
      throw err;
    }
    this.state = 'running';
    void this.#inputLoop();
    void this.#superviseLoop();
  }

  async #connect(): Promise<void> {
    const params = this.#params;
    const started = await startOnOrchestrator(this.d.start, { modelId: this.modelId, params, streamId: this.name, gatewayRequestId: this.requestId }, this.#tried, this.#abort.signal);
    this.#started = started;
    this.#tried.add(started.session.url);
    this.#link = new OrchLink({
      started,
      clients: this.d.clients,
      output: this.#output,
      events: this.#events,
      log: this.d.log,
      keepaliveMs: this.d.keepaliveMs,
      eventTimeoutMs: this.d.eventTimeoutMs,
      ...(this.d.outputTimeoutMs === undefined ? {} : { outputTimeoutMs: this.d.outputTimeoutMs }),
      onStatus: (e) => (this.#lastStatus = e),
      onOutputSegment: () => this.#segmentsOut++,
    });
    // An update that came while the start was under way (no link to send it on): the orchestrator
    // was started with the params before it, so they follow on the control channel.
    if (this.#params !== params) void this.#link.sendParams(this.#params);
    this.d.log.info({ stream: this.name, orchestrator: started.session.url, manifestId: started.urls.manifestId }, 'live stream started on an orchestrator');
  }

  async #inputLoop(): Promise<void> {
    try {
      for (;;) {
        const seg = await this.#input.read(this.#abort.signal);
        if (!seg) return void this.stop({ code: 'GW_LIVE_INPUT_ENDED', message: 'the client ended the input' });
        this.#segmentsIn++;
        const link = this.#link;
        if (link) await link.publishInput(seg);
        else for await (const _ of seg) void _; // between orchestrators: live input is dropped
      }
    } catch (err) {
      if (!this.#abort.signal.aborted) void this.stop({ code: 'GW_LIVE_INPUT_ENDED', message: `reading the client input failed: ${(err as Error).message}` });
    }
  }

  /** go-livepeer's swapper: an orchestrator link ended while the input lives → the next one, within the limits. */
  async #superviseLoop(): Promise<void> {
    while (this.state !== 'stopped') {
      const link = this.#link;
      if (!link) return;
      const why = await link.ended;
      this.#keepTotals();
      this.#link = undefined;
      if ((this.state as LiveState) === 'stopped') return;
      if (why.code === 'GW_LIVE_INSUFFICIENT_BALANCE' || why.code === 'GW_LIVE_STOPPED') return void this.stop(why);
      const now = this.#now();
      const last = this.#swaps.at(-1);
      const window = this.d.recentSwapIntervalMs ?? RECENT_SWAP_INTERVAL_MS;
      if (last !== undefined && now - last >= window) this.#swaps = [];
      if (this.#swaps.length >= MAX_RECENT_SWAPS) {
        return void this.stop({ code: 'GW_LIVE_SWAP_LIMIT', message: `${this.#swaps.length + 1} orchestrator swaps with less than ${window / 1000} s between consecutive ones; last: ${why.message}` });
      }
      this.#swaps.push(now);
      this.d.start.pool.suspend(link.orchestrator, liveTarget(this.modelId, undefined).capability);
      this.d.log.warn({ stream: this.name, orchestrator: link.orchestrator, code: why.code }, `live stream swapping orchestrator: ${why.message}`);
      this.state = 'swapping';
      try {
        await this.#connect();
        this.#swapsMade++;
        this.state = 'running';
      } catch (err) {
        return void this.stop({ code: 'GW_NO_ORCHESTRATORS', message: `no orchestrator to swap to after ${why.message}: ${(err as Error).message}` });
      }
    }
  }

  /** The link's payments are final: added to the stream's totals once (the status keeps showing its sender). */
  #keepTotals(): void {
    const s = this.#started;
    if (!s || this.#counted === s) return;
    this.#counted = s;
    const t = s.payments.totals();
    const n = s.payments.snapshot();
    this.#prev.fees = this.#prev.fees.add(t.fees);
    this.#prev.sentEV = this.#prev.sentEV.add(t.sentEV);
    this.#prev.billedMs += t.billedMs;
    this.#prev.tickets += t.tickets;
    this.#prev.payments += n.payments;
    this.#prev.failed += n.failedPayments;
  }

  /** Forwards params on the control channel (cached: a swapped-to orchestrator starts with them). */
  async update(params: Record<string, unknown>): Promise<void> {
    this.#params = params;
    await this.#link?.sendParams(params);
  }

  /** Stops everything once; the reason is kept for status and written to the client's events channel. */
  async stop(reason: LiveEndReason = { code: 'GW_LIVE_STOPPED', message: 'stopped by the client' }): Promise<LiveEndReason> {
    if (this.#endReason) return this.done;
    this.#endReason = reason;
    this.state = 'stopped';
    this.endedAt = this.#now();
    this.#abort.abort();
    const link = this.#link;
    if (link) {
      const why = await link.stop(reason.message);
      if (why.code === 'GW_LIVE_INSUFFICIENT_BALANCE' && reason.code !== 'GW_LIVE_INSUFFICIENT_BALANCE') this.#endReason = why;
      this.#keepTotals();
      this.#link = undefined;
    }
    const r = this.#endReason;
    if (r.code === 'GW_LIVE_INSUFFICIENT_BALANCE') this.d.log.warn({ stream: this.name }, r.message);
    else this.d.log.info({ stream: this.name, code: r.code }, `live stream stopped: ${r.message}`);
    const ev = { queue_event_type: 'ai_stream_events', event: { type: 'stream_stopped', stream_id: this.name, code: r.code, message: r.message } };
    await this.#events.write(new TextEncoder().encode(JSON.stringify(ev))).catch(() => {});
    this.#input.close();
    for (const c of Object.values(this.#ch)) this.d.trickle.closeChannel(c);
    this.#finish(r);
    return r;
  }

  totals(): Totals {
    const s = this.#started;
    if (!s || this.#counted === s) return { ...this.#prev };
    const t = s.payments.totals();
    const n = s.payments.snapshot();
    const p = this.#prev;
    return { fees: p.fees.add(t.fees), sentEV: p.sentEV.add(t.sentEV), billedMs: p.billedMs + t.billedMs, tickets: p.tickets + t.tickets, payments: p.payments + n.payments, failed: p.failed + n.failedPayments };
  }

  /** go-livepeer's status answer: the last status event plus gateway_status (ours: the payments too). */
  status(): Record<string, unknown> {
    const s = this.#started;
    const pay = s?.payments.snapshot();
    const t = this.totals();
    const r = this.#endReason;
    const f = r?.insufficientBalance;
    return {
      ...(this.#lastStatus ?? {}),
      gateway_status: {
        stream_id: this.name,
        state: this.state,
        model_id: this.modelId,
        params: this.#params,
        orchestrator: s ? { url: s.session.url, transcoder: s.session.transcoder, manifest_id: s.urls.manifestId } : null,
        started_at: new Date(this.startedAt).toISOString(),
        ended_at: this.endedAt === undefined ? null : new Date(this.endedAt).toISOString(),
        swaps: this.#swapsMade,
        segments_in: this.#segmentsIn,
        segments_out: this.#segmentsOut,
        price_per_second_wei: s ? liveWeiPerSecond(s.session.price).toString() : null,
        billed_ms: t.billedMs.toString(),
        seconds_paid: `${t.billedMs / 1000n}.${(t.billedMs % 1000n).toString().padStart(3, '0')}`,
        fees_wei: t.fees.toString(),
        sent_ev_wei: t.sentEV.toString(),
        tickets_sent: t.tickets,
        balance_wei: t.sentEV.sub(t.fees).toString(),
        payments: t.payments,
        failed_payments: t.failed,
        last_payment_at: pay?.lastPaymentAt === undefined ? null : new Date(pay.lastPaymentAt).toISOString(),
        last_payment_error: pay?.lastError ?? null,
        stop_reason: r
          ? {
              code: r.code,
              message: r.message,
              ...(f
                ? {
                    insufficient_balance: {
                      cause: f.cause,
                      balance_wei: f.balance.toString(),
                      owed_wei: f.owed.toString(),
                      required_wei: f.required.toString(),
                      reserve_wei: f.reserve.toString(),
                      price_per_second_wei: f.pricePerSecond.toString(),
                      last_payment_at: f.lastPaymentAt === undefined ? null : new Date(f.lastPaymentAt).toISOString(),
                      stopped_at: f.stoppedAt === undefined ? null : new Date(f.stoppedAt).toISOString(),
                    },
                  }
                : {}),
            }
          : null,
      },
    };
  }
}
