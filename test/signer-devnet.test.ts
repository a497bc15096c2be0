// The remote signer end to end on the anvil devnet: the real signer (createRemoteSigner composed as
// the CLI composes it, over the chain and a SQLite replay store in its data dir, behind the real
// signer HTTP node on 127.0.0.1) pays for a gateway that holds no key (-remoteSignerUrl), in front
// of our orchestrator with the CPU live runner (real ffmpeg) and the CPU reference runners.
// 1. A ≥ 30 s live video-to-video stream paid through the signer, the signer restarted mid-stream
//    (closed, then started again over the same data dir on the same port): the orchestrator credits
//    exactly the EV the signer signed, debits billed seconds × price exactly, accepts every ticket
//    (no duplicate nonce), and the gateway's signer state carries on (same StateID, one sequence
//    number per signed call, no 409).
// 2. Batch text-to-image jobs paid through the signer: 200, credited exactly what the signer signed.
// 3. The signer's own 480 (ticket params expired after mining blocks), 481 (the orchestrator's price
//    above the signer's -maxPricePerCapability) and 482 (the state's credit already covers the job,
//    batch and live), each handled by our gateway. The live 482 found a bug: the gateway sent
//    nothing until the 482's retryAfterMs, longer than our orchestrator waits for a payment, and the
//    stream was stopped (payment_overdue); it now sends the interval's ticketless payment meanwhile.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LIVE_PIXELS_PER_MS, LIVE_PIXELS_PER_SECOND } from '../src/billing/index.js';
import { createSignerService } from '../src/cli/signer-service.js';
import { parsePriceLimits } from '../src/market/index.js';
import { waitFor } from '../src/media/videoTestkit.js';
import { Rat } from '../src/money/index.js';
import { startLocalNetwork, type LocalNetwork } from '../src/nodes/demo/network.js';
import { runLiveClient, startGateway, type GatewayHandle, type SignerLivePaymentSender } from '../src/nodes/gateway/index.js';
import { startSignerNode, type SignerMetricsSnapshot, type SignerNodeHandle } from '../src/nodes/signer/index.js';

/** wei per second; at EV 1.4e14 a 1 s interval is ≈ 1.4 tickets, so a live call always signs (never 482). */
const PRICE_PER_SECOND = 200_000_000_000_000n;
const EV = 140_000_000_000_000n;
/** A second live model at EV / 5 per second: a 1 s cycle's fee is below one ticket, so the signer answers 482s. */
const LOW_PRICE_PER_SECOND = EV / 5n;
const INTERVAL_MS = 1000;
/** The signer's lv2v preload (go-livepeer: 60 s), paid with the first call. */
const PRELOAD_PIXELS = 60n * LIVE_PIXELS_PER_SECOND;
/** text-to-image, wei per output pixel: "cheap" within every ceiling, "dear" above the signer's. */
const CHEAP_PRICE = 1n;
const DEAR_PRICE = 1000n;
const DEAR_CEILING = 100n;
const JOB_PIXELS = 64n * 64n;

let net: LocalNetwork;
let signer: SignerNodeHandle;
let gw: GatewayHandle;
let signerDir: string;
/** Metrics of signer nodes already closed (a restarted node counts from zero). */
const closedSnapshots: SignerMetricsSnapshot[] = [];

const limits = parsePriceLimits({
  maxPricePerUnit: '0',
  pixelsPerUnit: '1',
  maxPricePerCapability: JSON.stringify({ capabilities_prices: [{ pipeline: 'text-to-image', model_id: 'dear', price_per_unit: Number(DEAR_CEILING), pixels_per_unit: 1 }] }),
});

/** The signer as `livepeer-ts signer` composes it, on `port` (0: any), over the data dir's replay store. */
async function startSigner(port: number): Promise<SignerNodeHandle> {
  const key = net.devnet.accounts.find((a) => a.role === 'gateway')!.privateKey;
  return startSignerNode({
    httpAddr: `127.0.0.1:${port}`,
    priceLimits: limits,
    logLevel: 'silent',
    service: (seams) =>
      createSignerService(
        {
          network: 'devnet',
          ethUrl: net.devnet.rpcUrl,
          ethController: net.devnet.controller,
          privateKey: key,
          dataDir: signerDir,
          storeUrl: undefined,
          priceLimits: limits,
          maxTicketEV: 200_000_000_000_000n,
          maxTotalEV: 20_000_000_000_000_000n,
          depositMultiplier: 1n,
          statelessSigner: false,
          maxSpendPerSession: undefined,
          maxSpendPerAuthId: undefined,
          maxSpendAuthIdWindowMs: 86_400_000,
          maxSpendTotal: undefined,
        },
        seams,
      ),
  });
}

