// Live video-to-video end to end on the anvil devnet: our gateway → our orchestrator → the CPU live
// runner (real ffmpeg) → back, over real trickle on loopback (HTTP/2+TLS to the orchestrator), paid
// per second with real tickets at a 1 s interval.
// 1. ≥ 30 s of generated video with a grayscale filter, switched to hflip over `update`: the output
//    segments are video ffprobe reads, grey (no chroma) before the switch and in colour after it;
//    the orchestrator debits its billed seconds × price exactly, within one interval of the wall
//    time, and credits exactly the EV the gateway sent.
// 2. The gateway stops paying: the orchestrator stops the stream two intervals after the payment it
//    missed (no payment for three intervals), long before the preload is spent, and the gateway
//    reports insufficient_balance in the status and to the client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LIVE_PIXELS_PER_MS } from '../src/billing/index.js';
import { probeMedia } from '../src/media/index.js';
import { chromaSpread, decodeFrames, waitFor } from '../src/media/videoTestkit.js';
import { Rat } from '../src/money/index.js';
import { runLiveClient, updateLiveStream } from '../src/nodes/gateway/index.js';
import { startLocalNetwork, type LocalNetwork } from '../src/nodes/demo/network.js';

/** wei per second; at EV 1.4e14 a 1 s interval is ≈ 1.4 tickets (the sender's 1–3 aim). */
const PRICE_PER_SECOND = 200_000_000_000_000n;
const EV = 140_000_000_000_000n;
const INTERVAL_MS = 1000;
/** The preload: an unpaid stream would run dry after it; the overdue rule stops it well before. */
const PRELOAD_S = 12n;
/** The orchestrator's rule (live-receiver.ts): a payment may be two intervals late. */
const OVERDUE_MS = 3 * INTERVAL_MS;

let net: LocalNetwork;

before(async () => {
  net = await startLocalNetwork({
    models: [{ pipeline: 'live-video-to-video', modelId: 'noop', pricePerUnit: PRICE_PER_SECOND.toString(), capacity: 2 }],
    orchestrator: { ticketEV: EV, txCostMultiplier: 10n, autoAdjustPrice: false, livePaymentInterval: `${INTERVAL_MS}ms` },
    gateway: { livePaymentInterval: `${INTERVAL_MS}ms`, livePreloadSeconds: Number(PRELOAD_S), maxTicketEV: '200000000000000', maxTotalEV: '20000000000000000', logLevel: 'silent' },
  });
});

after(async () => {
  await net?.close();
});

const orch = () => net.orchestrators[0]!;
const liveUnits = () => orch().stats().units['live-video-to-video'] ?? 0n;

