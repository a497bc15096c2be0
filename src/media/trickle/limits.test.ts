// Bounded state of the trickle server on real loopback sockets: a fast publisher and a slow
// subscriber (server-held bytes read through bufferedBytes, never more than the window), the
// per-segment and per-server caps, and the idle sweep (timeouts shortened to milliseconds).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceNonexistentError, isTrickleError } from './errors.js';
import { startTrickleServer } from './mount.js';
import { HttpTricklePublisher } from './publisher.js';
import { TrickleServer } from './server.js';
import { HttpTrickleSubscriber } from './subscriber.js';
import { collect, payload, until } from './testkit.js';

describe('trickle bounded memory', () => {
  it('a slow subscriber never makes the server hold more than the window, nor blocks the publisher', async () => {
    const cap = 2 * 1024 * 1024;
    const srv = await startTrickleServer({ port: 0, maxSegmentBytes: cap });
    const url = `${srv.url}fast`;
    srv.trickle.createChannel('fast', 'video/MP2T');
    const pub = new HttpTricklePublisher({ url });
    const slow = new HttpTrickleSubscriber({ url, start: 0 });
    try {
      const seg = 1536 * 1024;
      await pub.write(payload(seg, 0));
      // The slow reader takes segment 0 and reads one chunk, then stops reading.
      const r0 = await slow.read();
      assert.ok(r0);
      const it0 = r0[Symbol.asyncIterator]();
      const firstChunk = await it0.next();
      assert.ok(!firstChunk.done);
      const got: Buffer[] = [Buffer.from(firstChunk.value)];
      let peak = 0;
      for (let i = 1; i < 20; i++) {
        await pub.write(payload(seg, i)); // completes although the reader does not read
        peak = Math.max(peak, srv.trickle.bufferedBytes);
        assert.ok(srv.trickle.bufferedBytes <= 5 * cap, `held ${srv.trickle.bufferedBytes} bytes after segment ${i}`);
      }
      assert.ok(peak <= 5 * seg, `peak ${peak} within 5 segments`);
      assert.ok(peak >= 4 * seg, `peak ${peak}: the window does hold the last segments`);
      // Segment 0 left the window. What the sockets had taken before that still arrives; if the rest
      // did not fit in them the body breaks off: either way never a silently short segment.
      try {
        for (;;) {
          const n = await it0.next();
          if (n.done) break;
          got.push(Buffer.from(n.value));
        }
        assert.ok(Buffer.concat(got).equals(payload(seg, 0)), 'a body that ends normally is whole');
      } catch (e) {
        assert.ok(isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'), String(e));
      }
      // It is far behind: within a read or two (one GET was preconnected before it fell behind) it
      // gets 470 with the live edge, each segment meanwhile whole or broken off.
      let behind: SequenceNonexistentError | undefined;
      for (let i = 0; i < 3 && !behind; i++) {
        try {
          const r = await slow.read();
          assert.ok(r);
          const data = await collect(r).catch((e: unknown) => {
            assert.ok(isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'), String(e));
            return undefined;
          });
          if (data) assert.ok(data.equals(payload(seg, r.seq)), `segment ${r.seq} whole`);
        } catch (e) {
          if (!(e instanceof SequenceNonexistentError)) throw e;
          behind = e;
        }
      }
      assert.ok(behind, 'the slow reader was told it fell out of the window');
      assert.equal(behind.latest, 20);
    } finally {
      slow.close();
      await pub.close();
      await srv.close();
    }
    assert.equal(srv.trickle.bufferedBytes, 0, 'nothing held once the channel is closed');
  });

  it('a local reader that falls out of the window gets TRICKLE_SEGMENT_ABORTED, then 470', async () => {
    const trickle = new TrickleServer({ maxSegmentBytes: 1024 });
    try {
      trickle.createChannel('w');
      const pub = trickle.localPublisher('w');
      const sub = trickle.localSubscriber('w', { start: 0 });
      const w = await pub.next();
      await w.write(payload(500, 0));
      const r = await sub.read();
      assert.ok(r);
      const it = r[Symbol.asyncIterator]();
      assert.equal((await it.next()).done, false);
      await w.write(payload(500, 1));
      await w.end();
      for (let i = 1; i <= 6; i++) await pub.write(payload(1000, i));
      assert.ok(trickle.bufferedBytes <= 5 * 1000);
      await assert.rejects(it.next(), (e: unknown) => isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'));
      await assert.rejects(sub.read(), (e: unknown) => e instanceof SequenceNonexistentError && e.seq === 1 && e.latest === 7);
      await pub.close();
    } finally {
      trickle.close();
    }
  });

  it('cuts a segment past the per-segment cap with 413; its reader sees an error, the channel goes on', async () => {
    const srv = await startTrickleServer({ port: 0, maxSegmentBytes: 100_000 });
    srv.trickle.createChannel('cap');
    const url = `${srv.url}cap`;
    const pub = new HttpTricklePublisher({ url });
    const sub = new HttpTrickleSubscriber({ url, start: 0 });
    try {
      const w = await pub.next();
      await w.write(payload(60_000, 1));
      const r = await sub.read();
      assert.ok(r);
      const body = collect(r);
      await w.write(payload(60_000, 2)).catch(() => {});
      await assert.rejects(w.end(), (e: unknown) => isTrickleError(e, 'TRICKLE_HTTP') && e.status === 413);
      await assert.rejects(body, (e: unknown) => isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'));
      assert.ok(srv.trickle.bufferedBytes <= 100_000);
      await pub.write(payload(10, 3));
      const next = await sub.read();
      assert.ok(next);
      assert.equal(next.seq, 1);
      assert.ok((await collect(next)).equals(payload(10, 3)));
    } finally {
      sub.close();
      await pub.close();
      await srv.close();
    }
  });

  it('caps the channels a server holds (TRICKLE_TOO_MANY_CHANNELS in-process, 503 over HTTP)', async () => {
    const srv = await startTrickleServer({ port: 0, maxChannels: 2 });
    try {
      srv.trickle.createChannel('a');
      srv.trickle.createChannel('b');
      assert.throws(() => srv.trickle.createChannel('c'), (e: unknown) => isTrickleError(e, 'TRICKLE_TOO_MANY_CHANNELS'));
      assert.throws(() => srv.trickle.createChannel('a'), (e: unknown) => isTrickleError(e, 'TRICKLE_CHANNEL_EXISTS'));
      const res = await fetch(`${srv.url}c/0`, { method: 'POST', body: 'x' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('livepeer-error-code'), 'TRICKLE_TOO_MANY_CHANNELS');
      await res.text();
      srv.trickle.closeChannel('a');
      srv.trickle.createChannel('c');
      assert.equal(srv.trickle.channelCount, 2);
    } finally {
      await srv.close();
    }
  });

  it('closes channels idle past the timeout (names starting _ exempt); their subscribers see EOS', async () => {
    const events: string[] = [];
    // Long enough for the subscriber's GET to be waiting before the sweep can close the channel.
    const srv = await startTrickleServer({ port: 0, idleTimeoutMs: 1500, sweepIntervalMs: 10, onEvent: (e) => events.push(`${e.type}:${e.channel}`) });
    try {
      srv.trickle.createChannel('idle');
      srv.trickle.createChannel('_internal');
      srv.trickle.createChannel('busy');
      const sub = new HttpTrickleSubscriber({ url: `${srv.url}idle` });
      const waiting = sub.read();
      await until(() => srv.trickle.channel('idle')?.get(0)?.readerCount === 1, 'the GET waiting on idle');
      const busy = new HttpTricklePublisher({ url: `${srv.url}busy` });
      // `busy` keeps writing; `idle` gets nothing.
      let writes = 0;
      while (srv.trickle.hasChannel('idle')) {
        await busy.write(payload(10, writes++));
        if (writes > 100_000) throw new Error('idle channel never swept');
      }
      assert.equal(await waiting, null);
      assert.ok(events.includes('idle-closed:idle'));
      assert.equal(srv.trickle.hasChannel('_internal'), true);
      assert.equal(srv.trickle.hasChannel('busy'), true);
      sub.close();
      await busy.close();
      await until(() => !srv.trickle.hasChannel('busy'), 'busy closed');
    } finally {
      await srv.close();
    }
  });
});