/** What every signer node so far reported: calls by status, tickets, EV (exact). */
function signerTotals(): { calls: Record<string, number>; tickets: number; ev: Rat } {
  const calls: Record<string, number> = {};
  let tickets = 0;
  let ev = Rat.ZERO;
  for (const s of [...closedSnapshots, signer.metrics.snapshot()]) {
    for (const [k, v] of Object.entries(s.callsByStatus)) calls[k] = (calls[k] ?? 0) + v;
    tickets += s.ticketsSigned;
    ev = ev.add(s.evSigned);
  }
  return { calls, tickets, ev };
}

interface StateJson {
  StateID: string;
  SequenceNumber: number;
  Balance: string;
  SenderNonce: number;
}
const decodeState = (s: { State: string } | undefined): StateJson | undefined => (s ? (JSON.parse(Buffer.from(s.State, 'base64').toString('utf8')) as StateJson) : undefined);

before(async () => {
  net = await startLocalNetwork({
    models: [
      { pipeline: 'live-video-to-video', modelId: 'noop', pricePerUnit: PRICE_PER_SECOND.toString(), capacity: 2 },
      { pipeline: 'live-video-to-video', modelId: 'noop-low', pricePerUnit: LOW_PRICE_PER_SECOND.toString(), capacity: 2 },
      { pipeline: 'text-to-image', modelId: 'cheap', pricePerUnit: CHEAP_PRICE.toString() },
      { pipeline: 'text-to-image', modelId: 'dear', pricePerUnit: DEAR_PRICE.toString() },
    ],
    orchestrator: { ticketEV: EV, txCostMultiplier: 10n, autoAdjustPrice: false, livePaymentInterval: `${INTERVAL_MS}ms` },
    gateway: { logLevel: 'silent' },
  });
  // The network's own gateway pays with a local key: this file's gateway has none, so it goes.
  await net.gateway.close();
  signerDir = mkdtempSync(join(tmpdir(), 'livepeer-ts-signer-devnet-'));
  signer = await startSigner(0);
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr: net.orchestrators.map((o) => o.url),
    network: 'devnet',
    ethUrl: net.devnet.rpcUrl,
    ethController: net.devnet.controller,
    remoteSignerUrl: signer.url,
    livePaymentInterval: `${INTERVAL_MS}ms`,
    discoveryRefreshMs: 0,
    logLevel: 'silent',
  });
});

after(async () => {
  await gw?.close();
  await signer?.close();
  await net?.close();
  if (signerDir) rmSync(signerDir, { recursive: true, force: true });
});

const orch = () => net.orchestrators[0]!;
const liveUnits = () => orch().stats().units['live-video-to-video'] ?? 0n;

