import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rat } from '../money/index.js';
import { Balances } from './balances.js';
import { BillingError } from './errors.js';
import { insufficientBalanceEvent, readInsufficientBalanceEvent, type InsufficientBalance } from './live-events.js';
import { livePriceInfo } from './live-price.js';
import { LivePaymentReceiver, type LiveStreamHandlers } from './live-receiver.js';

const SENDER = '0x00000000000000000000000000000000000000aA';
const MID = 'abcd1234';
const WEI_PER_S = 1_000_003n; // prime: a ms costs 1,000,003/1000 wei, never a whole number

function recorder() {
  const events: InsufficientBalance[] = [];
  const stops: string[] = [];
  const handlers: LiveStreamHandlers = {
    onInsufficientBalance: (f) => void events.push(f),
    onStop: (r) => void stops.push(r),
  };
  return { events, stops, handlers };
}

function setup(opts: { intervalMs?: number; start?: number } = {}) {
  let now = opts.start ?? 10_000;
  let wall = 1_700_000_000_000;
  const balances = new Balances();
  const rx = new LivePaymentReceiver({ balances, intervalMs: opts.intervalMs ?? 1000, clock: () => now, wallClock: () => wall, timers: false });
  return {
    balances,
    rx,
    advance: (ms: number) => {
      now += ms;
      wall += ms;
    },
    wall: () => wall,
  };
}