describe('live video-to-video on the devnet', { timeout: 240_000 }, () => {
  it('streams 32 s through the CPU runner, follows an update, and the money adds up to the wei', async (t) => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const outputs: Uint8Array[] = [];
    const before = { units: liveUnits(), fees: orch().stats().feesDebited, ev: orch().stats().evCredited };
    let updatedAt: number | undefined;
    const gw = { gateway: net.gateway.url, stream: 'paid' };
    const t0 = Date.now();
    const r = await runLiveClient({
      ...gw,
      modelId: 'noop',
      params: { filter: 'grayscale' },
      source: { testVideo: { seconds: 32 } },
      segmentSeconds: 1,
      onOutput: async (seq, data) => {
        outputs.push(data);
        if (seq === 10) {
          updatedAt = seq;
          await updateLiveStream(gw, { filter: 'hflip' });
        }
      },
    });
    const wallMs = Date.now() - t0;
    lag.disable();
    assert.equal(r.stopReason?.code, 'GW_LIVE_STOPPED', JSON.stringify(r.stopReason));
    assert.ok(r.segmentsIn >= 30, `${r.segmentsIn} segments in`);
    assert.ok(outputs.length >= 25, `${outputs.length} of ${r.segmentsIn} segments came back`);
    assert.equal(updatedAt, 10);

    // Transformed video: ffprobe reads it; grey before the update, colour well after it.
    for (const i of [2, 20]) {
      const p = await probeMedia(outputs[i]!);
      assert.ok(p.streams.some((s) => s.codecType === 'video'), `segment ${i}: ${JSON.stringify(p.streams)}`);
    }
    const spread = async (i: number) => Math.max(...(await decodeFrames(outputs[i]!, 320, 240)).map(chromaSpread));
    for (const i of [2, 5, 8]) assert.ok((await spread(i)) <= 3, `segment ${i} is grayscale`);
    for (const i of [outputs.length - 3, outputs.length - 2]) assert.ok((await spread(i)) > 20, `segment ${i} has colour after the update`);

    // The orchestrator's account, once it has closed the stream (it debits the last partial interval then).
    await waitFor(() => liveUnits() > before.units, 20_000, 'the orchestrator to settle the stream');
    const s = orch().stats();
    const pixels = liveUnits() - before.units;
    assert.equal(pixels % LIVE_PIXELS_PER_MS, 0n, 'whole milliseconds billed');
    const billedMs = pixels / LIVE_PIXELS_PER_MS;
    const debited = s.feesDebited.sub(before.fees);
    assert.ok(debited.eq(Rat.of(billedMs * PRICE_PER_SECOND, 1000n)), `debited ${debited} for ${billedMs} ms`);
    // Within one interval of the wall time the stream ran (start answered → stop answered).
    const ranMs = wallMs - r.startLatencyMs - r.stopLatencyMs;
    assert.ok(billedMs <= BigInt(wallMs), `billed ${billedMs} ms of ${wallMs} ms`);
    assert.ok(billedMs >= BigInt(ranMs - INTERVAL_MS), `billed ${billedMs} ms, the stream ran ${ranMs}–${wallMs} ms`);
    // Credited EV = sent EV, exactly.
    const g = r.status.gateway_status as Record<string, string>;
    assert.ok(s.evCredited.sub(before.ev).eq(Rat.parse(g.sent_ev_wei!)), `credited ${s.evCredited.sub(before.ev)} vs sent ${g.sent_ev_wei}`);
    // The gateway's own fees are what it billed, seconds × price.
    assert.ok(Rat.parse(g.fees_wei!).eq(Rat.of(BigInt(g.billed_ms!) * PRICE_PER_SECOND, 1000n)));
    // One payment per interval at most, plus the final one; and never more than two intervals late
    // (the orchestrator did not stop the stream), so at least one per OVERDUE_MS + the worst event-loop stall.
    const payments = Number(g.payments);
    const streamedMs = Number(g.billed_ms);
    t.diagnostic(`${payments} payments (${g.tickets_sent} tickets) in ${streamedMs} ms billed; worst stall ${(lag.max / 1e6).toFixed(0)} ms; ${outputs.length}/${r.segmentsIn} segments out`);
    assert.ok(payments <= Math.floor(streamedMs / INTERVAL_MS) + 1, `${payments} payments in ${streamedMs} ms`);
    assert.ok(payments >= Math.floor(streamedMs / (OVERDUE_MS + lag.max / 1e6)) - 1, `${payments} payments in ${streamedMs} ms (worst stall ${lag.max / 1e6} ms)`);
    assert.equal(g.failed_payments as unknown as number, 0);

    const sizes = net.gateway.sizes();
    assert.equal(sizes.liveStreams, 0);
    assert.equal(sizes.liveChannels, 0, 'every client channel closed');
  });

  it('an unpaid stream is stopped within two intervals of the payment it missed, and the gateway reports insufficient_balance', async (t) => {
    const gw = { gateway: net.gateway.url, stream: 'unpaid' };
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let payments: { snapshot(): { lastPaymentAt: number | undefined }; suspend(): void } | undefined;
    const r = await runLiveClient({
      ...gw,
      modelId: 'noop',
      params: { filter: 'edge' },
      source: { testVideo: { seconds: 90 } },
      segmentSeconds: 1,
      statusEveryMs: 250,
      onOutput: (seq) => {
        if (seq !== 1) return;
        payments = net.gateway.live.streams.get('unpaid')!.payments!;
        payments.suspend();
      },
    });
    lag.disable();
    assert.ok(payments !== undefined, 'payments were suspended');
    assert.equal(r.stopReason?.code, 'GW_LIVE_INSUFFICIENT_BALANCE', JSON.stringify(r.stopReason));
    const g = r.status.gateway_status as { stop_reason: { insufficient_balance: Record<string, string> } };
    const f = g.stop_reason.insufficient_balance;
    assert.equal(f.cause, 'payment_overdue', JSON.stringify(f));
    assert.ok(Rat.parse(f.balance_wei!).lt(Rat.parse(f.required_wei!)), JSON.stringify(f));
    assert.ok(Rat.parse(f.price_per_second_wei!).eq(PRICE_PER_SECOND));
    // Long before the preload ran out: the balance still held more than half of it.
    assert.ok(Rat.parse(f.balance_wei!).gt(Rat.from((PRELOAD_S / 2n) * PRICE_PER_SECOND)), JSON.stringify(f));
    // The timing, on the gateway's clock for its last accepted payment and the orchestrator's for
    // its decision (one process, one clock): not before three intervals without a payment, and no
    // later than that plus the payment's own trip and the worst event-loop stall measured.
    const sentAt = payments.snapshot().lastPaymentAt!;
    const creditedAt = Date.parse(f.last_payment_at!);
    const stoppedAt = Date.parse(f.stopped_at!);
    const stallMs = lag.max / 1e6;
    assert.ok(creditedAt >= sentAt - 1, `credited ${creditedAt - sentAt} ms after it was sent`);
    assert.ok(stoppedAt - sentAt >= OVERDUE_MS, `stopped ${stoppedAt - sentAt} ms after the last payment`);
    // The stop comes at the deadline, or — when the stream was still paid ahead then (a payment the
    // orchestrator credited but the gateway did not count, or EV rounding) — the moment its credit
    // beyond the reserve ran out: never at a later interval pass. That moment, from the figures:
    // at the stop, balance − owed − reserve is the credit beyond the reserve (now below zero).
    const aheadWei = Rat.parse(f.balance_wei!).sub(Rat.parse(f.owed_wei!)).sub(Rat.parse(f.reserve_wei!));
    assert.ok(aheadWei.lt(Rat.ZERO), `stopped while paid ahead: ${aheadWei.toString()} wei`);
    const paidThrough = stoppedAt + Number(aheadWei.mul(1000n).div(Rat.from(PRICE_PER_SECOND)).floor());
    const due = Math.max(creditedAt + OVERDUE_MS, paidThrough);
    assert.ok(stoppedAt - due <= stallMs + 100, `stopped ${stoppedAt - due} ms after its deadline (worst stall ${stallMs} ms; paid through +${paidThrough - creditedAt} ms)`);
    t.diagnostic(`last payment sent → credited ${creditedAt - sentAt} ms → stopped ${stoppedAt - creditedAt} ms (rule: > ${OVERDUE_MS} ms; paid through +${paidThrough - creditedAt} ms); worst stall ${stallMs.toFixed(0)} ms; balance ${f.balance_wei} of reserve ${f.reserve_wei}`);
    assert.ok(r.segmentsIn < 30, `stopped long before the input ended: ${r.segmentsIn} segments in`);
    await waitFor(() => net.gateway.sizes().liveChannels === 0, 10_000, 'the client channels to close');
  });
});
