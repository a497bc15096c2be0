// The gateway's live orchestrator swap (go-livepeer's orchestratorSwapper), on the anvil devnet with
// three real orchestrators, each with its own CPU live runner (real ffmpeg), paid per second with
// real tickets at a 1 s interval. An orchestrator "fails" the way a crashed runner looks to it: the
// runner's stream for that manifest id dies (it closes <mid>-out and <mid>-events on the
// orchestrator), so the gateway's output subscription ends.
// 1. One failure mid-stream: the stream moves to another orchestrator, output keeps coming, the
//    params last sent over `update` reach the new runner in its start request (and its output is
//    grey where the first params were in colour), `status` names the new orchestrator with one
//    swap, the old orchestrator's stream, channels and payments are gone (no /payment reaches it
//    any more), and the EV the orchestrators credited is the EV the gateway counted as sent.
// 2. Three failures in a row: the third swap within go-livepeer's 3 min stops the stream with
//    GW_LIVE_SWAP_LIMIT (two swaps made, the third orchestrator's stream closed); params updated
//    while the stream was between two orchestrators reach the one swapped to.
// 3. The same failures on a gateway whose swap interval is 0 (no swap is "recent"): every
//    orchestrator is used up and the stream stops with GW_NO_ORCHESTRATORS after two swaps.
// 4. An orchestrator that stops the stream for insufficient_balance is not swapped away from.
// 5. The client (runLiveClient) drops an output segment that breaks off and keeps reading.
// 6. With one orchestrator's runner down (its starts refused), two failures end the stream with
//    GW_NO_ORCHESTRATORS, and `swaps` counts the one swap made, not the orchestrators tried.
// Every case ends with nothing left: gateway streams and channels, the orchestrators' streams,
// accounts and channels, the runners' streams, and the gateway's live timers (async_hooks).
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import type { LiveRunner } from '../src/ai/index.js';
import { chromaSpread, decodeFrames, waitFor } from '../src/media/videoTestkit.js';
import { Rat } from '../src/money/index.js';
import { runLiveClient, startGateway, updateLiveStream, type GatewayHandle, type LiveClientResult } from '../src/nodes/gateway/index.js';
import type { LivePayments } from '../src/nodes/gateway/live/orch-start.js';
import { startLocalNetwork, type LocalNetwork } from '../src/nodes/demo/network.js';

/** wei per second; at EV 1.4e14 a 1 s interval is ≈ 1.4 tickets. */
const PRICE_PER_SECOND = 200_000_000_000_000n;
const EV = 140_000_000_000_000n;
const INTERVAL_MS = 1000;

let net: LocalNetwork;
const GATEWAY_LIVE = {
  // A failed orchestrator is left out briefly, so the next case finds all three again.
  suspendBaseMs: 100,
  suspendMs: 100,
  logLevel: 'silent',
} as const;

// Timers created by the gateway's live code (links, payment senders, streams), alive until destroyed.
const liveTimers = new Map<number, string>();
let liveTimersSeen = 0;
const hook = createHook({
  init(id, type) {
    if (type !== 'Timeout') return;
    const stack = new Error().stack ?? '';
    // attachLive's own trickle server sweep lives as long as the gateway, not a stream.
    // (client.ts is the test's client, not the gateway.)
    if (!/src[/\\](nodes[/\\]gateway[/\\]live[/\\](orch-link|orch-start|stream|streams|routes)|billing[/\\]live-sender)\.ts/.test(stack) || /at attachLive /.test(stack)) return;
    liveTimers.set(id, stack);
    liveTimersSeen++;
  },
  destroy(id) {
    liveTimers.delete(id);
  },
});

before(async () => {
  net = await startLocalNetwork({
    orchestrators: 3,
    models: [{ pipeline: 'live-video-to-video', modelId: 'noop', pricePerUnit: PRICE_PER_SECOND.toString(), capacity: 2 }],
    orchestrator: { ticketEV: EV, txCostMultiplier: 10n, autoAdjustPrice: false, livePaymentInterval: `${INTERVAL_MS}ms` },
    gateway: {
      livePaymentInterval: `${INTERVAL_MS}ms`,
      livePreloadSeconds: 12,
      maxTicketEV: '200000000000000',
      maxTotalEV: '20000000000000000',
      ...GATEWAY_LIVE,
    },
  });
  // From here on: what the streams create (the gateway's own trickle server sweep timer is older).
  Error.stackTraceLimit = 40;
  hook.enable();
});