describe('LivePaymentReceiver', () => {
  it('debits the elapsed stream time × price, exactly, interval after interval', async () => {
    const { balances, rx, advance } = setup();
    balances.credit(SENDER, MID, Rat.from(10n ** 12n));
    const r = recorder();
    // Nothing held as reserve: the credit pays for the stream, unpaid as it is.
    rx.open({ manifestId: MID, sender: SENDER, price: livePriceInfo(WEI_PER_S) }, r.handlers);
    for (const step of [1000, 1000, 1003, 997]) {
      advance(step);
      await rx.tick(MID);
    }
    // 4 s at 1,000,003 wei/s.
    assert.ok(balances.balance(SENDER, MID)!.eq(10n ** 12n - 4n * WEI_PER_S));
    assert.ok(rx.view(MID)!.debited.eq(4n * WEI_PER_S));
    assert.equal(rx.view(MID)!.billedMs, 4000n);
    assert.deepEqual(r.stops, []);
  });

  it('carries the sub-ms remainder across intervals: the debits add up to floor(elapsed) ms', async () => {
    const { balances, rx, advance } = setup({ start: 0.4 });
    balances.credit(SENDER, MID, Rat.from(10n ** 12n));
    rx.open({ manifestId: MID, sender: SENDER, price: livePriceInfo(WEI_PER_S) }, recorder().handlers);
    advance(1000.5); // 1000.5 ms: 1000 billed, 0.5 carried
    await rx.tick(MID);
    assert.equal(rx.view(MID)!.billedMs, 1000n);
    advance(999.6); // 2000.1 ms in all
    await rx.tick(MID);
    assert.equal(rx.view(MID)!.billedMs, 2000n);
    advance(0.7); // 2000.8: still no whole ms more
    await rx.tick(MID);
    assert.equal(rx.view(MID)!.billedMs, 2000n);
    advance(1.5); // 2002.3
    await rx.tick(MID);
    assert.equal(rx.view(MID)!.billedMs, 2002n);
    // 2.002 s × 1,000,003 wei/s = 2,002,006.006 wei.
    assert.ok(rx.view(MID)!.debited.eq(Rat.of(2_002_006_006n, 1000n)));
    assert.ok(balances.balance(SENDER, MID)!.eq(Rat.from(10n ** 12n).sub(Rat.of(2_002_006_006n, 1000n))));
  });

  it('stops within two intervals once payments stop, after writing the figures, and debits what ran', async () => {
    const { balances, rx, advance } = setup({ intervalMs: 1000 });
    const price = livePriceInfo(WEI_PER_S);
    // The start payment covers 3.5 s.
    const start = Rat.of(35n * WEI_PER_S, 10n);
    balances.credit(SENDER, MID, start);
    const r = recorder();
    rx.open({ manifestId: MID, sender: SENDER, price }, r.handlers, start);
    const paidAt = setupWall(rx);
    // One more payment of 1 s at t = 2 s, then none.
    for (let i = 1; i <= 10 && r.stops.length === 0; i++) {
      advance(1000);
      if (i === 2) {
        balances.credit(SENDER, MID, Rat.from(WEI_PER_S));
        rx.noteCredit(MID, Rat.from(WEI_PER_S));
      }
      await rx.tick(MID);
    }
    assert.deepEqual(r.stops, ['insufficient_balance']);
    assert.equal(r.events.length, 1);
    const f = r.events[0]!;
    assert.equal(f.cause, 'credit_exhausted');
    assert.ok(f.required.eq(f.owed));
    assert.ok(f.reserve.eq(start));
    // 4.5 s were paid; the tick at 5 s finds 0.5 s of credit for 1 s owed.
    assert.equal(f.billedMs, 5000n);
    assert.ok(f.balance.eq(Rat.of(WEI_PER_S, 2n)), f.balance.toString());
    assert.ok(f.owed.eq(WEI_PER_S));
    assert.ok(f.shortfall.eq(Rat.of(WEI_PER_S, 2n)));
    assert.ok(f.pricePerSecond.eq(WEI_PER_S));
    assert.deepEqual(f.price, price);
    assert.ok(f.credited.eq(Rat.of(45n * WEI_PER_S, 10n)));
    assert.ok(f.debited.eq(5n * WEI_PER_S));
    assert.equal(f.lastPaymentAt, paidAt + 2000);
    assert.equal(f.manifestId, MID);
    assert.equal(f.sender, SENDER);
    // Stopped 0.5 s after the credit ran out: within two intervals.
    assert.ok(balances.balance(SENDER, MID)!.eq(Rat.of(-WEI_PER_S, 2n)));
    // Stopped: further ticks do nothing, close() adds no time after the figures.
    advance(3000);
    assert.equal(await rx.tick(MID), undefined);
    const last = rx.close(MID)!;
    assert.ok(last.debited.eq(5n * WEI_PER_S));
    assert.equal(rx.size, 0);
    assert.equal(rx.close(MID), undefined, 'idempotent');
  });

  it('stops a stream whose payments stop two intervals after the payment it missed, though its preload still holds', async () => {
    const { balances, rx, advance, wall } = setup({ intervalMs: 1000 });
    const price = livePriceInfo(WEI_PER_S);
    // The start payment covers 60 s: the reserve.
    const start = Rat.from(60n * WEI_PER_S);
    balances.credit(SENDER, MID, start);
    const r = recorder();
    rx.open({ manifestId: MID, sender: SENDER, price }, r.handlers, start);
    // Paid every second for 5 s (each payment the elapsed second), passes every 250 ms.
    let lastPaid = 0;
    let stoppedAt: number | undefined;
    for (let t = 250; t <= 30_000 && stoppedAt === undefined; t += 250) {
      advance(250);
      if (t <= 5000 && t % 1000 === 0) {
        balances.credit(SENDER, MID, Rat.from(WEI_PER_S));
        rx.noteCredit(MID, Rat.from(WEI_PER_S));
        lastPaid = wall();
      }
      if (await rx.tick(MID)) stoppedAt = wall();
    }
    assert.deepEqual(r.stops, ['insufficient_balance']);
    const f = r.events[0]!;
    assert.equal(f.cause, 'payment_overdue');
    // The payment due at 6 s did not come; the first pass more than 3 intervals after the last payment stops it.
    assert.equal(stoppedAt! - lastPaid, 3250);
    assert.equal(f.lastPaymentAt, lastPaid);
    assert.equal(f.stoppedAt, stoppedAt);
    // 60 s + 5 s credited, 8 s streamed: 57 s held, below the 60 s reserve + this pass's 0.25 s.
    assert.ok(f.balance.eq(Rat.from(57n * WEI_PER_S)), f.balance.toString());
    assert.ok(f.owed.eq(Rat.of(WEI_PER_S, 4n)));
    assert.ok(f.reserve.eq(start));
    assert.ok(f.required.eq(Rat.of(241n * WEI_PER_S, 4n)), f.required.toString());
    assert.ok(f.shortfall.eq(f.required.sub(f.balance)));
    assert.ok(f.debited.eq(Rat.of(8250n * WEI_PER_S, 1000n)), 'the time that ran is debited');
    assert.equal(rx.close(MID)!.debited.toString(), f.debited.toString());
  });

  it('an overdue stream paid beyond its reserve streams to the end of what it paid, then stops', async () => {
    const { balances, rx, advance } = setup({ intervalMs: 1000 });
    const price = livePriceInfo(WEI_PER_S);
    const start = Rat.from(10n * WEI_PER_S);
    // The start payment, and 5 s prepaid on top of it.
    balances.credit(SENDER, MID, start.add(5n * WEI_PER_S));
    const r = recorder();
    rx.open({ manifestId: MID, sender: SENDER, price }, r.handlers, start);
    for (let i = 1; i <= 3; i++) {
      advance(1000);
      await rx.tick(MID);
    }
    advance(500); // 3.5 s unpaid: overdue, but 1.5 s beyond the reserve remain
    assert.equal(await rx.tick(MID), undefined);
    advance(1000); // 4.5 s: 0.5 s remain
    assert.equal(await rx.tick(MID), undefined);
    advance(500); // 5 s: exactly what it paid, not yet beyond it
    assert.equal(await rx.tick(MID), undefined);
    advance(1); // 1 ms on the reserve
    const f = await rx.tick(MID);
    assert.equal(f?.cause, 'payment_overdue');
    assert.ok(f.balance.eq(start), 'the whole reserve is held');
    assert.ok(f.debited.eq(Rat.of(5001n * WEI_PER_S, 1000n)), f.debited.toString());
    assert.deepEqual(r.stops, ['insufficient_balance']);
    rx.close(MID);
  });

  it('on real timers: a paid stream runs, an unpaid one on its reserve stops after the deadline, no timer left', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const before = timers();
    const balances = new Balances();
    const rx = new LivePaymentReceiver({ balances, intervalMs: 500 });
    assert.equal(rx.overdueMs, 1500);
    const price = livePriceInfo(1_000_000n); // 1,000 wei per ms
    const start = Rat.from(10n ** 9n); // 1,000 s of stream: credit exhaustion is far away
    balances.credit(SENDER, MID, start);
    const r = recorder();
    let stoppedAt: number | undefined;
    const stopped = new Promise<void>((resolve) => {
      rx.open({ manifestId: MID, sender: SENDER, price }, { ...r.handlers, onStop: (why) => (r.stops.push(why), (stoppedAt = Date.now()), resolve()) }, start);
    });
    // Paid (0.1 s each time) every 100 ms, well within the 1.5 s deadline, for 2 s: never stopped.
    let lastPaid = Date.now();
    const paying = setInterval(() => {
      balances.credit(SENDER, MID, Rat.from(100_000n));
      rx.noteCredit(MID, Rat.from(100_000n));
      lastPaid = Date.now();
    }, 100);
    try {
      assert.equal(timers(), before + 3, 'the interval pass, the deadline, and the test\'s payer');
      await new Promise((res) => setTimeout(res, 2000));
      clearInterval(paying);
      assert.deepEqual(r.stops, [], 'a stream paid every interval runs');
      await withTimeout(stopped, 20_000);
      assert.equal(r.events[0]!.cause, 'payment_overdue');
      assert.ok(stoppedAt! - lastPaid >= 1500, `stopped ${stoppedAt! - lastPaid} ms after the last payment`);
      rx.close(MID);
      assert.equal(timers(), before);
    } finally {
      clearInterval(paying);
      rx.closeAll();
    }
  });

  it('a normal close debits the time since the last interval', async () => {
    const { balances, rx, advance } = setup();
    balances.credit(SENDER, MID, Rat.from(10n ** 12n));
    rx.open({ manifestId: MID, sender: SENDER, price: livePriceInfo(WEI_PER_S) }, recorder().handlers);
    advance(1000);
    await rx.tick(MID);
    advance(250);
    const v = rx.close(MID)!;
    assert.equal(v.billedMs, 1250n);
    assert.ok(v.debited.eq(Rat.of(1250n * WEI_PER_S, 1000n)));
    assert.ok(balances.balance(SENDER, MID)!.eq(Rat.from(10n ** 12n).sub(Rat.of(1250n * WEI_PER_S, 1000n))));
  });

  it('bounds the streams it accounts and refuses one more with 503 insufficient capacity', () => {
    const rx = new LivePaymentReceiver({ balances: new Balances(), maxStreams: 1, timers: false });
    rx.open({ manifestId: 'a', sender: SENDER, price: livePriceInfo(1n) }, recorder().handlers);
    assert.throws(
      () => rx.open({ manifestId: 'b', sender: SENDER, price: livePriceInfo(1n) }, recorder().handlers),
      (e: unknown) => e instanceof BillingError && e.code === 'INSUFFICIENT_CAPACITY' && e.status === 503,
    );
    rx.closeAll();
    assert.equal(rx.size, 0);
  });

  it('on real timers: an overdue stream paid ahead is stopped the moment its paid time ends, not at the next interval pass', async () => {
    const balances = new Balances();
    const rx = new LivePaymentReceiver({ balances, intervalMs: 1000 });
    const price = livePriceInfo(1_000_000n); // 1,000 wei per ms
    const start = Rat.from(10n ** 9n);
    // The start payment (the reserve) and 3.3 s beyond it: overdue at 3 s, paid to 3.3 s; passes at 3 s and 4 s.
    balances.credit(SENDER, MID, start.add(3_300_000n));
    const r = recorder();
    const openedAt = Date.now();
    let stoppedAt: number | undefined;
    const stopped = new Promise<void>((resolve) => {
      rx.open({ manifestId: MID, sender: SENDER, price }, { ...r.handlers, onStop: (why) => (r.stops.push(why), (stoppedAt = Date.now()), resolve()) }, start);
    });
    try {
      await withTimeout(stopped, 20_000);
      const f = r.events[0]!;
      assert.equal(f.cause, 'payment_overdue');
      assert.ok(stoppedAt! - openedAt >= 3300, `stopped ${stoppedAt! - openedAt} ms after the start, before its paid time ended`);
      assert.ok(stoppedAt! - openedAt < 3900, `stopped ${stoppedAt! - openedAt} ms after the start: the next pass (4 s) stopped it, not its deadline`);
      assert.ok(f.balance.sub(f.owed).lt(f.reserve), 'stopped once on its reserve');
    } finally {
      rx.closeAll();
    }
  });

  it('on real timers: stops a stream whose credit runs out, and leaves no timer behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const before = timers();
    const balances = new Balances();
    const rx = new LivePaymentReceiver({ balances, intervalMs: 20 });
    const price = livePriceInfo(1_000_000n); // 1,000 wei per ms
    balances.credit(SENDER, MID, Rat.from(60_000n)); // 60 ms of stream
    const r = recorder();
    const stopped = new Promise<void>((resolve) => {
      rx.open({ manifestId: MID, sender: SENDER, price }, {
        ...r.handlers,
        onStop: (why) => {
          r.stops.push(why);
          resolve();
        },
      });
    });
    // A free stream next to it has no timer at all.
    rx.open({ manifestId: 'free', sender: SENDER, price: livePriceInfo(0n) }, recorder().handlers);
    assert.equal(timers(), before + 2, 'the priced stream\'s interval pass and overdue deadline');
    await withTimeout(stopped, 20_000);
    const f = r.events[0]!;
    // The stop came at the first pass whose interval the balance could not cover.
    assert.ok(f.balance.lt(f.owed));
    assert.ok(f.debited.eq(Rat.from(f.billedMs * 1000n)));
    assert.ok(f.debited.gt(60_000n));
    rx.close(MID);
    rx.close('free');
    assert.equal(rx.size, 0);
    assert.equal(timers(), before);
  });
});

