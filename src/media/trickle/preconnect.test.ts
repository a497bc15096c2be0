// The publisher's preconnected POST against hosts that cut it while it waits for its segment: the
// trickle server mounted as the orchestrator mounts it (fastify, HTTP/2 + TLS with HTTP/1.1
// allowed) whose request timeout answers the idle POST 408, or whose connection timeout drops the
// socket without an answer. The publisher reopens the POST (same idx) and the segment goes through;
// a subscriber already waiting on that idx gets it. And a server that answers a POST before the
// publisher ended the segment is an error, never a success.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ensureTlsCert, orchestratorServerOptions } from '../../wire/index.js';
import { isTrickleError } from './errors.js';
import { registerTrickle } from './mount.js';
import { HttpTricklePublisher, type HttpSegmentWriter } from './publisher.js';
import { TrickleServer } from './server.js';
import { HttpTrickleSubscriber } from './subscriber.js';
import { collect, payload, until } from './testkit.js';

interface Host {
  app: FastifyInstance;
  trickle: TrickleServer;
  base: string;
  /** Requests the host cut (408 answers, or dropped idle sockets). */
  cuts: () => number;
}

async function host(dir: string, cut: 'request-timeout' | 'connection-timeout'): Promise<Host> {
  const tls = await ensureTlsCert(dir, ['127.0.0.1']);
  let cuts = 0;
  const app = Fastify({
    ...orchestratorServerOptions(tls),
    logger: false,
    // As the orchestrator answers node's request timeout: a 408, then the connection closes.
    clientErrorHandler: (_err: Error, socket: Duplex) => {
      cuts++;
      socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    },
  }) as unknown as FastifyInstance;
  const server = app.server as unknown as { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number; setTimeout(ms: number, cb: (s: Duplex) => void): void };
  if (cut === 'request-timeout') {
    server.headersTimeout = 250;
    server.requestTimeout = 300;
    server.connectionsCheckingInterval = 50;
  } else {
    server.setTimeout(300, (socket) => {
      cuts++;
      socket.destroy();
    });
  }
  const trickle = new TrickleServer();
  await registerTrickle(app, trickle);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, trickle, base: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}/ai/trickle/`, cuts: () => cuts };
}

describe('trickle publisher: a preconnect the host cut is reopened', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trickle-preconnect-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("the host's request timeout answers the idle preconnect 408: the next segments still go through, to a subscriber already waiting", async () => {
    const h = await host(dir, 'request-timeout');
    h.trickle.createChannel('rt', 'video/MP2T');
    const url = `${h.base}rt`;
    const sub = new HttpTrickleSubscriber({ url, start: 0, insecureSkipVerify: true });
    const pub = new HttpTricklePublisher({ url, insecureSkipVerify: true });
    assert.equal(pub.protocol, 'http1');
    try {
      const reading0 = sub.read();
      await until(() => h.trickle.channel('rt')!.get(0)?.readerCount === 1, 'the GET waiting on seq 0');
      await until(() => h.cuts() >= 1, 'the host cutting the preconnect of seq 0');
      const w0 = (await pub.next()) as HttpSegmentWriter;
      // The answer has reached the publisher (else the first write could race it).
      await until(() => isTrickleError(w0.failed, 'TRICKLE_HTTP') && w0.failed.status === 408, 'the 408 at the publisher');
      await w0.write(payload(70_000, 1));
      await w0.end();
      const r0 = await reading0;
      assert.ok(r0);
      assert.equal(r0.seq, 0);
      assert.ok((await collect(r0)).equals(payload(70_000, 1)));
      // The preconnect of seq 1 (opened by that write) is cut in turn.
      await until(() => h.cuts() >= 2, 'the host cutting the preconnect of seq 1');
      const w = (await pub.next()) as HttpSegmentWriter;
      assert.equal(w.seq, 1);
      await until(() => w.failed !== undefined, 'the 408 at the publisher');
      await w.write(payload(1000, 2));
      await w.write(payload(2000, 3));
      await w.end();
      const r1 = await sub.read();
      assert.ok(r1);
      assert.equal(r1.seq, 1);
      assert.ok((await collect(r1)).equals(Buffer.concat([payload(1000, 2), payload(2000, 3)])));
      assert.equal(h.trickle.channel('rt')!.nextWrite, 2);
    } finally {
      sub.close();
      await pub.close();
      h.trickle.close();
      await h.app.close();
    }
  });

  it('the host drops the idle connection without an answer (TRICKLE_SEGMENT_ABORTED before the first byte): the segment still goes through', async () => {
    const h = await host(dir, 'connection-timeout');
    h.trickle.createChannel('ct', 'video/MP2T');
    const url = `${h.base}ct`;
    const local = h.trickle.localSubscriber('ct', { start: 0 });
    const pub = new HttpTricklePublisher({ url, insecureSkipVerify: true });
    try {
      await until(() => h.cuts() >= 1, 'the host dropping the preconnect of seq 0');
      const w = (await pub.next()) as HttpSegmentWriter;
      await until(() => isTrickleError(w.failed, 'TRICKLE_SEGMENT_ABORTED'), 'the broken connection at the publisher');
      await w.write(payload(5000, 4));
      await w.end();
      const r = await local.read();
      assert.ok(r);
      assert.equal(r.seq, 0);
      assert.ok((await collect(r)).equals(payload(5000, 4)));
      await until(() => h.cuts() >= 2, 'the host dropping the preconnect of seq 1');
      const w1 = (await pub.next()) as HttpSegmentWriter;
      await until(() => isTrickleError(w1.failed, 'TRICKLE_SEGMENT_ABORTED'), 'the broken connection at the publisher');
      await w1.write(payload(10, 5));
      await w1.end();
      const r1 = await local.read();
      assert.ok(r1);
      assert.ok((await collect(r1)).equals(payload(10, 5)));
    } finally {
      local.close();
      await pub.close();
      h.trickle.close();
      await h.app.close();
    }
  });

  it('an answer before the publisher ended the segment is TRICKLE_SEGMENT_ABORTED, not a success', async () => {
    let answered = 0;
    const early = createServer((req, res) => {
      if (req.method !== 'POST') return void res.end();
      // Answers 200 (as a finished segment would be) at the first byte of the body.
      req.once('data', () => {
        res.writeHead(200, { 'Lp-Trickle-Seq': '0', Connection: 'close' });
        res.end();
        answered++;
      });
    });
    await new Promise<void>((r) => early.listen(0, '127.0.0.1', r));
    const pub = new HttpTricklePublisher({ url: `http://127.0.0.1:${(early.address() as AddressInfo).port}/early` });
    try {
      const w = await pub.next();
      await w.write(payload(100, 6));
      await until(() => answered === 1, 'the early answer sent');
      const ew = w as HttpSegmentWriter;
      await until(() => ew.failed !== undefined, 'the early answer at the publisher');
      assert.ok(isTrickleError(ew.failed, 'TRICKLE_SEGMENT_ABORTED'), String(ew.failed));
      await assert.rejects(w.write(payload(1, 7)), (e: unknown) => isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'));
      await assert.rejects(w.end(), (e: unknown) => isTrickleError(e, 'TRICKLE_SEGMENT_ABORTED'));
    } finally {
      await pub.close();
      early.closeAllConnections();
      await new Promise<void>((r) => early.close(() => r()));
    }
  });
});
