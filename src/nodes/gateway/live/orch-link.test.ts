// OrchLink on a real in-process trickle server standing in for the orchestrator's channels
// (src/media/trickle, the same server the orchestrator mounts): relaying, go-livepeer's slow-
// orchestrator guards (3 segments in flight; the output watchdog), the insufficient_balance reason,
// and that nothing is left behind. The slow orchestrator is an input channel whose writes do not
// complete until released: what a trickle POST to an orchestrator that stopped reading looks like.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { LivePaymentSender, insufficientBalanceEvent, livePriceInfo } from '../../../billing/index.js';
import { Rat } from '../../../money/index.js';
import { TrickleServer, type SegmentWriter, type TricklePublisher } from '../../../media/index.js';
import { localTicketSigner } from '../../../pm/index.js';
import { OrchLink, MAX_INFLIGHT_SEGMENTS, type TrickleClients } from './orch-link.js';
import type { StartedOrchestrator } from './orch-start.js';

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const MID = 'ab12cd34';
const ORCH = 'https://127.0.0.1:1';
const log = pino({ level: 'silent' });
const bytes = (s: string) => new TextEncoder().encode(s);

/** Input writes that hang until `release` (an orchestrator that stopped reading). */
function stalling(inner: TricklePublisher): TricklePublisher & { release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return {
    release: () => release(),
    async next(): Promise<SegmentWriter> {
      const w = await inner.next();
      return { seq: w.seq, write: async (c) => (await gate, w.write(c)), end: async () => (await gate, w.end()), abort: (e) => w.abort(e) } as SegmentWriter;
    },
    write: (d) => inner.write(d),
    close: () => (release(), inner.close()),
  };
}

function setup(o: { outputTimeoutMs?: number; stallInput?: boolean } = {}) {
  const orch = new TrickleServer();
  const gw = new TrickleServer();
  for (const [n, m] of [[MID, 'video/MP2T'], [`${MID}-out`, 'video/MP2T'], [`${MID}-control`, 'application/json'], [`${MID}-events`, 'application/json']] as const) orch.createChannel(n, m);
  gw.createChannel('s-out', 'video/MP2T');
  gw.createChannel('s-events', 'application/json');
  const name = (url: string) => url.slice(url.lastIndexOf('/') + 1);
  let input: ReturnType<typeof stalling> | undefined;
  const clients: TrickleClients = {
    publisher: (url) => {
      const p = orch.localPublisher(name(url));
      if (o.stallInput && name(url) === MID) return (input = stalling(p));
      return p;
    },
    subscriber: (url) => orch.localSubscriber(name(url), { start: -1, jumpToLatest: true }),
  };
  // Offchain at price 0: the payment sender never pays (its timer and segments are no-ops).
  const price = livePriceInfo(0n);
  const payments = new LivePaymentSender({
    signer: localTicketSigner(KEY),
    sender: undefined,
    post: () => Promise.reject(new Error('no payment expected')),
    target: { url: ORCH, transcoder: ORCH, recipient: undefined, pmSessionId: undefined, price, priceWire: undefined, authToken: undefined, faceValue: 0n, ticketParams: undefined, capabilities: undefined as never } as never,
  });
  const base = `${ORCH}/ai/trickle/${MID}`;
  const started = { session: { url: ORCH, transcoder: ORCH, price }, urls: { manifestId: MID, publishUrl: base, subscribeUrl: `${base}-out`, controlUrl: `${base}-control`, eventsUrl: `${base}-events` }, payments } as unknown as StartedOrchestrator;
  const statuses: Record<string, unknown>[] = [];
  let outs = 0;
  const link = new OrchLink({
    started,
    clients,
    output: gw.localPublisher('s-out'),
    events: gw.localPublisher('s-events'),
    log,
    keepaliveMs: 60_000,
    eventTimeoutMs: 60_000,
    drainMs: 50,
    ...(o.outputTimeoutMs === undefined ? {} : { outputTimeoutMs: o.outputTimeoutMs }),
    onStatus: (e) => void statuses.push(e),
    onOutputSegment: () => void outs++,
  });
  const segment = (s: string) => {
    const ch = new TrickleServer();
    ch.createChannel('x');
    const sub = ch.localSubscriber('x', { start: 0 });
    void ch.localPublisher('x').write(bytes(s));
    return sub.read().finally(() => ch.close());
  };
  return { orch, gw, link, statuses, outs: () => outs, input: () => input, segment, close: () => (orch.close(), gw.close()) };
}

