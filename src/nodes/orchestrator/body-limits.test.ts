// Per-route body limits and the body idle timeout over real TLS + HTTP/2: a body above its route's limit is answered 413
// REQUEST_TOO_LARGE while it is being read (or at once, when its declared length is too large),
// before the payment headers are looked at, and a few large unpaid bodies do not grow RSS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { refusalFromHeaders } from '../../wire/index.js';
import { MAX_JSON_BODY_BYTES } from './ai.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { h2post, multipart, pngOf } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const MAX_BODY = 2 * 1024 * 1024;
/** The head of a multipart file part whose content never ends. */
const FILE_PART = Buffer.from('--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n');
let dir: string;
let t2i: ReferenceRunner;
let i2i: ReferenceRunner;
let orch: Orchestrator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-body-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  i2i = await startReferenceRunner({ pipeline: 'image-to-image' });
  const models = [
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true },
    { pipeline: 'image-to-image', model_id: i2i.modelId, url: i2i.url, warm: true },
  ];
  orch = await startOrchestrator({ serviceAddr: '127.0.0.1:0', dataDir: dir, aiModels: JSON.stringify(models), network: 'offchain', ethPrivateKey: KEY, maxBodyBytes: MAX_BODY, bodyIdleTimeoutMs: 500 });
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  await i2i?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Streams `total` bytes of `chunk` repeated (no content-length unless given) and returns the
 * status; the server may answer and reset the stream before the body is all sent.
 */
function streamBody(path: string, chunk: Buffer, total: number, headers: Record<string, string>, prefix?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const session = connect(orch.url, { rejectUnauthorized: false });
    const timer = setTimeout(() => finish(new Error('no answer within 30 s')), 30_000);
    let answered: { status: number; headers: Record<string, string | string[] | undefined> } | undefined;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      session.destroy();
      if (answered) resolve(answered);
      else reject(err ?? new Error('no response'));
    };
    session.on('error', (e) => finish(e));
    const req = session.request({ ':method': 'POST', ':path': path, ...headers });
    req.on('response', (h) => {
      answered = { status: Number(h[':status']), headers: h as Record<string, string | string[] | undefined> };
      finish();
    });
    req.on('error', () => finish());
    let sent = 0;
    if (prefix) req.write(prefix);
    const pump = () => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('orchestrator: per-route body limits', () => {
  it('a JSON route: a declared length above its limit is 413 at once; a streamed one 413 once the limit is crossed', async () => {
    const limit = Math.min(MAX_BODY, MAX_JSON_BODY_BYTES);
    const declared = await streamBody('/text-to-image', Buffer.alloc(64 * 1024, 0x20), 8 * 1024 * 1024, { 'content-type': 'application/json', 'content-length': String(8 * 1024 * 1024) });
    assert.equal(declared.status, 413);
    assert.equal(refusalFromHeaders(declared.headers).code, 'REQUEST_TOO_LARGE');
    // No payment headers at all: the body limit answers first, not the payment's 402/403.
    const streamed = await streamBody('/text-to-image', Buffer.alloc(64 * 1024, 0x20), 8 * 1024 * 1024, { 'content-type': 'application/json' });
    assert.equal(streamed.status, 413);
    assert.equal(refusalFromHeaders(streamed.headers).code, 'REQUEST_TOO_LARGE');
    // Just under the limit is read (and then refused for its content, not its size).
    const under = await h2post(orch.url, '/text-to-image', `{"prompt":"${'a'.repeat(limit - 100)}"}`, { 'content-type': 'application/json' });
    assert.notEqual(under.status, 413, under.text);
  });

  it('a multipart route: a file above -maxBodyBytes is 413 REQUEST_TOO_LARGE, a small one is served', async () => {
    const big = await multipart({ prompt: 'a cat' }, { image: { data: new Uint8Array(MAX_BODY + 1024), type: 'image/png', name: 'a.png' } });
    const r = await h2post(orch.url, '/image-to-image', big.body, { 'content-type': big.contentType });
    assert.equal(r.status, 413, r.text);
    assert.equal(refusalFromHeaders(r.headers).code, 'REQUEST_TOO_LARGE');
    const small = await multipart({ prompt: 'a cat' }, { image: { data: pngOf(8, 8), type: 'image/png', name: 'a.png' } });
    const ok = await h2post(orch.url, '/image-to-image', small.body, { 'content-type': small.contentType });
    assert.notEqual(ok.status, 413, ok.text);
  });

  it('eight parallel 40 MB unpaid bodies: all 413, RSS grows by less than 64 MB', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const rss0 = process.memoryUsage().rss;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2
          ? streamBody('/text-to-image', chunk, 40 * 1024 * 1024, { 'content-type': 'application/json' })
          : streamBody('/image-to-image', chunk, 40 * 1024 * 1024, { 'content-type': 'multipart/form-data; boundary=x' }, FILE_PART),
      ),
    );
    for (const r of results) assert.equal(r.status, 413, JSON.stringify(refusalFromHeaders(r.headers)));
    const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grownMb < 64, `RSS grew ${grownMb.toFixed(0)} MB`);
    assert.ok((orch.stats().refusals.REQUEST_TOO_LARGE ?? 0) >= 8);
  });

  it('a stalled HTTP/2 body (slowloris) is answered 408 BODY_TIMEOUT after the idle timeout, for JSON and multipart', async () => {
    for (const [path, ct, first] of [
      ['/text-to-image', 'application/json', Buffer.from('{"prompt":"a')],
      ['/image-to-image', 'multipart/form-data; boundary=x', FILE_PART],
    ] as const) {
      const t0 = Date.now();
      const r = await new Promise<{ status: number; code: string | undefined }>((resolve, reject) => {
        const session = connect(orch.url, { rejectUnauthorized: false });
        const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
        session.on('error', reject);
        const req = session.request({ ':method': 'POST', ':path': path, 'content-type': ct });
        req.on('response', (h) => {
          clearTimeout(timer);
          session.destroy();
          resolve({ status: Number(h[':status']), code: refusalFromHeaders(h as Record<string, string>).code });
        });
        req.on('error', () => {});
        req.write(first); // and never more
      });
      const took = Date.now() - t0;
      assert.deepEqual(r, { status: 408, code: 'BODY_TIMEOUT' }, path);
      assert.ok(took >= 450 && took < 5000, `${path} answered after ${took} ms`);
    }
    // A body that keeps coming within the timeout is not cut (the timer is per idle period).
    const ok = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat', width: 8, height: 8 }), { 'content-type': 'application/json' });
    assert.notEqual(ok.status, 408);
  });
});
