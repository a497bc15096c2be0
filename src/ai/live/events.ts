// Events on the events channel in pytrickle's shape: one JSON object per trickle segment,
// {"event": {"type", "timestamp" (ms), …}, "queue_event_type": "ai_stream_events"} (heartbeats go
// to "stream_heartbeat"). Writes are serialised so events arrive in the order they were emitted;
// the queue is bounded (a stuck events channel drops the oldest waiting event, never grows).
import type { TricklePublisher } from '../../media/index.js';

export const EVENTS_QUEUE = 'ai_stream_events';
export const HEARTBEAT_QUEUE = 'stream_heartbeat';
const MAX_QUEUED = 64;

export interface LiveEvent {
  event: { type: string; timestamp: number; [k: string]: unknown };
  queue_event_type: string;
}

export function liveEvent(type: string, fields: Record<string, unknown> = {}, queue = EVENTS_QUEUE): LiveEvent {
  return { event: { type, timestamp: Date.now(), ...fields }, queue_event_type: queue };
}

export class EventSink {
  private readonly queue: LiveEvent[] = [];
  private pumping: Promise<void> | undefined;
  private closed = false;
  /** Events dropped because the queue was full or a write failed. */
  dropped = 0;
  /** Events written. */
  sent = 0;

  constructor(
    private readonly pub: TricklePublisher | undefined,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  emit(ev: LiveEvent): void {
    if (!this.pub || this.closed) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(ev);
    this.pumping ??= this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (let ev = this.queue.shift(); ev; ev = this.queue.shift()) {
        try {
          await this.pub!.write(new TextEncoder().encode(JSON.stringify(ev)));
          this.sent++;
        } catch (err) {
          this.dropped++;
          this.onError(err);
        }
      }
    } finally {
      this.pumping = undefined;
    }
  }

  /** Waits for what was emitted to be written, then stops taking events. */
  async flush(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const pending = this.pumping;
    if (pending) await Promise.race([pending, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    if (timer) clearTimeout(timer);
    this.closed = true;
    this.queue.length = 0;
  }
}
