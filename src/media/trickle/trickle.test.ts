// The trickle server and the HTTP clients on a real loopback server (the standalone HTTP/1.1 one):
// ordering, streaming reads of a segment being written, late join (-1, -2), 470, EOS, reset, 404,
// /next, DELETE of a segment, preconnect keepalives.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SequenceNonexistentError, isTrickleError } from './errors.js';
import { startTrickleServer, type StandaloneTrickle } from './mount.js';
import { HttpTricklePublisher } from './publisher.js';
import { HttpTrickleSubscriber } from './subscriber.js';
import { collect, payload, until } from './testkit.js';

describe('trickle over HTTP/1.1 (standalone server)', () => {
  let srv: StandaloneTrickle;
  let n = 0;
  /** A fresh channel and its URL. */
  const channel = (mime = 'video/MP2T') => {
    const name = `c${n++}`;
    srv.trickle.createChannel(name, mime);
    return { name, url: `${srv.url}${name}` };
  };
  before(async () => {
    srv = await startTrickleServer({ port: 0, firstByteKeepaliveMs: 50 });
  });
  after(async () => srv.close());

  it('delivers segments in order, each whole', async () => {
    const { url } = channel();
    const sub = new HttpTrickleSubscriber({ url, start: 0 });
    const pub = new HttpTricklePublisher({ url });
    try {
      const sent = [payload(1000, 1), payload(70_000, 2), payload(5, 3), payload(300_000, 4), payload(0, 5), payload(9, 6)];
      const reading = (async () => {
        const got: { seq: number; data: Buffer }[] = [];
        for (let i = 0; i < sent.length; i++) {
          const r = await sub.read();
          assert.ok(r);
          got.push({ seq: r.seq, data: await collect(r) });
        }
        return got;
      })();
      for (const s of sent) await pub.write(s);
      const got = await reading;
      assert.deepEqual(got.map((g) => g.seq), [0, 1, 2, 3, 4, 5]);
      for (let i = 0; i < sent.length; i++) assert.ok(got[i]!.data.equals(sent[i]!), `segment ${i} bytes`);
    } finally {
      await pub.close();
      sub.close();
    }
  });

  it('streams a segment to readers while it is being written', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    const subs = [new HttpTrickleSubscriber({ url, start: 0 }), new HttpTrickleSubscriber({ url, start: -2 })];
    try {
      const w = await pub.next();
      const first = payload(10_000, 1);
      const second = payload(20_000, 2);
      await w.write(first);
      const got = subs.map(() => [] as Buffer[]);
      const done = subs.map(async (s, i) => {
        const r = await s.read();
        assert.ok(r);
        assert.equal(r.seq, 0);
        for await (const c of r) got[i]!.push(Buffer.from(c));
      });
      // Both readers have the first bytes while the segment is still open.
      await until(() => got.every((g) => Buffer.concat(g).length >= first.length), 'the first chunk at both readers');
      assert.ok(got.every((g) => Buffer.concat(g).equals(first)));
      await w.write(second);
      await w.end();
      await Promise.all(done);
      for (const g of got) assert.ok(Buffer.concat(g).equals(Buffer.concat([first, second])));
    } finally {
      await pub.close();
      for (const s of subs) s.close();
    }
  });

  it('late join: -2 reads the segment being written from its start, -1 waits for the next one', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    try {
      await pub.write(payload(100, 0));
      await pub.write(payload(100, 1));
      const w = await pub.next();
      const head = payload(5000, 2);
      await w.write(head);
      await until(() => srv.trickle.channel(url.split('/').pop()!)!.nextWrite === 3, 'the live edge past seq 2');
      const current = new HttpTrickleSubscriber({ url, start: -2 });
      const nextSub = new HttpTrickleSubscriber({ url, start: -1 });
      const r2 = await current.read();
      assert.ok(r2);
      assert.equal(r2.seq, 2);
      const nextRead = nextSub.read();
      await until(() => (srv.trickle.channel(url.split('/').pop()!)!.get(3)?.readerCount ?? 0) > 0, 'the -1 GET waiting on seq 3');
      const tail = payload(3000, 3);
      await w.write(tail);
      await w.end();
      assert.ok((await collect(r2)).equals(Buffer.concat([head, tail])), '-2 got the segment from its first byte');
      const s3 = payload(777, 4);
      await pub.write(s3);
      const r3 = await nextRead;
      assert.ok(r3);
      assert.equal(r3.seq, 3);
      assert.ok((await collect(r3)).equals(s3));
      current.close();
      nextSub.close();
    } finally {
      await pub.close();
    }
  });

  it('answers 470 with Lp-Trickle-Latest for a seq outside the window, and jumps there on request', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    try {
      for (let i = 0; i < 7; i++) await pub.write(payload(50, i));
      const sub = new HttpTrickleSubscriber({ url, start: 0 });
      await assert.rejects(sub.read(), (e: unknown) => e instanceof SequenceNonexistentError && e.seq === 0 && e.latest === 7 && e.code === 'TRICKLE_SEQUENCE_NONEXISTENT');
      sub.close();
      const res = await fetch(`${url}/0`);
      assert.equal(res.status, 470);
      assert.equal(res.headers.get('lp-trickle-latest'), '7');
      assert.equal(await res.text(), 'Entry not found');
      // The window holds 3..6 and the preconnected 7 (whose POST took slot 2 already).
      const inWindow = new HttpTrickleSubscriber({ url, start: 3 });
      const r = await inWindow.read();
      assert.ok(r);
      assert.ok((await collect(r)).equals(payload(50, 3)));
      inWindow.close();
      const jumper = new HttpTrickleSubscriber({ url, start: 1, jumpToLatest: true });
      const reading = jumper.read();
      await until(() => (srv.trickle.channel(url.split('/').pop()!)!.get(7)?.readerCount ?? 0) > 0, 'the jumper waiting on seq 7');
      await pub.write(payload(60, 7));
      const j = await reading;
      assert.ok(j);
      assert.equal(j.seq, 7);
      assert.ok((await collect(j)).equals(payload(60, 7)));
      jumper.close();
    } finally {
      await pub.close();
    }
  });

  it('close: waiting subscribers get EOS (null, and null again), a later GET is 404, a publisher gets TRICKLE_EOS', async () => {
    const { name, url } = channel();
    // The POSTs that reached the server, by seq. This server autocreates (as the standalone one
    // does): a preconnect still on its way when the DELETE lands would create the channel again,
    // so the DELETE waits for every POST the publishers opened (pub: 0 and its preconnect 1;
    // other: 3 and the preconnect 4 its next() opens).
    const ch = srv.trickle.channel(name)!;
    const posted = new Set<number>();
    const forWrite = ch.forWrite.bind(ch);
    ch.forWrite = (seq) => (posted.add(seq), forWrite(seq));
    const pub = new HttpTricklePublisher({ url });
    const other = new HttpTricklePublisher({ url, start: 3 });
    const sub = new HttpTrickleSubscriber({ url, start: 0 });
    await pub.write(payload(10, 0));
    const r0 = await sub.read();
    assert.ok(r0);
    await collect(r0);
    const waiting = sub.read();
    const w = await other.next();
    await until(() => (ch.get(1)?.readerCount ?? 0) > 0 && [0, 1, 3, 4].every((s) => posted.has(s)), 'the preconnected GET and the four POSTs at the server');
    await pub.close();
    assert.equal(await waiting, null);
    assert.equal(await sub.read(), null);
    assert.equal(srv.trickle.hasChannel(name), false);
    const res = await fetch(`${url}/1`);
    assert.equal(res.status, 404);
    await res.text();
    // The other publisher's preconnect was answered with Lp-Trickle-Closed.
    await assert.rejects(w.end(), (e: unknown) => isTrickleError(e, 'TRICKLE_EOS'));
    await other.close();
    sub.close();
  });

  it('a segment ending empty on a closed channel carries Lp-Trickle-Closed; /next reports the edge', async () => {
    const { name, url } = channel();
    const pub = new HttpTricklePublisher({ url });
    await pub.write(payload(10, 0));
    const next = await fetch(`${url}/next`);
    assert.equal(await next.text(), '1');
    assert.equal(next.headers.get('lp-trickle-latest'), '1');
    const pending = fetch(`${url}/1`);
    await until(() => (srv.trickle.channel(name)?.get(1)?.readerCount ?? 0) > 0, 'the GET waiting on seq 1');
    srv.trickle.channel(name)!.close();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('lp-trickle-closed'), 'terminated');
    assert.equal(res.headers.get('lp-trickle-seq'), '1');
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    // Closed but not yet removed: a missing seq is a 200 "Entry not found" with the closed header.
    const gone = await fetch(`${url}/0`);
    assert.equal(gone.status, 200);
    assert.equal(gone.headers.get('lp-trickle-closed'), 'terminated');
    assert.equal(await gone.text(), 'Entry not found');
    srv.trickle.closeChannel(name);
    await pub.close();
  });

  it('404 for unknown channels: subscriber TRICKLE_STREAM_NOT_FOUND; publisher too without autocreate', async () => {
    const sub = new HttpTrickleSubscriber({ url: `${srv.url}nope` });
    await assert.rejects(sub.read(), (e: unknown) => isTrickleError(e, 'TRICKLE_STREAM_NOT_FOUND'));
    sub.close();
    const strict = await startTrickleServer({ port: 0, autocreate: false });
    try {
      const pub = new HttpTricklePublisher({ url: `${strict.url}nope` });
      await assert.rejects(pub.write(payload(10)), (e: unknown) => isTrickleError(e, 'TRICKLE_STREAM_NOT_FOUND'));
      await pub.close();
      const create = await fetch(`${strict.url}nope`, { method: 'POST', headers: { 'Expect-Content': 'video/MP2T' } });
      assert.equal(create.status, 404);
      await create.text();
      assert.equal(strict.trickle.channelCount, 0);
    } finally {
      await strict.close();
    }
  });

  it('autocreate: POST /{channel} creates it with Expect-Content as its mime', async () => {
    const res = await fetch(`${srv.url}auto1`, { method: 'POST', headers: { 'Expect-Content': 'application/json' } });
    assert.equal(res.status, 200);
    await res.text();
    const pub = new HttpTricklePublisher({ url: `${srv.url}auto1`, mime: 'application/json' });
    await pub.write(Buffer.from('{"a":1}'));
    const got = await fetch(`${srv.url}auto1/0`);
    assert.equal(got.headers.get('content-type'), 'application/json');
    assert.equal(await got.text(), '{"a":1}');
    await pub.close();
  });

  it('Lp-Trickle-Reset ends the segments below the restarted publisher\'s first one', async () => {
    const { url } = channel();
    const pub = new HttpTricklePublisher({ url });
    const sub = new HttpTrickleSubscriber({ url, start: 0 });
    const w = await pub.next();
    await w.write(payload(1000, 1));
    const r = await sub.read();
    assert.ok(r);
    const body = collect(r);
    // The publisher "restarts": a new one at seq 1 with the reset header; seq 0 never ends by itself.
    const restarted = new HttpTricklePublisher({ url, start: 1, reset: true });
    await restarted.write(payload(10, 2));
    assert.ok((await body).equals(payload(1000, 1)), 'seq 0 ended with what was written');
    w.abort();
    await restarted.close();
    await pub.close();
    sub.close();
  });

  it('DELETE of a segment ends it for a waiting reader', async () => {
    const { name, url } = channel();
    const pub = new HttpTricklePublisher({ url });
    await pub.write(payload(10, 0));
    const pending = fetch(`${url}/1`);
    await until(() => (srv.trickle.channel(name)?.get(1)?.readerCount ?? 0) > 0, 'the GET waiting on seq 1');
    const del = await fetch(`${url}/1`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('lp-trickle-seq'), '1');
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    const bad = await fetch(`${url}/9`, { method: 'DELETE' });
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), 'Nonexistent segment\n');
    await pub.close();
  });

  it('a preconnected POST gets 100 Continue while it waits for its first byte', async () => {
    const { url } = channel();
    const u = new URL(`${url}/0`);
    const infos: number[] = [];
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'Content-Type': 'video/MP2T' } });
    req.on('information', (i) => infos.push(i.statusCode));
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    req.flushHeaders();
    await until(() => infos.length >= 2, 'two 100 Continue');
    assert.ok(infos.every((s) => s === 100));
    req.end(payload(100));
    const res = await response;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['lp-trickle-seq'], '0');
    res.resume();
    const got = await fetch(`${url}/0`);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(payload(100)));
  });

  it('read(signal) is cancellable, and close() releases a pending read', async () => {
    const { url } = channel();
    const sub = new HttpTrickleSubscriber({ url });
    const ac = new AbortController();
    const p = sub.read(ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    const q = sub.read();
    sub.close();
    await assert.rejects(q, (e: unknown) => isTrickleError(e, 'TRICKLE_CLOSED'));
  });
});
