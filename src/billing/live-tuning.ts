// Ticket EV auto-tuning for live payments (issue 11 point 6). The gateway cannot choose the
// orchestrator's ticket EV (O sets it with -ticketEV and sizes face value from our reserve). The
// sender pays every interval (the orchestrator stops a stream whose payments stop: live-receiver.ts),
// with tickets only when its view of the credit needs them (go-livepeer's StageUpdate), so tickets
// go about every k intervals. This computes k and says when the aim of 1–3 tickets per
// ticket-carrying payment cannot be met:
//   r = fee of one interval / ticket EV
//   r ≥ 1 → tickets every interval, ceil(r) of them (more than 3 when EV is small for the price: the
//           interval is the shortest cadence, so it says so);
//   r < 1 → one ticket about every k = ceil(1/r) intervals, ticketless payments between; when k
//           exceeds preload / (2 · interval), one ticket is worth more than half the initial
//           payment's cover, each ticket prepays that much, and it says so (k is reported capped).
// A payment never carries more than `maxTicketsPerPayment` (the Livepeer-Payment header limit and
// -maxTotalEV / EV); when one interval needs more, payments fall behind and it says so.
import { Rat } from '../money/index.js';

export interface LiveTuningInput {
  /** Fee of one payment interval at the session price (wei). */
  feePerInterval: Rat;
  /** EV of one ticket (wei); zero offchain. */
  ticketEV: Rat;
  intervalMs: number;
  /** How long the initial payment covers (60 s in go-livepeer). */
  preloadMs: number;
  maxTicketsPerPayment: number;
}

export interface LiveTuning {
  /** Tickets go about once every this many intervals (≥ 1; payments go every interval). */
  everyIntervals: number;
  /** Tickets a payment carries on average (fee of `everyIntervals` intervals / EV); 0 without tickets. */
  ticketsPerPayment: Rat;
  /** Why the 1–3 tickets per payment aim cannot be met, for the log; undefined when it is. */
  warning: string | undefined;
}

/** Payments aim for at most this many tickets each. */
export const TARGET_MAX_TICKETS = 3;

export function tuneLivePayments(t: LiveTuningInput): LiveTuning {
  if (!(t.intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${t.intervalMs}`);
  if (!t.ticketEV.gt(0n) || !t.feePerInterval.gt(0n)) return { everyIntervals: 1, ticketsPerPayment: Rat.ZERO, warning: undefined };
  const r = t.feePerInterval.div(t.ticketEV);
  const secs = (ms: number): string => (ms / 1000).toString();
  if (r.gte(1n)) {
    const need = r.ceil();
    if (need > BigInt(t.maxTicketsPerPayment)) {
      return {
        everyIntervals: 1,
        ticketsPerPayment: r,
        warning:
          `one ${secs(t.intervalMs)} s interval needs ${need} tickets of EV ${t.ticketEV.toString()} wei, above the ${t.maxTicketsPerPayment} one payment may carry: ` +
          'payments fall behind and the orchestrator\'s balance runs down; ask the orchestrator for a larger -ticketEV, or raise -maxTotalEV',
      };
    }
    if (r.gt(BigInt(TARGET_MAX_TICKETS))) {
      return {
        everyIntervals: 1,
        ticketsPerPayment: r,
        warning: `one ${secs(t.intervalMs)} s interval needs ${need} tickets of EV ${t.ticketEV.toString()} wei (aim: 1–${TARGET_MAX_TICKETS}); payments cannot be more frequent than -livePaymentInterval: the orchestrator's -ticketEV is small for this price`,
      };
    }
    return { everyIntervals: 1, ticketsPerPayment: r, warning: undefined };
  }
  const wanted = t.ticketEV.div(t.feePerInterval).ceil();
  const maxK = BigInt(Math.max(1, Math.floor(t.preloadMs / (2 * t.intervalMs))));
  if (wanted > maxK) {
    return {
      everyIntervals: Number(maxK),
      ticketsPerPayment: r.mul(maxK),
      warning:
        `one ticket (EV ${t.ticketEV.toString()} wei) is worth ${wanted} intervals of ${secs(t.intervalMs)} s, more than half the initial payment's ${secs(t.preloadMs)} s: ` +
        `each ticket prepays up to ${wanted} intervals; ask the orchestrator for a smaller -ticketEV`,
    };
  }
  return { everyIntervals: Number(wanted), ticketsPerPayment: r.mul(wanted), warning: undefined };
}
