// The live parts below the routes, on real components: a real trickle server, a real HTTP runner.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Balances, LivePaymentReceiver, livePriceInfo, readInsufficientBalanceEvent } from '../../billing/index.js';
import { Capability, parseAiModelsJson } from '../../market/index.js';
import { TrickleServer } from '../../media/index.js';
import { Rat } from '../../money/index.js';
import { CapacityTracker } from './capacity.js';
import { parseOrchestratorConfig } from './config.js';
import { OrchestratorError } from './errors.js';
import { newManifestId } from './live.js';
import { overwriteHost, startLiveRunner } from './live-runner.js';
import { LiveStreams, liveChannels } from './live-session.js';
import { trickleChannelHost } from './live-trickle.js';

const SENDER = '0x00000000000000000000000000000000000000aA';
const log = pino({ level: 'silent' });

function slot() {
  const entries = parseAiModelsJson(JSON.stringify([{ pipeline: 'live-video-to-video', model_id: 'noop', url: 'http://127.0.0.1:1' }]), { requirePrices: false }).entries;
  const cap = new CapacityTracker(entries);
  return { cap, lease: () => cap.acquire(Capability.LiveVideoToVideo, 'noop')! };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('live pieces', () => {
  it('manifest ids are 8 hex characters, never one in use', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const m = newManifestId((x) => seen.has(x));
      assert.match(m, /^[0-9a-f]{8}$/);
      assert.ok(!seen.has(m));
      seen.add(m);
    }
  });

  it('rewrites the trickle host for the runner as go-livepeer overwriteHost', () => {
    assert.equal(overwriteHost('orch:9935', 'https://127.0.0.1:8935/ai/trickle/ab12cd34-out'), 'https://orch:9935/ai/trickle/ab12cd34-out');
    assert.equal(overwriteHost(undefined, 'https://127.0.0.1:8935/x'), 'https://127.0.0.1:8935/x');
  });

  it('reads -livePaymentInterval as ms or a Go duration', () => {
    const base = { aiModels: '[]' };
    assert.equal(parseOrchestratorConfig({ ...base }).livePaymentInterval, 5000);
    assert.equal(parseOrchestratorConfig({ ...base, livePaymentInterval: '1s' }).livePaymentInterval, 1000);
    assert.equal(parseOrchestratorConfig({ ...base, livePaymentInterval: '250ms' }).livePaymentInterval, 250);
    assert.equal(parseOrchestratorConfig({ ...base, livePaymentInterval: 750 }).livePaymentInterval, 750);
    assert.throws(() => parseOrchestratorConfig({ ...base, livePaymentInterval: 'soon' }), /livePaymentInterval/);
  });

  it('words runner failures as go-livepeer\'s worker, and times out a silent runner', async () => {
    let answer = { status: 422, body: '{"detail":[{"loc":["body","x"],"msg":"bad"}]}' };
    const hang = new Set<import('node:http').ServerResponse>();
    const srv = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        if ((JSON.parse(b) as { model_id: string }).model_id === 'hang') return void hang.add(res);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    const body = { model_id: 'noop', subscribe_url: 'a', publish_url: 'b', control_url: 'c', events_url: 'd', gateway_request_id: '', manifest_id: 'm', stream_id: '' };
    try {
      await assert.rejects(startLiveRunner({ url, token: undefined }, body, { timeoutMs: 10_000 }), (e: unknown) => {
        assert.ok(e instanceof OrchestratorError);
        assert.equal(e.code, 'RUNNER_REJECTED');
        assert.equal(e.status, 500);
        assert.equal(e.message, 'live-video-to-video container returned 422: [{"loc":["body","x"],"msg":"bad"}]');
        return true;
      });
      answer = { status: 503, body: '{"detail":{"msg":"Pipeline not ready"}}' };
      await assert.rejects(startLiveRunner({ url, token: 't' }, body, { timeoutMs: 10_000 }), /container returned 503: Pipeline not ready/);
      answer = { status: 200, body: '{"status":"success"}' };
      assert.deepEqual(await startLiveRunner({ url, token: undefined }, body, { timeoutMs: 10_000 }), { status: 'success' });
      await assert.rejects(startLiveRunner({ url: 'http://127.0.0.1:1', token: undefined }, body, { timeoutMs: 10_000 }), (e: unknown) => e instanceof OrchestratorError && e.code === 'RUNNER_UNAVAILABLE');
      await assert.rejects(startLiveRunner({ url, token: undefined }, { ...body, model_id: 'hang' }, { timeoutMs: 100 }), /live runner unavailable: .*no answer within 100 ms/);
    } finally {
      for (const r of hang) r.destroy();
      srv.closeAllConnections();
      await new Promise<void>((ok) => srv.close(() => ok()));
    }
  });

  it('a stream: four channels, ended by the end of its input, nothing left', async () => {
    const trickle = new TrickleServer();
    const balances = new Balances();
    const receiver = new LivePaymentReceiver({ balances, timers: false });
    const ends: string[] = [];
    const streams = new LiveStreams({ channels: trickleChannelHost(trickle), receiver, log, onEnd: (_m, why) => ends.push(why) });
    const { cap, lease } = slot();
    try {
      streams.open({ mid: 'ab12cd34', sender: SENDER, price: livePriceInfo(1000n), credited: Rat.ZERO, lease: lease(), modelId: 'noop' });
      assert.deepEqual(liveChannels('ab12cd34').map((c) => trickle.hasChannel(c.name)), [true, true, true, true]);
      assert.equal(cap.hasCapacity(Capability.LiveVideoToVideo, 'noop'), false);
      streams.running('ab12cd34');
      assert.equal(receiver.size, 1);
      // A segment on the input is seen; the input's publisher closing the channel ends the stream.
      const pub = trickle.localPublisher('ab12cd34');
      await pub.write(new Uint8Array([1, 2, 3]));
      await pub.close();
      await until('the stream to end', () => ends.length === 1);
      assert.deepEqual(ends, ['input_ended']);
      assert.equal(trickle.channelCount, 0);
      assert.equal(receiver.size, 0);
      assert.equal(streams.size, 0);
      assert.equal(cap.hasCapacity(Capability.LiveVideoToVideo, 'noop'), true);
      assert.equal(streams.stop('ab12cd34', 'shutdown'), false, 'idempotent');
    } finally {
      streams.closeAll();
      trickle.close();
    }
  });

  it('out of credit: the event lands after what the runner wrote on the events channel, then every channel closes', async () => {
    const trickle = new TrickleServer();
    const balances = new Balances();
    let now = 0;
    const receiver = new LivePaymentReceiver({ balances, timers: false, clock: () => now });
    const streams = new LiveStreams({ channels: trickleChannelHost(trickle), receiver, log });
    const { lease } = slot();
    const mid = 'feedf00d';
    try {
      streams.open({ mid, sender: SENDER, price: livePriceInfo(1000n), credited: Rat.from(500n), lease: lease(), modelId: 'noop' });
      balances.credit(SENDER, mid, Rat.from(500n));
      streams.running(mid);
      // The runner has written two events (its own publisher, from seq 0); a reader waits at the live edge.
      const runnerEvents = trickle.localPublisher(`${mid}-events`);
      await runnerEvents.write(new TextEncoder().encode('{"event":{"type":"status"}}'));
      await runnerEvents.write(new TextEncoder().encode('{"event":{"type":"status"}}'));
      const reader = trickle.localSubscriber(`${mid}-events`, { start: 2 });
      const read = reader.read();
      now = 1000; // 1 s at 1000 wei/s = 1000 wei owed, 500 credited
      const f = await receiver.tick(mid);
      assert.ok(f);
      const seg = await read;
      assert.ok(seg);
      let text = '';
      for await (const c of seg) text += Buffer.from(c).toString('utf8');
      const got = readInsufficientBalanceEvent(JSON.parse(text));
      assert.ok(got && got.owed.eq(1000n) && got.balance.eq(500n));
      assert.equal(streams.size, 0);
      // The input, output and control channels close at once; the events channel stays readable
      // for a grace period (the gateway reads the reason after its other links closed), then closes.
      assert.equal(trickle.channelCount, 1);
      assert.ok(trickle.channel(`${mid}-events`), 'the events channel is the one kept');
      const deadline = Date.now() + 15_000;
      while (trickle.channelCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(trickle.channelCount, 0, 'then every channel is closed');
      reader.close();
    } finally {
      streams.closeAll();
      trickle.close();
    }
  });
});
