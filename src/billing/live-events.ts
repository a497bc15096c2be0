// The `insufficient_balance` event an orchestrator writes on a live stream's `<mid>-events` channel
// before it stops the stream for lack of credit (go-livepeer stops silently, and the gateway only
// sees its trickle reads fail: #3623 asked for the reason). Shaped like the runner's events
// (pytrickle: `{"queue_event_type", "event": {"type", …}}`), so a go-livepeer gateway forwards it
// as any other event, and ours reads the figures back with readInsufficientBalanceEvent.
// Amounts are exact wei as Rat strings ("n" or "n/d"): a fee for whole ms can be a fraction of a wei.
import { Rat, type PriceInfo } from '../money/index.js';

export const INSUFFICIENT_BALANCE_EVENT = 'insufficient_balance';
/** go-livepeer's queue for events that are not status (the runner's own events go there too). */
export const LIVE_EVENTS_QUEUE = 'ai_stream_events';

/**
 * Which rule stopped the stream (live-receiver.ts): the credit could not pay the interval that came
 * due, or no payment came for (1 + grace) intervals and the credit beyond the stream's reserve
 * was used up.
 */
export type LiveStopCause = 'credit_exhausted' | 'payment_overdue';

/** Why a live stream was stopped, with the numbers that decided it. */
export interface InsufficientBalance {
  manifestId: string;
  sender: string;
  cause: LiveStopCause;
  /** The stream's credit when the interval came due (wei, exact; 0 when there was no entry). */
  balance: Rat;
  /** What the interval's stream time cost (wei, exact). */
  owed: Rat;
  /** What the balance had to hold to go on: `owed`; overdue: owed + reserve. */
  required: Rat;
  /** required − balance. */
  shortfall: Rat;
  /** The start payment's credit, held back from an unpaid stream (wei, exact). */
  reserve: Rat;
  /** The stream's price per second (wei, exact) and its wire form (per 720p30 pixel). */
  pricePerSecond: Rat;
  price: PriceInfo;
  /** Unix ms of the last payment credited to the stream (the start payment counts); undefined: none. */
  lastPaymentAt: number | undefined;
  /** Unix ms when the orchestrator decided the stop; undefined in an event that does not say. */
  stoppedAt: number | undefined;
  /** Stream time billed, ms, the unpaid interval included. */
  billedMs: bigint;
  /** Wei credited to the stream and debited from it since it started (exact). */
  credited: Rat;
  debited: Rat;
}

/** The JSON written on `<mid>-events` (one segment). */
export function insufficientBalanceEvent(f: InsufficientBalance): { queue_event_type: string; event: Record<string, unknown> } {
  return {
    queue_event_type: LIVE_EVENTS_QUEUE,
    event: {
      type: INSUFFICIENT_BALANCE_EVENT,
      manifest_id: f.manifestId,
      sender: f.sender,
      cause: f.cause,
      balance_wei: f.balance.toString(),
      owed_wei: f.owed.toString(),
      required_wei: f.required.toString(),
      shortfall_wei: f.shortfall.toString(),
      reserve_wei: f.reserve.toString(),
      price_per_second_wei: f.pricePerSecond.toString(),
      price_info: { price_per_unit: f.price.pricePerUnit.toString(), pixels_per_unit: f.price.pixelsPerUnit.toString() },
      last_payment_at: f.lastPaymentAt === undefined ? null : new Date(f.lastPaymentAt).toISOString(),
      stopped_at: f.stoppedAt === undefined ? null : new Date(f.stoppedAt).toISOString(),
      billed_ms: f.billedMs.toString(),
      credited_wei: f.credited.toString(),
      debited_wei: f.debited.toString(),
      message:
        f.cause === 'payment_overdue'
          ? `stream ${f.manifestId} stopped: no payment since ${f.lastPaymentAt === undefined ? 'its start' : new Date(f.lastPaymentAt).toISOString()}, ` +
            `and its balance ${f.balance.toString()} wei does not cover its ${f.reserve.toString()} wei reserve and the time it streamed ` +
            `(${f.required.toString()} wei at ${f.pricePerSecond.toString()} wei/s); pay every interval`
          : `stream ${f.manifestId} stopped: its balance ${f.balance.toString()} wei does not cover the ${f.owed.toString()} wei ` +
            `its last interval cost at ${f.pricePerSecond.toString()} wei/s; pay more often or more per payment`,
    },
  };
}

function rat(v: unknown): Rat | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return Rat.parse(v);
  } catch {
    return undefined;
  }
}

function int(v: unknown): bigint | undefined {
  return typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : undefined;
}

/**
 * The figures of an `insufficient_balance` event (the wrapped form or a bare event object, as a
 * go-livepeer gateway accepts both), or undefined when `json` is another event or malformed.
 */
export function readInsufficientBalanceEvent(json: unknown): InsufficientBalance | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const wrapped = (json as { event?: unknown }).event;
  const e = (typeof wrapped === 'object' && wrapped !== null ? wrapped : json) as Record<string, unknown>;
  if (e.type !== INSUFFICIENT_BALANCE_EVENT) return undefined;
  const balance = rat(e.balance_wei);
  const owed = rat(e.owed_wei);
  const shortfall = rat(e.shortfall_wei);
  const pricePerSecond = rat(e.price_per_second_wei);
  const credited = rat(e.credited_wei);
  const debited = rat(e.debited_wei);
  const billedMs = int(e.billed_ms);
  const pi = e.price_info as { price_per_unit?: unknown; pixels_per_unit?: unknown } | undefined;
  const ppu = int(pi?.price_per_unit);
  const pxu = int(pi?.pixels_per_unit);
  const last = e.last_payment_at;
  const lastPaymentAt = typeof last === 'string' ? Date.parse(last) : undefined;
  const stoppedAt = typeof e.stopped_at === 'string' ? Date.parse(e.stopped_at) : undefined;
  // Fields added after the first version of the event: read when present.
  const cause: LiveStopCause = e.cause === 'payment_overdue' ? 'payment_overdue' : 'credit_exhausted';
  const required = e.required_wei === undefined ? owed : rat(e.required_wei);
  const reserve = e.reserve_wei === undefined ? Rat.ZERO : rat(e.reserve_wei);
  if (!balance || !owed || !required || !shortfall || !reserve || !pricePerSecond || !credited || !debited || billedMs === undefined || ppu === undefined || !pxu) return undefined;
  if (stoppedAt !== undefined && Number.isNaN(stoppedAt)) return undefined;
  if (typeof e.manifest_id !== 'string' || typeof e.sender !== 'string') return undefined;
  if (last !== null && (lastPaymentAt === undefined || Number.isNaN(lastPaymentAt))) return undefined;
  return {
    manifestId: e.manifest_id,
    sender: e.sender,
    cause,
    balance,
    owed,
    required,
    shortfall,
    reserve,
    pricePerSecond,
    price: { pricePerUnit: ppu, pixelsPerUnit: pxu },
    lastPaymentAt,
    stoppedAt,
    billedMs,
    credited,
    debited,
  };
}