describe('OrchLink', () => {
  it('relays input to <mid>, output and events back, keeps status events, and stops leaving nothing', async () => {
    const t = setup();
    try {
      const inSub = t.orch.localSubscriber(MID, { start: 0 });
      await t.link.publishInput((await t.segment('in-0'))!);
      const got = await inSub.read();
      let body = '';
      for await (const c of got!) body += Buffer.from(c).toString();
      assert.equal(body, 'in-0');
      const outSub = t.gw.localSubscriber('s-out', { start: 0 });
      await t.orch.localPublisher(`${MID}-out`).write(bytes('out-0'));
      const out = await outSub.read();
      body = '';
      for await (const c of out!) body += Buffer.from(c).toString();
      assert.equal(body, 'out-0');
      await t.orch.localPublisher(`${MID}-events`).write(bytes(JSON.stringify({ queue_event_type: 'ai_stream_status', event: { type: 'status', state: 'ONLINE' } })));
      for (let i = 0; i < 100 && t.statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(t.statuses[0]?.state, 'ONLINE');
      assert.equal(t.outs(), 1);
      const why = await t.link.stop('done');
      assert.equal(why.code, 'GW_LIVE_STOPPED');
      // Our stop DELETEs the orchestrator's input and control channels: it ends the stream there.
      assert.equal(t.orch.hasChannel(MID), false);
      assert.equal(t.orch.hasChannel(`${MID}-control`), false);
      assert.equal(t.link.inFlight, 0);
    } finally {
      t.close();
    }
  });

  it(`ends with GW_LIVE_ORCHESTRATOR_SLOW when a segment begins while ${MAX_INFLIGHT_SEGMENTS} are in flight`, async () => {
    const t = setup({ stallInput: true });
    try {
      for (let i = 0; i < MAX_INFLIGHT_SEGMENTS; i++) await t.link.publishInput((await t.segment(`in-${i}`))!);
      assert.equal(t.link.inFlight, MAX_INFLIGHT_SEGMENTS);
      await t.link.publishInput((await t.segment('one too many'))!);
      const why = await t.link.ended;
      assert.equal(why.code, 'GW_LIVE_ORCHESTRATOR_SLOW', why.message);
      assert.equal(t.link.inFlight, 0, 'the stalled writes ended with the link');
    } finally {
      t.input()?.release();
      t.close();
    }
  });

  it('ends with GW_LIVE_NO_OUTPUT when the input flows and no output comes, not while the input is idle', async () => {
    const t = setup({ outputTimeoutMs: 400 });
    try {
      // No input at all for longer than the timeout: not the orchestrator's fault.
      await new Promise((r) => setTimeout(r, 600));
      const early = await Promise.race([t.link.ended, new Promise((r) => setTimeout(() => r('running'), 10))]);
      assert.equal(early, 'running');
      const t0 = Date.now();
      const feeding = setInterval(() => void t.segment('in').then((s) => s && t.link.publishInput(s)), 50);
      try {
        const why = await t.link.ended;
        assert.equal(why.code, 'GW_LIVE_NO_OUTPUT', why.message);
        assert.ok(Date.now() - t0 < 10_000);
      } finally {
        clearInterval(feeding);
      }
    } finally {
      t.close();
    }
  });

  it('takes the orchestrator\'s insufficient_balance event as the reason, with its figures', async () => {
    const t = setup();
    try {
      const f = {
        manifestId: MID, sender: '0x00000000000000000000000000000000000000aa', cause: 'payment_overdue' as const,
        balance: Rat.from(5n), owed: Rat.from(1n), required: Rat.from(9n), shortfall: Rat.from(4n), reserve: Rat.from(7n),
        pricePerSecond: Rat.from(1000n), price: livePriceInfo(1000n), lastPaymentAt: 1_700_000_000_000, stoppedAt: 1_700_000_003_001,
        billedMs: 3001n, credited: Rat.from(8n), debited: Rat.from(3n),
      };
      await t.orch.localPublisher(`${MID}-events`).write(bytes(JSON.stringify(insufficientBalanceEvent(f))));
      // The orchestrator then closes its channels.
      for (const c of [MID, `${MID}-out`, `${MID}-control`]) t.orch.closeChannel(c);
      const why = await t.link.ended;
      assert.equal(why.code, 'GW_LIVE_INSUFFICIENT_BALANCE', why.message);
      assert.deepEqual(why.insufficientBalance, f);
    } finally {
      t.close();
    }
  });
});
