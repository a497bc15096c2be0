// One live video-to-video stream on the orchestrator, from its paid start to its stop: the four
// trickle channels (go-livepeer StartLiveVideoToVideo: `<mid>` in, `<mid>-out`, `<mid>-control`,
// `<mid>-events`), the runner slot, the watcher on the input channel, and its per-second account
// (billing's LivePaymentReceiver). Every way a stream ends goes through `stop`, which closes the
// channels (that is what stops the runner: its trickle subscription ends, as with go-livepeer's
// closeSession), frees the slot, settles the account and forgets the stream.
import type { Logger } from 'pino';
import type { InsufficientBalance, LivePaymentReceiver, LiveStreamView } from '../../billing/index.js';
import { insufficientBalanceEvent } from '../../billing/index.js';
import type { Rat, PriceInfo } from '../../money/index.js';
import type { Lease } from './capacity.js';

/** The channels of a stream and their mime types (go-livepeer: video/MP2T and application/json). */
export function liveChannels(mid: string): { name: string; mime: string }[] {
  return [
    { name: mid, mime: 'video/MP2T' },
    { name: `${mid}-out`, mime: 'video/MP2T' },
    { name: `${mid}-control`, mime: 'application/json' },
    { name: `${mid}-events`, mime: 'application/json' },
  ];
}

/** What a live stream needs of the trickle server (live-trickle.ts implements it over src/media's). */
export interface LiveChannelHost {
  /** Creates a channel in-process (no autocreate). */
  createChannel(name: string, mime: string): void;
  /** Closes and removes a channel; readers finish what was written, then see the end. */
  closeChannel(name: string): void;
  /** Reads `name` segment after segment until it ends (EOS or removed) or `signal` aborts. */
  watch(name: string, signal: AbortSignal, onSegment: () => void): Promise<void>;
  /** Writes one segment at the channel's live edge (after whatever its other writer wrote). */
  publish(name: string, data: Uint8Array, signal: AbortSignal): Promise<void>;
}

export type LiveEndReason = 'insufficient_balance' | 'input_ended' | 'runner_failed' | 'shutdown';

export interface LiveStreamStart {
  mid: string;
  /** undefined offchain (nothing is accounted). */
  sender: string | undefined;
  price: PriceInfo;
  /** What the start payment credited to (sender, mid). */
  credited: Rat;
  lease: Lease;
  modelId: string;
}

/** Bound on writing the insufficient_balance event before the channels close anyway. */
export const EVENT_WRITE_TIMEOUT_MS = 2_000;
/** How long a stream's events channel stays readable after it was stopped for insufficient balance. */
const EVENTS_GRACE_MS = 3_000;

interface Live {
  start: LiveStreamStart;
  stop: AbortController;
  segmentsIn: number;
  startedAt: number;
}

export class LiveStreams {
  readonly #streams = new Map<string, Live>();
  /** Events channels of streams stopped for insufficient balance, closed after EVENTS_GRACE_MS. */
  readonly #closing = new Map<NodeJS.Timeout, string>();

  constructor(
    private readonly o: {
      channels: LiveChannelHost;
      receiver: LivePaymentReceiver;
      log: Logger;
      onEnd?: (mid: string, reason: LiveEndReason, account: LiveStreamView | undefined) => void;
    },
  ) {}

  get size(): number {
    return this.#streams.size;
  }

  has(mid: string): boolean {
    return this.#streams.has(mid);
  }

  /** The stream's sender (lower-cased for comparison by the caller), or undefined when unknown. */
  senderOf(mid: string): string | undefined {
    return this.#streams.get(mid)?.start.sender;
  }

