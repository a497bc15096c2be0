// The trickle server's state: channels by name, their byte and count caps, the idle sweep, and the
// in-process API (create/close channels, local publishers and subscribers) the orchestrator uses.
// HTTP is a separate layer (http.ts) over this; mount.ts puts it on fastify or a plain node server.
import { Channel } from './channel.js';
import { TrickleError } from './errors.js';
import { LocalPublisher, LocalSubscriber, type LocalSubscriberOptions } from './local.js';

export interface TrickleServerOptions {
  /** Create a channel on its first POST (the standalone server); off for the orchestrator. */
  autocreate?: boolean;
  /** A channel with no segment written for this long is closed (go-livepeer: 5 min). */
  idleTimeoutMs?: number;
  /** How often idle channels are looked for (go-livepeer: 1 min). */
  sweepIntervalMs?: number;
  /** The largest segment accepted; a POST past it is cut off with 413. Default 32 MiB. */
  maxSegmentBytes?: number;
  /** The most channels held at once. Default 1024. */
  maxChannels?: number;
  /** A closed channel's segments are kept this long at most for readers still inside them. Default 30 s. */
  retireGraceMs?: number;
  /** While a POST has sent no byte yet, a 100 Continue goes out this often (go-livepeer: 10 s). */
  firstByteKeepaliveMs?: number;
  /** Notified of channel lifecycle events (logging). */
  onEvent?: (e: { type: 'created' | 'closed' | 'idle-closed'; channel: string }) => void;
}

export const TRICKLE_DEFAULTS = {
  idleTimeoutMs: 5 * 60_000,
  sweepIntervalMs: 60_000,
  maxSegmentBytes: 32 * 1024 * 1024,
  maxChannels: 1024,
  retireGraceMs: 30_000,
  firstByteKeepaliveMs: 10_000,
} as const;

export class TrickleServer {
  private readonly channels = new Map<string, Channel>();
  private heldBytes = 0;
  private sweepTimer: NodeJS.Timeout | undefined;
  readonly autocreate: boolean;
  readonly idleTimeoutMs: number;
  readonly maxSegmentBytes: number;
  readonly maxChannels: number;
  readonly firstByteKeepaliveMs: number;
  private readonly retireGraceMs: number;
  private stopped = false;
  /** Requests answered by the HTTP routes, by method (for metrics and tests). */
  readonly requests = { GET: 0, POST: 0, DELETE: 0 };

  constructor(private readonly opts: TrickleServerOptions = {}) {
    this.autocreate = opts.autocreate ?? false;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? TRICKLE_DEFAULTS.idleTimeoutMs;
    this.maxSegmentBytes = opts.maxSegmentBytes ?? TRICKLE_DEFAULTS.maxSegmentBytes;
    this.maxChannels = opts.maxChannels ?? TRICKLE_DEFAULTS.maxChannels;
    this.retireGraceMs = opts.retireGraceMs ?? TRICKLE_DEFAULTS.retireGraceMs;
    this.firstByteKeepaliveMs = opts.firstByteKeepaliveMs ?? TRICKLE_DEFAULTS.firstByteKeepaliveMs;
    const every = opts.sweepIntervalMs ?? TRICKLE_DEFAULTS.sweepIntervalMs;
    this.sweepTimer = setInterval(() => this.sweepIdle(), every);
    this.sweepTimer.unref();
  }

  /** Creates a channel (in-process; no autocreate needed). Throws TRICKLE_CHANNEL_EXISTS / TRICKLE_TOO_MANY_CHANNELS. */
  createChannel(name: string, mime = 'application/octet-stream'): void {
    if (this.channels.has(name)) throw new TrickleError('TRICKLE_CHANNEL_EXISTS', `trickle channel "${name}" already exists`, { status: 409 });
    this.addChannel(name, mime);
  }

  /** The channel, created when it is missing and `create` allows; undefined otherwise. */
  channel(name: string, create?: { mime: string }): Channel | undefined {
    const c = this.channels.get(name);
    if (c || !create) return c;
    return this.addChannel(name, create.mime);
  }

  private addChannel(name: string, mime: string): Channel {
    if (this.stopped) throw new TrickleError('TRICKLE_CLOSED', 'the trickle server is stopped', { status: 503 });
    if (!isChannelName(name)) throw new TrickleError('TRICKLE_BAD_URL', `"${name}" is not a channel name (1–128 of A-Z a-z 0-9 _ - .)`, { status: 400 });
    if (this.channels.size >= this.maxChannels) {
      throw new TrickleError('TRICKLE_TOO_MANY_CHANNELS', `the trickle server holds its maximum of ${this.maxChannels} channels`, { status: 503 });
    }
    const c = new Channel(name, mime, { maxSegmentBytes: this.maxSegmentBytes, retireGraceMs: this.retireGraceMs }, (d) => (this.heldBytes += d), Date.now());
    this.channels.set(name, c);
    this.opts.onEvent?.({ type: 'created', channel: name });
    return c;
  }

  /** Closes a channel: readers finish what was written, waiting ones see EOS; then it is gone (404). */
  closeChannel(name: string): boolean {
    const c = this.channels.get(name);
    if (!c) return false;
    c.close();
    this.channels.delete(name);
    this.opts.onEvent?.({ type: 'closed', channel: name });
    return true;
  }

  hasChannel(name: string): boolean {
    return this.channels.has(name);
  }

  /** An in-process publisher on `name` (which must exist). */
  localPublisher(name: string): LocalPublisher {
    return new LocalPublisher(this, name);
  }

  /** An in-process subscriber on `name` (default start -1, the next segment). */
  localSubscriber(name: string, opts: LocalSubscriberOptions = {}): LocalSubscriber {
    return new LocalSubscriber(this, name, opts);
  }

  /** Bytes the server holds in segments (window and retiring ones), for limits and tests. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Closes channels idle longer than idleTimeoutMs (names starting `_` are exempt). */
  sweepIdle(now = Date.now()): string[] {
    const closed: string[] = [];
    for (const [name, c] of this.channels) {
      if (name.startsWith('_')) continue;
      if (now - c.writeTime > this.idleTimeoutMs) {
        this.closeChannel(name);
        closed.push(name);
        this.opts.onEvent?.({ type: 'idle-closed', channel: name });
      }
    }
    return closed;
  }

  /** Stops the sweep and closes every channel. */
  close(): void {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const name of [...this.channels.keys()]) this.closeChannel(name);
  }
}

export function isChannelName(s: string): boolean {
  return /^[A-Za-z0-9_.-]{1,128}$/.test(s) && s !== '.' && s !== '..';
}