describe('the gateway paying through the real remote signer on the devnet', { timeout: 120_000 }, () => {
  it('has no key of its own: its address is the signer\'s', () => {
    assert.equal(gw.address, signer.address);
    assert.equal(gw.address, net.devnet.accounts.find((a) => a.role === 'gateway')!.address);
  });

  it('streams ≥ 30 s paid through the signer, survives a signer restart, and the money adds up to the wei', async (t) => {
    const o0 = orch().stats();
    const s0 = signerTotals();
    let payments: SignerLivePaymentSender | undefined;
    let beforeRestart: StateJson | undefined;
    let restartMs = 0;
    // The restart, mid-stream: once the stream has been paid through the signer a few times, close
    // the node and its service, and start a new one over the same data dir on the same port.
    let cancelled = false;
    const restart = (async () => {
      await waitFor(() => {
        if (cancelled) throw new Error('the stream ended before the restart');
        return (signerTotals().calls['200'] ?? 0) >= (s0.calls['200'] ?? 0) + 10;
      }, 30_000, 'ten signed live payments');
      payments = gw.live.streams.get('paid')!.payments as unknown as SignerLivePaymentSender;
      const port = signer.port;
      const t0 = Date.now();
      const old = signer;
      await old.close();
      closedSnapshots.push(old.metrics.snapshot());
      beforeRestart = decodeState(payments.session.state);
      signer = await startSigner(port);
      restartMs = Date.now() - t0;
    })();
    restart.catch(() => {});
    const t0 = Date.now();
    let r: Awaited<ReturnType<typeof runLiveClient>>;
    try {
      r = await runLiveClient({ gateway: gw.url, stream: 'paid', modelId: 'noop', params: { filter: 'grayscale' }, source: { testVideo: { seconds: 32 } }, segmentSeconds: 1 });
    } finally {
      // Never leave the restart running past the test (after() closes whichever node is current).
      cancelled = true;
      await restart.catch(() => {});
    }
    const wallMs = Date.now() - t0;
    await restart;
    assert.equal(r.stopReason?.code, 'GW_LIVE_STOPPED', JSON.stringify(r.stopReason));
    assert.ok(r.segmentsIn >= 30, `${r.segmentsIn} segments in`);

    // The orchestrator's account, once it has closed the stream.
    await waitFor(() => liveUnits() > (o0.units['live-video-to-video'] ?? 0n), 20_000, 'the orchestrator to settle the stream');
    const o1 = orch().stats();
    const s1 = signerTotals();
    const pixels = liveUnits() - (o0.units['live-video-to-video'] ?? 0n);
    assert.equal(pixels % LIVE_PIXELS_PER_MS, 0n, 'whole milliseconds billed');
    const billedMs = pixels / LIVE_PIXELS_PER_MS;
    const debited = o1.feesDebited.sub(o0.feesDebited);
    assert.ok(debited.eq(Rat.of(billedMs * PRICE_PER_SECOND, 1000n)), `debited ${debited} for ${billedMs} ms`);
    assert.ok(billedMs >= 30_000n && billedMs <= BigInt(wallMs), `billed ${billedMs} ms of ${wallMs} ms`);

    // Credited EV = the EV the signer signed (both nodes), exactly; every ticket accepted.
    const signedEV = s1.ev.sub(s0.ev);
    const creditedEV = o1.evCredited.sub(o0.evCredited);
    assert.ok(creditedEV.eq(signedEV), `credited ${creditedEV} vs signed ${signedEV}`);
    const tickets = s1.tickets - s0.tickets;
    assert.equal(o1.tickets.received - o0.tickets.received, tickets, 'every ticket the signer signed reached the orchestrator');
    assert.equal(o1.tickets.valid - o0.tickets.valid, tickets, 'and every one was accepted (no duplicate nonce)');
    assert.deepEqual(o1.refusals, o0.refusals, 'no refusal at the orchestrator');
    const g = r.status.gateway_status as Record<string, string | number>;
    assert.ok(Rat.parse(String(g.sent_ev_wei)).eq(signedEV), `the gateway sent ${g.sent_ev_wei}, the signer signed ${signedEV}`);

    // The signer only ever said 200: no 409 after the restart (its replay store knew the state), no 482.
    const calls = Object.fromEntries(Object.keys(s1.calls).map((k) => [k, s1.calls[k]! - (s0.calls[k] ?? 0)]).filter(([, v]) => v !== 0));
    assert.deepEqual(Object.keys(calls), ['200'], JSON.stringify(calls));
    const afterRestart = signer.metrics.snapshot().callsByStatus['200'] ?? 0;
    assert.ok(afterRestart >= 10, `${afterRestart} signed payments after the restart`);

    // The gateway's state carried on across the restart: one session, one sequence number per signed call.
    assert.ok(payments && beforeRestart);
    const last = decodeState(payments.session.state)!;
    assert.equal(last.StateID, beforeRestart.StateID);
    assert.equal(last.SequenceNumber, calls['200']! - 1, 'sequence 0 for the first call, +1 for each signed call');
    assert.ok(last.SequenceNumber > beforeRestart.SequenceNumber);

    // The signer's fees: signed EV − its Balance = the 60 s preload + whole lv2v pixels at the price,
    // and the seconds they stand for cover the stream (the restart gap included: nothing lost).
    const pricePerPixel = Rat.of(PRICE_PER_SECOND, LIVE_PIXELS_PER_SECOND);
    const signerPixels = signedEV.sub(Rat.parse(last.Balance)).div(pricePerPixel);
    assert.equal(signerPixels.den, 1n, `the signer billed whole pixels: ${signerPixels}`);
    const streamMs = ((signerPixels.num - PRELOAD_PIXELS) * 1000n) / LIVE_PIXELS_PER_SECOND;
    assert.ok(streamMs >= billedMs - BigInt(2 * INTERVAL_MS) && streamMs <= BigInt(wallMs), `the signer billed ${streamMs} ms, the orchestrator ${billedMs} ms, wall ${wallMs} ms`);
    t.diagnostic(`${g.payments} payments, ${tickets} tickets, signer restart ${restartMs} ms, failed cycles ${g.failed_payments}; signer billed ${streamMs} ms, orchestrator ${billedMs} ms`);
    await waitFor(() => gw.sizes().liveChannels === 0, 10_000, 'the client channels to close');
  });

  it('482 from the signer on a live stream (its credit covers several intervals): the stream is not stopped, and no ticket is posted that was not signed', async (t) => {
    const o0 = orch().stats();
    const s0 = signerTotals();
    const r = await runLiveClient({ gateway: gw.url, stream: 'thrifty', modelId: 'noop-low', params: { filter: 'grayscale' }, source: { testVideo: { seconds: 13 } }, segmentSeconds: 1 });
    const g = r.status.gateway_status as Record<string, string | number>;
    // Before the fix the gateway sent nothing for the whole retryAfterMs (up to 7 s here) and our
    // orchestrator stopped the stream (payment_overdue: no payment, ticketless or not, for 3 intervals).
    assert.equal(r.stopReason?.code, 'GW_LIVE_STOPPED', JSON.stringify(r.stopReason));
    assert.ok(r.segmentsIn >= 12, `${r.segmentsIn} segments in`);
    await waitFor(() => orch().stats().feesDebited.sub(o0.feesDebited).gt(0n), 20_000, 'the orchestrator to settle the stream');
    const o1 = orch().stats();
    const s1 = signerTotals();
    const n482 = (s1.calls['482'] ?? 0) - (s0.calls['482'] ?? 0);
    const n200 = (s1.calls['200'] ?? 0) - (s0.calls['200'] ?? 0);
    assert.ok(n482 >= 1, `the signer answered 482 ${n482} times`);
    assert.ok(o1.evCredited.sub(o0.evCredited).eq(s1.ev.sub(s0.ev)), 'credited = signed');
    assert.equal(o1.tickets.received - o0.tickets.received, s1.tickets - s0.tickets, 'only the tickets the signer signed were posted');
    assert.equal(o1.tickets.valid - o0.tickets.valid, s1.tickets - s0.tickets);
    assert.deepEqual(o1.refusals, o0.refusals);
    assert.equal(Number(g.failed_payments), 0);
    assert.ok(n200 + n482 < Number(g.payments), `while a 482 holds the interval's ticketless payment goes without a signer call: ${n200 + n482} calls, ${g.payments} payments`);
    const pixels = (o1.units['live-video-to-video'] ?? 0n) - (o0.units['live-video-to-video'] ?? 0n);
    assert.equal(pixels % LIVE_PIXELS_PER_MS, 0n);
    assert.ok(o1.feesDebited.sub(o0.feesDebited).eq(Rat.of((pixels / LIVE_PIXELS_PER_MS) * LOW_PRICE_PER_SECOND, 1000n)), 'debited billed ms × price');
    t.diagnostic(`${n200} signed, ${n482} × 482, ${g.payments} payments to the orchestrator`);
  });

  const job = (model: string, prompt: string) =>
    fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model_id: model, prompt, width: 64, height: 64 }) });

  it('a batch job paid through the signer: 200, credited exactly what the signer signed, debited units × price', async () => {
    const o0 = orch().stats();
    const s0 = signerTotals();
    const res = await job('cheap', 'one');
    assert.equal(res.status, 200, await res.text());
    const o1 = orch().stats();
    const s1 = signerTotals();
    assert.equal((s1.calls['200'] ?? 0) - (s0.calls['200'] ?? 0), 1);
    assert.equal(s1.tickets - s0.tickets, 1, 'a fresh session: one ticket covers max(fee, EV)');
    assert.ok(o1.evCredited.sub(o0.evCredited).eq(s1.ev.sub(s0.ev)));
    assert.ok(o1.evCredited.sub(o0.evCredited).gt(0n));
    assert.equal(o1.tickets.valid - o0.tickets.valid, 1);
    assert.ok(o1.feesDebited.sub(o0.feesDebited).eq(Rat.from(JOB_PIXELS * CHEAP_PRICE)));
  });

  it('480 from the signer (ticket params expired after mining blocks): the gateway refreshes and the job goes on', async () => {
    // Params live 40 blocks; both the orchestrator's and the signer's chain views poll every 0.5 s.
    await net.devnet.mine(45);
    await new Promise((r) => setTimeout(r, 2_000));
    const o0 = orch().stats();
    const s0 = signerTotals();
    const res = await job('cheap', 'two');
    assert.equal(res.status, 200, await res.text());
    const o1 = orch().stats();
    const s1 = signerTotals();
    assert.equal((s1.calls['480'] ?? 0) - (s0.calls['480'] ?? 0), 1, JSON.stringify(s1.calls));
    assert.equal((s1.calls['200'] ?? 0) - (s0.calls['200'] ?? 0), 1);
    assert.equal(s1.tickets - s0.tickets, 1);
    assert.ok(o1.evCredited.sub(o0.evCredited).eq(s1.ev.sub(s0.ev)), 'the ticket on the refreshed params was credited');
    assert.equal(o1.tickets.valid - o0.tickets.valid, 1);
    assert.deepEqual(o1.refusals, o0.refusals);
  });

  it('482 from the signer (the credit covers the job): the job goes at once, with no ticket posted', async () => {
    // Two jobs of 4096 wei on one EV each left the state with 2 EV − 8192 ≥ EV: nothing to pay now.
    const o0 = orch().stats();
    const s0 = signerTotals();
    const t0 = Date.now();
    const res = await job('cheap', 'three');
    assert.equal(res.status, 200, await res.text());
    const o1 = orch().stats();
    const s1 = signerTotals();
    assert.equal((s1.calls['482'] ?? 0) - (s0.calls['482'] ?? 0), 1, JSON.stringify(s1.calls));
    assert.equal(s1.tickets, s0.tickets, 'the signer signed nothing');
    assert.equal(o1.tickets.received, o0.tickets.received, 'the gateway posted no ticket');
    assert.ok(o1.evCredited.eq(o0.evCredited));
    assert.ok(o1.feesDebited.sub(o0.feesDebited).eq(Rat.from(JOB_PIXELS * CHEAP_PRICE)), 'the job was served on the credit already there');
    assert.ok(Date.now() - t0 < 10_000, 'no stall');
    assert.equal(gw.stats().remoteSigner!.last?.status, 482);
  });

  it('481 from the signer (price above its -maxPricePerCapability): the gateway refuses with the reason; the orchestrator is not paid, nor suspended', async () => {
    const o0 = orch().stats();
    const s0 = signerTotals();
    const res = await job('dear', 'four');
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.match(text, /481/);
    const o1 = orch().stats();
    const s1 = signerTotals();
    assert.equal((s1.calls['481'] ?? 0) - (s0.calls['481'] ?? 0), 1, JSON.stringify(s1.calls));
    assert.equal(s1.tickets, s0.tickets);
    assert.equal(o1.jobs['text-to-image'], o0.jobs['text-to-image'], 'no job ran');
    assert.equal(o1.tickets.received, o0.tickets.received);
    assert.equal(gw.stats().remoteSigner!.last?.code, 'SIGNER_PRICE_EXCEEDED');
    const ok = await job('cheap', 'five');
    assert.equal(ok.status, 200, 'a 481 is not a suspension');
  });
});