describe('insufficient_balance event', () => {
  it('round-trips its figures through JSON, wrapped or bare', () => {
    const f: InsufficientBalance = {
      manifestId: MID,
      sender: SENDER,
      cause: 'payment_overdue',
      balance: Rat.of(1n, 3n),
      owed: Rat.of(1_000_003n, 1000n),
      required: Rat.of(1_000_003n, 100n),
      shortfall: Rat.of(1_000_003n, 100n).sub(Rat.of(1n, 3n)),
      reserve: Rat.of(5n, 2n),
      pricePerSecond: Rat.from(WEI_PER_S),
      price: livePriceInfo(WEI_PER_S),
      lastPaymentAt: 1_700_000_000_123,
      stoppedAt: 1_700_000_003_500,
      billedMs: 5001n,
      credited: Rat.from(7n),
      debited: Rat.of(9n, 2n),
    };
    const ev = JSON.parse(JSON.stringify(insufficientBalanceEvent(f))) as { queue_event_type: string; event: Record<string, unknown> };
    assert.equal(ev.queue_event_type, 'ai_stream_events');
    assert.equal(ev.event.type, 'insufficient_balance');
    assert.equal(ev.event.balance_wei, '1/3');
    assert.equal(ev.event.owed_wei, '1000003/1000');
    assert.equal(ev.event.price_per_second_wei, '1000003');
    assert.equal(ev.event.last_payment_at, '2023-11-14T22:13:20.123Z');
    assert.equal(ev.event.stopped_at, '2023-11-14T22:13:23.500Z');
    assert.equal(ev.event.cause, 'payment_overdue');
    assert.equal(ev.event.reserve_wei, '5/2');
    assert.deepEqual(readInsufficientBalanceEvent(ev), f);
    assert.deepEqual(readInsufficientBalanceEvent(ev.event), f);
    assert.equal(readInsufficientBalanceEvent({ event: { type: 'status' } }), undefined);
    assert.equal(readInsufficientBalanceEvent({ event: { ...ev.event, owed_wei: 'lots' } }), undefined);
    const none = JSON.parse(JSON.stringify(insufficientBalanceEvent({ ...f, lastPaymentAt: undefined }))) as unknown;
    assert.equal(readInsufficientBalanceEvent(none)!.lastPaymentAt, undefined);
    // An event of the first version (no cause, required, reserve, stopped_at) still reads.
    const { cause: _c, required_wei: _r, reserve_wei: _s, stopped_at: _t, ...v1 } = ev.event;
    const old = readInsufficientBalanceEvent(v1)!;
    assert.equal(old.cause, 'credit_exhausted');
    assert.ok(old.required.eq(f.owed) && old.reserve.isZero());
    assert.equal(old.stoppedAt, undefined);
  });
});

function setupWall(rx: LivePaymentReceiver): number {
  return rx.view(MID)!.lastPaymentAt!;
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}