after(async () => {
  hook.disable();
  await net?.close();
});

type GwStatus = {
  state: string;
  swaps: number;
  orchestrator: { url: string; manifest_id: string } | null;
  stop_reason: { code: string; message: string } | null;
  sent_ev_wei: string;
  payments: number;
};
const gwStatus = (r: LiveClientResult) => r.status.gateway_status as GwStatus;
const orchIndex = (url: string) => {
  const i = net.orchestrators.findIndex((o) => o.url === url);
  assert.ok(i >= 0, `${url} is one of ${net.orchestrators.map((o) => o.url).join(', ')}`);
  return i;
};
const currentMid = (stream: string, gateway: GatewayHandle = net.gateway) => gateway.live.streams.get(stream)?.link?.manifestId;

/** The runner stream serving a manifest id (waits for the orchestrator to have started it). */
async function runnerStream(mid: string): Promise<{ runner: LiveRunner; stream: ReturnType<LiveRunner['streams']>[number] }> {
  let found: { runner: LiveRunner; stream: ReturnType<LiveRunner['streams']>[number] } | undefined;
  await waitFor(
    () => {
      for (const runner of net.liveRunners) {
        const stream = runner.streams().find((s) => s.req.manifest_id === mid);
        if (stream) found = { runner, stream };
      }
      return found !== undefined;
    },
    10_000,
    `a runner stream for ${mid}`,
  );
  return found!;
}

/** What an orchestrator has seen of payments: any /payment (accepted or refused) changes it. */
function paymentCounters(i: number) {
  const s = net.orchestrators[i]!.stats();
  return { ev: s.evCredited.toString(), tickets: s.tickets.received, refusals: Object.values(s.refusals).reduce((a, b) => a + b, 0) };
}

/** Nothing of any stream is left anywhere. */
async function assertNothingLeft(gateway: GatewayHandle = net.gateway): Promise<void> {
  await waitFor(
    () => net.orchestrators.every((o) => o.sizes().liveStreams === 0 && o.sizes().trickleChannels === 0) && net.liveRunners.every((r) => r.streams().length === 0),
    15_000,
    'every orchestrator and runner to end its streams',
  );
  for (const o of net.orchestrators) assert.deepEqual({ streams: o.sizes().liveStreams, accounts: o.sizes().liveAccounts, channels: o.sizes().trickleChannels }, { streams: 0, accounts: 0, channels: 0 });
  const g = gateway.sizes();
  assert.deepEqual({ streams: g.liveStreams, channels: g.liveChannels, paymentsInFlight: g.paymentsInFlight }, { streams: 0, channels: 0, paymentsInFlight: 0 });
  // Timers are destroyed on the next turn after clearInterval.
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(liveTimersSeen > 0, 'the tracker sees the live timers');
  const left = [...liveTimers.values()].map((st) => st.split('\n').filter((l) => l.includes('/src/')).join('\n'));
  assert.deepEqual(left, [], 'no live timer of the gateway is left');
}

async function grey(data: Uint8Array): Promise<boolean> {
  return Math.max(...(await decodeFrames(data, 320, 240)).map(chromaSpread)) <= 3;
}

