// The HTTP clients' go-livepeer behaviour against the real server on loopback: the subscriber's
// re-issued waiting GET, its retry limit, the publisher's rewrite of a segment (same idx) and its
// abort, and the local publisher/subscriber talking to HTTP ones.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isTrickleError } from './errors.js';
import { startTrickleServer, type StandaloneTrickle } from './mount.js';
import { HttpTricklePublisher, type HttpSegmentWriter } from './publisher.js';
import { HttpTrickleSubscriber } from './subscriber.js';
import { collect, payload, until } from './testkit.js';

describe('trickle clients', { timeout: 15_000 }, () => {
  let srv: StandaloneTrickle;
  let n = 0;
  const channel = () => {
    const name = `k${n++}`;
    srv.trickle.createChannel(name, 'video/MP2T');
    return { name, url: `${srv.url}${name}` };
  };
  before(async () => {
    srv = await startTrickleServer({ port: 0 });
  });
  after(async () => srv.close());

  it('re-issues a waiting GET every refreshMs and still gets the segment', async () => {
    const { name, url } = channel();
    // start 0, not -1: a GET for -1 re-issued while the write begins asks for the write after it
    // (subscriber.ts); under load that race is likely at a 30 ms refresh and the read would wait.
    const sub = new HttpTrickleSubscriber({ url, refreshMs: 30, start: 0 });
    const before = srv.trickle.requests.GET;
    const reading = sub.read();
    await until(() => srv.trickle.requests.GET - before >= 4, 'three re-issued GETs');
    // The re-issued GETs replaced each other: one reader waits, not four.
    await until(() => srv.trickle.channel(name)!.get(0)?.readerCount === 1, 'one waiting reader');
    const pub = srv.trickle.localPublisher(name);
    await pub.write(payload(100, 9));
    const r = await reading;
    assert.ok(r);
    assert.ok((await collect(r)).equals(payload(100, 9)));
    sub.close();
    await pub.close();
  });

  it('gives up with TRICKLE_TOO_MANY_ERRORS after more than maxRetries consecutive failures', async () => {
    let hits = 0;
    const failing = createServer((_req, res) => {
      hits++;
      res.writeHead(503).end('overloaded');
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    try {
      const sub = new HttpTrickleSubscriber({ url: `http://127.0.0.1:${(failing.address() as AddressInfo).port}/x`, retryDelayMs: 1 });
      await assert.rejects(sub.read(), (e: unknown) => isTrickleError(e, 'TRICKLE_TOO_MANY_ERRORS') && isTrickleError(e.cause, 'TRICKLE_HTTP'));
      assert.equal(hits, 6, 'the first attempt and 5 retries');
      sub.close();
    } finally {
      failing.closeAllConnections();
      await new Promise<void>((r) => failing.close(() => r()));
    }
  });

  it('a rewritten segment reconnects to the same idx; the readers get the new bytes', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    try {
      const w = (await pub.next()) as HttpSegmentWriter;
      await w.write(payload(500, 1));
      const again = w.reconnect();
      assert.equal(again.seq, 0);
      await again.write(payload(300, 2));
      await again.end();
      const sub = new HttpTrickleSubscriber({ url, start: 0 });
      const r = await sub.read();
      assert.ok(r);
      assert.equal(r.seq, 0);
      assert.ok((await collect(r)).equals(payload(300, 2)));
      sub.close();
      // The publisher goes on at idx 1.
      await pub.write(payload(10, 3));
      const next = await fetch(`${url}/next`);
      assert.equal(await next.text(), '2');
    } finally {
      await pub.close();
    }
  });

  it('an aborted segment breaks off for its reader; the channel goes on', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    const sub = new HttpTrickleSubscriber({ url, start: 0 });
    try {
      const w = await pub.next();
      await w.write(payload(1000, 1));
      const r = await sub.read();
      assert.ok(r);
      const body = collect(r);
      w.abort();
      await assert.rejects(body, (e: unknown) => isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'));
      await pub.write(payload(20, 2));
      const r1 = await sub.read();
      assert.ok(r1);
      assert.equal(r1.seq, 1);
      assert.ok((await collect(r1)).equals(payload(20, 2)));
    } finally {
      sub.close();
      await pub.close();
    }
  });

  it('local publisher → HTTP subscriber and HTTP publisher → local subscriber, with EOS both ways', async () => {
    const a = channel();
    const local = srv.trickle.localPublisher(a.name);
    const httpSub = new HttpTrickleSubscriber({ url: a.url, start: 0 });
    await local.write(payload(4000, 1));
    const r = await httpSub.read();
    assert.ok(r);
    assert.ok((await collect(r)).equals(payload(4000, 1)));
    const waiting = httpSub.read();
    await until(() => (srv.trickle.channel(a.name)?.get(1)?.readerCount ?? 0) > 0, 'the HTTP GET waiting on seq 1');
    await local.close();
    assert.equal(await waiting, null);
    httpSub.close();

    const b = channel();
    const httpPub = new HttpTricklePublisher({ url: b.url });
    const localSub = srv.trickle.localSubscriber(b.name, { start: -2 });
    const w = await httpPub.next();
    await w.write(payload(2000, 2));
    await until(() => srv.trickle.channel(b.name)!.nextWrite === 1, 'the first byte at the server');
    const lr = await localSub.read();
    assert.ok(lr);
    assert.equal(lr.seq, 0);
    const body = collect(lr);
    await w.write(payload(1000, 3));
    await w.end();
    assert.ok((await body).equals(Buffer.concat([payload(2000, 2), payload(1000, 3)])));
    const next = localSub.read();
    await httpPub.close();
    assert.equal(await next, null);
    assert.equal(await localSub.read(), null);
    localSub.close();
  });
});
