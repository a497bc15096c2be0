// The trickle server mounted on a fastify HTTP/2 + TLS server (the orchestrator's shape: HTTP/1.1
// allowed, a small bodyLimit that must not apply) on loopback, reached by clients over HTTP/2 and
// over HTTP/1.1 (as pytrickle runners do).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ensureTlsCert, orchestratorServerOptions } from '../../wire/index.js';
import { registerTrickle } from './mount.js';
import { HttpTricklePublisher } from './publisher.js';
import { TrickleServer } from './server.js';
import { HttpTrickleSubscriber } from './subscriber.js';
import { collect, payload, until } from './testkit.js';

describe('trickle mounted on fastify over HTTP/2 + TLS', () => {
  let app: FastifyInstance;
  let trickle: TrickleServer;
  let base: string;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trickle-tls-'));
    const tls = await ensureTlsCert(dir, ['127.0.0.1']);
    app = Fastify({ ...orchestratorServerOptions(tls), logger: false, bodyLimit: 1024 }) as unknown as FastifyInstance;
    app.post('/other', async () => ({ ok: true }));
    trickle = new TrickleServer();
    await registerTrickle(app, trickle);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}/ai/trickle/`;
  });
  after(async () => {
    trickle.close();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const protocol of ['http2', 'http1'] as const) {
    it(`relays segments larger than the app's bodyLimit over ${protocol}`, async () => {
      const name = `m-${protocol}`;
      trickle.createChannel(name, 'video/MP2T');
      const url = `${base}${name}`;
      const pub = new HttpTricklePublisher({ url, insecureSkipVerify: true, protocol });
      const sub = new HttpTrickleSubscriber({ url, insecureSkipVerify: true, protocol, start: 0 });
      assert.equal(pub.protocol, protocol);
      try {
        const sent = [payload(200_000, 1), payload(3_000, 2), payload(1_048_576, 3)];
        const reading = (async () => {
          const out: Buffer[] = [];
          for (let i = 0; i < sent.length; i++) {
            const r = await sub.read();
            assert.ok(r);
            assert.equal(r.seq, i);
            out.push(await collect(r));
          }
          return out;
        })();
        for (const s of sent) await pub.write(s);
        const got = await reading;
        for (let i = 0; i < sent.length; i++) assert.ok(got[i]!.equals(sent[i]!), `segment ${i}`);
      } finally {
        await pub.close();
        sub.close();
      }
      assert.equal(trickle.hasChannel(name), false, 'close() deleted the channel');
    });
  }

  it('rejects TLS without insecureSkipVerify (self-signed certificate)', async () => {
    trickle.createChannel('tlscheck');
    const sub = new HttpTrickleSubscriber({ url: `${base}tlscheck`, maxRetries: 0, retryDelayMs: 1 });
    await assert.rejects(sub.read(), (e: Error) => (e as { code?: string }).code === 'TRICKLE_TOO_MANY_ERRORS');
    sub.close();
    trickle.closeChannel('tlscheck');
  });
});

describe('trickle on fastify: pytrickle-style HTTP/1.1 requests with Connection: close', () => {
  it('publishes and subscribes with one connection per request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trickle-tls-'));
    const tls = await ensureTlsCert(dir, ['127.0.0.1']);
    const app = Fastify({ ...orchestratorServerOptions(tls), logger: false }) as unknown as FastifyInstance;
    const trickle = new TrickleServer();
    await registerTrickle(app, trickle);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const call = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, method, path, agent: false, rejectUnauthorized: false, headers: { Connection: 'close', ...(body ? { 'Content-Type': 'video/mp2t' } : {}) } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      trickle.createChannel('py', 'video/mp2t');
      const sub = call('GET', '/ai/trickle/py/-2');
      await until(() => (trickle.channel('py')?.get(0)?.readerCount ?? 0) > 0, 'the GET waiting on seq 0');
      const post = await call('POST', '/ai/trickle/py/0', payload(50_000, 1));
      assert.equal(post.status, 200);
      assert.equal(post.headers['lp-trickle-seq'], '0');
      const got = await sub;
      assert.equal(got.status, 200);
      assert.equal(got.headers['lp-trickle-seq'], '0');
      assert.ok(got.body.equals(payload(50_000, 1)));
      const missing = await call('GET', '/ai/trickle/nope/0');
      assert.equal(missing.status, 404);
      const outside = await call('GET', '/ai/trickle/py/99');
      assert.equal(outside.status, 470);
      assert.equal(outside.headers['lp-trickle-latest'], '1');
    } finally {
      trickle.close();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