describe('the gateway swaps a live stream to another orchestrator', { timeout: 120_000 }, () => {
  it('moves the stream when its orchestrator fails: output goes on, the new runner starts with the last params, the old one is left alone', async () => {
    const name = 'swap-once';
    const gw = { gateway: net.gateway.url, stream: name };
    const last = { filter: 'grayscale', marker: 'update-7' };
    const outputs: { data: Uint8Array; mid: string | undefined }[] = [];
    const before = net.orchestrators.map((_, i) => paymentCounters(i));
    let first: { mid: string; orch: number; payments: LivePayments } | undefined;
    let frozen: { at: number; counters: ReturnType<typeof paymentCounters>; sender: string } | undefined;
    let killedAt = 0;
    let newStart: Record<string, unknown> | undefined;
    let oldSizesLater: { streams: number; channels: number } | undefined;
    const r = await runLiveClient({
      ...gw,
      modelId: 'noop',
      params: { filter: 'hflip' },
      source: { testVideo: { seconds: 12 } },
      segmentSeconds: 1,
      onOutput: async (seq, data) => {
        const mid = currentMid(name);
        outputs.push({ data, mid });
        if (seq === 1) await updateLiveStream(gw, last);
        if (seq === 3) {
          const s = net.gateway.live.streams.get(name)!;
          const st = s.status().gateway_status as GwStatus;
          first = { mid: st.orchestrator!.manifest_id, orch: orchIndex(st.orchestrator!.url), payments: s.payments! };
          // The serving runner's stream dies: it closes its output and events on the orchestrator.
          const { stream } = await runnerStream(first.mid);
          killedAt = Date.now();
          await stream.stop('error');
        }
        if (frozen && !oldSizesLater && outputs.filter((o) => o.mid === mid).length === 3) {
          // While the stream runs on the new orchestrator: the old one holds nothing of it.
          const z = net.orchestrators[first!.orch]!.sizes();
          oldSizesLater = { streams: z.liveStreams, channels: z.trickleChannels };
        }
        if (first && !frozen && mid !== undefined && mid !== first.mid) {
          // The first segment of the new orchestrator: the old link is closed by now.
          frozen = { at: Date.now(), counters: paymentCounters(first.orch), sender: JSON.stringify(first.payments.snapshot()) };
          newStart = (await runnerStream(mid)).stream.req.params.raw;
        }
      },
    });
    assert.ok(first && frozen, 'the stream failed over');
    const g = gwStatus(r);
    assert.equal(g.stop_reason?.code, 'GW_LIVE_STOPPED', JSON.stringify(g.stop_reason));
    assert.equal(g.swaps, 1);
    const now = orchIndex(g.orchestrator!.url);
    assert.notEqual(now, first.orch, 'status names the new orchestrator');
    assert.notEqual(g.orchestrator!.manifest_id, first.mid);

    // Output kept coming after the swap, from the new orchestrator, with the params of the update.
    const afterSwap = outputs.filter((o) => o.mid === g.orchestrator!.manifest_id);
    assert.ok(afterSwap.length >= 3, `${afterSwap.length} output segments after the swap (${outputs.length} in all, ${r.segmentsIn} in)`);
    assert.ok(!(await grey(outputs[0]!.data)), 'the first params (hflip) give colour');
    for (const o of afterSwap.slice(1, 3)) assert.ok(await grey(o.data), 'after the swap the runner applies the updated params (grayscale)');
    assert.ok(frozen.at > killedAt);
    // The new runner was started with the updated params (its start request), not the stream's first ones.
    assert.deepEqual(newStart, last);

    // No /payment reached the old orchestrator after its link closed; its sender stopped.
    assert.ok(Date.now() - frozen.at >= 3 * INTERVAL_MS, `watched the old orchestrator for ${Date.now() - frozen.at} ms`);
    assert.deepEqual(paymentCounters(first.orch), frozen.counters, 'the old orchestrator got no /payment after the swap');
    assert.equal(JSON.stringify(first.payments.snapshot()), frozen.sender, 'the old payment sender stopped');
    assert.equal(net.orchestrators[first.orch]!.liveStream(first.mid), undefined, 'the old orchestrator ended its stream');
    assert.deepEqual(oldSizesLater, { streams: 0, channels: 0 }, 'the old orchestrator held no stream or channel while the new one served');
    // The new orchestrator was paid, and the EV credited by both is what the gateway counted as sent.
    const credited = net.orchestrators.map((o, i) => o.stats().evCredited.sub(Rat.parse(before[i]!.ev)));
    assert.ok(credited[now]!.gt(Rat.ZERO), 'the new orchestrator was paid');
    assert.ok(credited.reduce((a, b) => a.add(b), Rat.ZERO).eq(Rat.parse(g.sent_ev_wei)), `credited ${credited.join(' + ')} vs sent ${g.sent_ev_wei}`);
    await assertNothingLeft();
  });

  /**
   * Streams through `gateway`, killing the runner stream of each orchestrator it lands on at that
   * orchestrator's first output segment, up to `kills` times; the manifest ids it ran on, in order.
   */
  async function failEachOrchestrator(
    gateway: GatewayHandle,
    name: string,
    kills: number,
    /** Sent (in-process, as the update route does) the moment the stream is swapping after the first failure. */
    updateWhileSwapping?: Record<string, unknown>,
  ): Promise<{ r: LiveClientResult; mids: string[]; killed: string[]; runnerParams: Record<string, unknown>[] }> {
    const mids: string[] = [];
    const killed: string[] = [];
    /** Each orchestrator's runner's params at its first output segment. */
    const runnerParams: Record<string, unknown>[] = [];
    const r = await runLiveClient({
      gateway: gateway.url,
      stream: name,
      modelId: 'noop',
      params: { filter: 'edge' },
      source: { testVideo: { seconds: 40 } },
      segmentSeconds: 1,
      statusEveryMs: 250,
      onOutput: async () => {
        const mid = currentMid(name, gateway);
        if (mid === undefined || mids.includes(mid)) return;
        mids.push(mid);
        const { stream } = await runnerStream(mid);
        runnerParams.push(stream.params.raw);
        if (killed.length >= kills) return;
        killed.push(mid);
        await stream.stop('error');
        if (updateWhileSwapping && killed.length === 1) {
          // Between two orchestrators: the old link is gone, the new start is under way.
          const s = gateway.live.streams.get(name)!;
          await waitFor(() => s.state === 'swapping', 10_000, 'the stream to be swapping');
          await s.update(updateWhileSwapping);
          assert.equal(s.state, 'swapping', 'the update came while swapping');
        }
      },
    });
    return { r, mids, killed, runnerParams };
  }

  it('stops the stream with GW_LIVE_SWAP_LIMIT at the third swap within 3 minutes', async () => {
    const during = { filter: 'blur', marker: 'sent-while-swapping' };
    const { r, mids, killed, runnerParams } = await failEachOrchestrator(net.gateway, 'swap-limit', 3, during);
    const g = gwStatus(r);
    // An update that came while swapping reached the orchestrator swapped to (and the one after it).
    assert.deepEqual(runnerParams, [{ filter: 'edge' }, during, during]);
    assert.equal(g.stop_reason?.code, 'GW_LIVE_SWAP_LIMIT', JSON.stringify(g.stop_reason));
    assert.equal(killed.length, 3);
    assert.equal(new Set(mids).size, 3, 'it ran on three orchestrators');
    for (const m of killed) assert.ok(net.orchestrators.every((o) => o.liveStream(m) === undefined), `stream ${m} is gone`);
    assert.equal(g.swaps, 2, 'two swaps were made, the third refused');
    assert.equal(g.state, 'stopped');
    assert.ok(r.segmentsIn < 30, `stopped long before the input ended: ${r.segmentsIn} segments in`);
    await assertNothingLeft();
  });

  it('with swaps never recent (interval 0) it swaps until no orchestrator is left: GW_NO_ORCHESTRATORS', async () => {
    const account = net.devnet.accounts.find((a) => a.role === 'gateway')!;
    const gateway = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: net.orchestrators.map((o) => o.url),
      network: 'devnet',
      ethUrl: net.devnet.rpcUrl,
      ethController: net.devnet.controller,
      ethPrivateKey: account.privateKey,
      livePaymentInterval: `${INTERVAL_MS}ms`,
      livePreloadSeconds: 12,
      maxTicketEV: '200000000000000',
      maxTotalEV: '20000000000000000',
      ...GATEWAY_LIVE,
      liveRecentSwapIntervalMs: 0,
    });
    try {
      const { r, mids, killed } = await failEachOrchestrator(gateway, 'swap-all', 3);
      const g = gwStatus(r);
      assert.equal(g.stop_reason?.code, 'GW_NO_ORCHESTRATORS', JSON.stringify(g.stop_reason));
      assert.deepEqual(killed, mids);
      assert.equal(new Set(mids).size, 3);
      assert.equal(g.swaps, 2);
      await assertNothingLeft(gateway);
    } finally {
      await gateway.close();
    }
  });

  it('does not swap away from an orchestrator that stopped the stream for insufficient_balance', async () => {
    const name = 'unpaid';
    const before = net.orchestrators.map((o) => o.stats().tickets.received);
    let served: number | undefined;
    const r = await runLiveClient({
      gateway: net.gateway.url,
      stream: name,
      modelId: 'noop',
      params: { filter: 'edge' },
      source: { testVideo: { seconds: 40 } },
      segmentSeconds: 1,
      statusEveryMs: 250,
      onOutput: (seq) => {
        if (seq !== 1) return;
        const s = net.gateway.live.streams.get(name)!;
        served = orchIndex((s.status().gateway_status as GwStatus).orchestrator!.url);
        s.payments!.suspend();
      },
    });
    assert.ok(served !== undefined);
    const g = gwStatus(r);
    assert.equal(g.stop_reason?.code, 'GW_LIVE_INSUFFICIENT_BALANCE', JSON.stringify(g.stop_reason));
    assert.equal(g.swaps, 0);
    assert.equal(orchIndex(g.orchestrator!.url), served, 'still the orchestrator that stopped it');
    // No other orchestrator was asked to take the stream (a start pays tickets).
    net.orchestrators.forEach((o, i) => {
      if (i !== served) assert.equal(o.stats().tickets.received, before[i], `orchestrator ${i} was not started on`);
    });
    assert.ok(r.segmentsIn < 30, `stopped long before the input ended: ${r.segmentsIn} segments in`);
    await assertNothingLeft();
  });

  it('the client keeps reading when an output segment breaks off (a relay aborted mid-segment)', async () => {
    // What a stop or a failed relay does to the segment being written on the client's output
    // channel: its bytes stop and the GET breaks. runLiveClient drops it and goes on (it used to
    // reject with TRICKLE_SEGMENT_ABORTED, unhandled until the end).
    const name = 'cut-segment';
    const seqs: number[] = [];
    let injected = false;
    const r = await runLiveClient({
      gateway: net.gateway.url,
      stream: name,
      modelId: 'noop',
      params: { filter: 'edge' },
      source: { testVideo: { seconds: 6 } },
      segmentSeconds: 1,
      // The dropped segment never comes: do not wait the default 15 s for the output to catch up.
      drainMs: 2_000,
      onOutput: (seq) => {
        seqs.push(seq);
        if (seq !== 1) return;
        // The client's next GET is for the next seq: start that segment ahead of the relay, then break it.
        const ch = net.gateway.live.trickle.channel(`${name}-out`)!;
        const seg = ch.forWrite(ch.nextWrite);
        seg.append(Buffer.from('half a segment'));
        ch.started(seg, Date.now()); // its first byte moves the live edge, as a relayed write does
        // Once its first bytes are on their way (a segment abandoned before any byte reads as empty).
        setTimeout(() => seg.abort(), 300);
        injected = true;
      },
    });
    assert.ok(injected);
    assert.equal(r.stopReason?.code, 'GW_LIVE_STOPPED', JSON.stringify(r.stopReason));
    assert.ok(seqs.length >= 4, `${seqs.length} output segments after all (${r.segmentsIn} in)`);
    await assertNothingLeft();
  });

  it('counts swaps made, not orchestrators tried: one whose runner is down refuses the start, the stream ends with GW_NO_ORCHESTRATORS after one swap', async () => {
    // The last orchestrator's runner is gone (last case: the network is not used after it).
    await net.liveRunners[2]!.close();
    const { r, mids, killed } = await failEachOrchestrator(net.gateway, 'runner-down', 2);
    const g = gwStatus(r);
    const why = JSON.stringify({ mids, killed, stop: g.stop_reason, swaps: g.swaps });
    assert.equal(g.stop_reason?.code, 'GW_NO_ORCHESTRATORS', why);
    assert.deepEqual(killed, mids, why);
    assert.equal(mids.length, 2, why);
    assert.equal(g.swaps, 1, `one swap was made (the orchestrator whose start failed is not a swap): ${why}`);
    await assertNothingLeft();
  });
});