  /**
   * Creates the channels and starts watching the input. The stream is not accounted until
   * `running` (after the runner accepted it). On any throw here nothing is left behind.
   */
  open(start: LiveStreamStart): void {
    const { mid } = start;
    if (this.#streams.has(mid)) throw new RangeError(`live stream ${mid} exists`);
    const created: string[] = [];
    try {
      for (const c of liveChannels(mid)) {
        this.o.channels.createChannel(c.name, c.mime);
        created.push(c.name);
      }
    } catch (err) {
      for (const n of created) this.o.channels.closeChannel(n);
      throw err;
    }
    const live: Live = { start, stop: new AbortController(), segmentsIn: 0, startedAt: Date.now() };
    this.#streams.set(mid, live);
    // go-livepeer's payment watcher: a subscriber on the input channel; its end ends the stream.
    void this.o.channels
      .watch(mid, live.stop.signal, () => void live.segmentsIn++)
      .then(
        () => this.stop(mid, 'input_ended'),
        (err: unknown) => {
          if (!live.stop.signal.aborted) this.o.log.info({ mid, err: (err as Error).message }, 'live input watch failed');
          this.stop(mid, 'input_ended');
        },
      );
  }

  /** The runner took the stream: per-second accounting starts now (priced streams with a sender). */
  running(mid: string): void {
    const live = this.#streams.get(mid);
    if (!live) return;
    const { sender, price, credited } = live.start;
    if (sender === undefined) return;
    this.o.receiver.open(
      { manifestId: mid, sender, price },
      {
        onInsufficientBalance: (f) => this.#tellGateway(live, f),
        onStop: () => this.stop(mid, 'insufficient_balance'),
      },
      credited,
    );
  }

  view(mid: string): LiveStreamView | undefined {
    return this.o.receiver.view(mid);
  }

  /** A `/payment` credited `amount` to the stream. */
  noteCredit(mid: string, amount: Rat): void {
    this.o.receiver.noteCredit(mid, amount);
  }

  /** Ends a stream. Idempotent; returns false when it was not running. */
  stop(mid: string, reason: LiveEndReason): boolean {
    const live = this.#streams.get(mid);
    if (!live) return false;
    this.#streams.delete(mid);
    live.stop.abort(new Error(`live stream ${mid} ended: ${reason}`));
    for (const c of liveChannels(mid)) {
      // The gateway learns why only from the events channel, and it reads that after its other
      // links have closed: a DELETE of it at once could beat the gateway's GET (a 404, the reason
      // lost, and the gateway swapping instead of reporting). It stays readable a little longer.
      if (reason === 'insufficient_balance' && c.name === `${mid}-events`) this.#closeLater(c.name);
      else this.o.channels.closeChannel(c.name);
    }
    live.start.lease.release();
    const account = this.o.receiver.close(mid);
    this.o.log.info(
      { mid, reason, segmentsIn: live.segmentsIn, billedMs: account?.billedMs.toString(), debited: account?.debited.toString(), credited: account?.credited.toString() },
      'live stream ended',
    );
    this.o.onEnd?.(mid, reason, account);
    return true;
  }

  closeAll(): void {
    for (const mid of [...this.#streams.keys()]) this.stop(mid, 'shutdown');
    for (const [t, name] of this.#closing) {
      clearTimeout(t);
      this.o.channels.closeChannel(name);
    }
    this.#closing.clear();
  }

  /** Closes a channel after EVENTS_GRACE_MS (tracked: closeAll closes it at once). */
  #closeLater(name: string): void {
    const t = setTimeout(() => {
      this.#closing.delete(t);
      this.o.channels.closeChannel(name);
    }, EVENTS_GRACE_MS);
    t.unref();
    this.#closing.set(t, name);
  }

  async #tellGateway(live: Live, f: InsufficientBalance): Promise<void> {
    const { mid } = live.start;
    this.o.log.warn(
      { mid, sender: f.sender, balance: f.balance.toString(), owed: f.owed.toString(), pricePerSecond: f.pricePerSecond.toString(), lastPaymentAt: f.lastPaymentAt },
      'live stream out of credit: stopping it',
    );
    const data = new TextEncoder().encode(JSON.stringify(insufficientBalanceEvent(f)));
    const bound = new AbortController();
    const timer = setTimeout(() => bound.abort(new Error(`not written within ${EVENT_WRITE_TIMEOUT_MS} ms`)), EVENT_WRITE_TIMEOUT_MS);
    try {
      await this.o.channels.publish(`${mid}-events`, data, AbortSignal.any([live.stop.signal, bound.signal]));
    } catch (err) {
      this.o.log.warn({ mid, err: (err as Error).message }, 'could not write insufficient_balance on the events channel');
    } finally {
      clearTimeout(timer);
    }
  }
}
