// The gateway's client API against hostile requests on real sockets (HTTP/1.1 on loopback), with a
// recording orchestrator (real gRPC + HTTP/2 TLS) in front of real reference runners: bodies above
// their route's limit (declared, chunked JSON, multipart without a length) → 413; stalled, trickled
// bodies and unfinished headers → 408; idle keep-alive connections closed; -maxUnpaidRequests → 503
// with Retry-After. Each is answered before any orchestrator is asked or paid, with the event loop
// never blocked 50 ms by one request (the gateway runs in this process) and RSS bounded.
import { DEFAULT_LINGER_MS } from '../src/nodes/common/body-guard.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { h1open, maxLoopDelayMs, multipartFilePart, pump, rawExchange, startHostileClient, trickle, type Answer } from '../src/nodes/common/testkit.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';

const MAX_BODY = 1024 * 1024;
const IDLE_MS = 1000;
const TOTAL_MS = 2500;
const HEADERS_MS = 600;
const KEEP_ALIVE_MS = 1500;
const MAX_UNPAID = 4;
/**
 * Requests sent at once beyond the cap, all refused: 12 × it. Each is a new HTTP/1 connection and
 * the loop takes many of them in one turn (≈ 0.35 ms each), so the burst stays well inside 50 ms.
 */
const BURST = 50;
const JSON_CT = { 'content-type': 'application/json' };
const MULTIPART_CT = { 'content-type': 'multipart/form-data; boundary=x' };

let t2i: ReferenceRunner;
let i2i: ReferenceRunner;
let orch: FakeOrchestrator;
let gw: GatewayHandle;

before(async () => {
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  i2i = await startReferenceRunner({ pipeline: 'image-to-image' });
  orch = await startFakeOrchestrator({
    runners: { 'text-to-image': t2i.url, 'image-to-image': i2i.url },
    models: { 'text-to-image': t2i.modelId, 'image-to-image': i2i.modelId },
    price: { pricePerUnit: 1n, pixelsPerUnit: 1n },
    privateKey: `0x${'b1'.repeat(32)}`,
  });
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr: orch.url,
    logLevel: 'silent',
    maxBodyBytes: MAX_BODY,
    bodyIdleTimeoutMs: IDLE_MS,
    bodyTimeoutMs: TOTAL_MS,
    headersTimeoutMs: HEADERS_MS,
    idleTimeoutMs: KEEP_ALIVE_MS,
    maxUnpaidRequests: MAX_UNPAID,
  });
});
after(async () => {
  await gw?.close();
  await orch?.close();
  await t2i?.close();
  await i2i?.close();
});

const codeOf = (a: Answer) => (JSON.parse(a.text) as { error: { code?: string; reason?: string } }).error;
const job = (prompt: string) => JSON.stringify({ prompt, width: 16, height: 16 });

async function timed(fn: () => Promise<Answer>): Promise<{ answer: Answer; ms: number; loopMs: number }> {
  const t0 = performance.now();
  const { result, maxMs } = await maxLoopDelayMs(fn);
  return { answer: result, ms: performance.now() - t0, loopMs: maxMs };
}

/** Asserts nothing reached the orchestrator while `fn` ran (no discovery, no job). */
async function noOrchestratorWork<T>(fn: () => Promise<T>): Promise<T> {
  const jobs = orch.jobs.length;
  const discoveries = orch.discoveries;
  const out = await fn();
  assert.equal(orch.jobs.length, jobs, 'no job was forwarded');
  assert.equal(orch.discoveries, discoveries, 'no orchestrator was asked');
  return out;
}

describe('gateway client API: hostile requests', () => {
  it('a good job still runs (the bounds let it through)', async () => {
    const r = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: JSON_CT, body: job('a cat') });
    assert.equal(r.status, 200, await r.text());
  });

  it('bodies above the route limit → 413 GW_REQUEST_TOO_LARGE: declared, chunked JSON, multipart parts that only together cross it; 4 × 40 MB chunked: RSS bounded', async () => {
    await noOrchestratorWork(async () => {
      const declared = await timed(() => {
        const r = h1open(gw.url, '/text-to-image', { ...JSON_CT, 'content-length': String(8 * MAX_BODY) });
        r.write('{');
        return r.answer;
      });
      assert.equal(declared.answer.status, 413, declared.answer.text);
      assert.equal(codeOf(declared.answer).code, 'GW_REQUEST_TOO_LARGE');
      assert.ok(declared.ms < IDLE_MS, 'answered at once, not after a timeout');

      // The bulky ones come from a client in another process: what is measured is the gateway's work.
      const chunkedJson = await startHostileClient({
        url: gw.url,
        path: '/text-to-image',
        protocol: 'h1',
        headers: { ...JSON_CT, 'transfer-encoding': 'chunked' },
        prefix: Buffer.from('{"prompt":"').toString('base64'),
        chunkBytes: 64 * 1024,
        totalBytes: 4 * MAX_BODY,
        parallel: 1,
      });
      const json = await maxLoopDelayMs(() => chunkedJson.go());
      assert.deepEqual(json.result, [{ status: 413, code: 'GW_REQUEST_TOO_LARGE' }]);
      assert.ok(json.maxMs < 100, `event loop blocked ${json.maxMs.toFixed(1)} ms`);

      const three = await startHostileClient({
        url: gw.url,
        path: '/image-to-image',
        protocol: 'h1',
        headers: { ...MULTIPART_CT, 'transfer-encoding': 'chunked' },
        multipartFiles: [400 * 1024, 400 * 1024, 400 * 1024],
        chunkBytes: 1,
        totalBytes: 0,
        parallel: 1,
      });
      const multipart = await maxLoopDelayMs(() => three.go());
      assert.deepEqual(multipart.result, [{ status: 413, code: 'GW_REQUEST_TOO_LARGE' }]);
      assert.ok(multipart.maxMs < 100, `event loop blocked ${multipart.maxMs.toFixed(1)} ms`);

      const big = await startHostileClient({
        url: gw.url,
        path: '/image-to-image',
        protocol: 'h1',
        headers: { ...MULTIPART_CT, 'transfer-encoding': 'chunked' },
        prefix: multipartFilePart('image', 0).subarray(0, -2).toString('base64'),
        chunkBytes: 256 * 1024,
        totalBytes: 40 * 1024 * 1024,
        parallel: 4,
      });
      const rss0 = process.memoryUsage().rss;
      const { result, maxMs } = await maxLoopDelayMs(() => big.go());
      assert.deepEqual(result, Array(4).fill({ status: 413, code: 'GW_REQUEST_TOO_LARGE' }));
      assert.ok(maxMs < 100, `event loop blocked ${maxMs.toFixed(1)} ms`);
      const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
      assert.ok(grownMb < 64, `RSS grew ${grownMb.toFixed(0)} MB`);
    });
    assert.ok((gw.stats().refusals.GW_REQUEST_TOO_LARGE ?? 0) >= 7);
  });

  it('a model id longer than the wire allows → 400 before any orchestrator is asked', async () => {
    await noOrchestratorWork(async () => {
      const r = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: JSON_CT, body: JSON.stringify({ prompt: 'a', model_id: 'm'.repeat(2000) }) });
      assert.equal(r.status, 400);
      assert.match(await r.text(), /model_id is 2000 characters long/);
    });
  });

  it('a stalled body → 408 idle, a trickled one → 408 total, headers that never end → 408 headers; an idle keep-alive connection is closed', async () => {
    await noOrchestratorWork(async () => {
      const stalled = await timed(() => {
        const r = h1open(gw.url, '/text-to-image', { ...JSON_CT, 'transfer-encoding': 'chunked' });
        r.write('{"prompt":"a');
        return r.answer;
      });
      assert.equal(stalled.answer.status, 408, stalled.answer.text);
      assert.deepEqual(codeOf(stalled.answer), { message: `request body timeout: no bytes for ${IDLE_MS} ms`, code: 'GW_REQUEST_TIMEOUT', reason: 'idle' });
      assert.ok(stalled.ms >= IDLE_MS * 0.9, `answered after ${stalled.ms} ms`);
      assert.ok(stalled.loopMs < 100, `event loop blocked ${stalled.loopMs.toFixed(1)} ms`);

      const trickled = await timed(() => {
        const r = h1open(gw.url, '/text-to-image', { ...JSON_CT, 'transfer-encoding': 'chunked' });
        r.write('{"prompt":"');
        trickle(r, 'a', IDLE_MS / 4);
        return r.answer;
      });
      assert.equal(trickled.answer.status, 408, trickled.answer.text);
      assert.equal(codeOf(trickled.answer).reason, 'total');
      assert.ok(trickled.ms >= TOTAL_MS * 0.9 && trickled.ms < TOTAL_MS + 5000, `answered after ${trickled.ms} ms`);

      const t0 = performance.now();
      const raw = await rawExchange(gw.url, 'POST /text-to-image HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nX-Slow: ');
      assert.ok(raw.closedByServer);
      assert.match(raw.data, /^HTTP\/1\.1 408 /);
      assert.match(raw.data, /"code":"GW_REQUEST_TIMEOUT","reason":"headers"/);
      assert.ok(performance.now() - t0 < HEADERS_MS + 5000);

      // A complete request on a keep-alive connection, then silence: closed after the idle timeout.
      const k0 = performance.now();
      const idle = await rawExchange(gw.url, 'POST /text-to-image HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      const ms = performance.now() - k0;
      assert.ok(idle.closedByServer, 'the idle connection was closed');
      assert.match(idle.data, /^HTTP\/1\.1 400 /);
      assert.ok(ms >= KEEP_ALIVE_MS * 0.9 && ms < KEEP_ALIVE_MS + 5000, `closed after ${ms} ms`);
    });
  });

  it('a request without the auth token is answered 401 at once and its body is not read to the end', async () => {
    const guarded = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: orch.url, logLevel: 'silent', authToken: 'secret' });
    try {
      // keep-alive: the server, not the client's Connection: close, must end it.
      const r = h1open(guarded.url, '/text-to-image', { ...JSON_CT, connection: 'keep-alive', 'content-length': String(512 * MAX_BODY) });
      const t0 = performance.now();
      void pump(r, Buffer.alloc(256 * 1024, 0x20), 512 * MAX_BODY);
      const a = await r.answer;
      assert.equal(a.status, 401, a.text);
      assert.equal(codeOf(a).code, 'GW_UNAUTHORIZED');
      // The rest of a 512 MiB body is never read: the connection is closed once the linger is over.
      await r.closed;
      assert.ok(performance.now() - t0 < DEFAULT_LINGER_MS + 3000, `closed after ${performance.now() - t0} ms`);
    } finally {
      await guarded.close();
    }
  });

  it('-maxUnpaidRequests: one more → 503 GW_TOO_MANY_UNPAID_REQUESTS with Retry-After before its body is read; a burst of 50 stays cheap; the slots come back', async () => {
    // Connected before the requests that hold the slots start their idle timers.
    const burst = await startHostileClient({ url: gw.url, path: '/text-to-image', protocol: 'h1', headers: { ...JSON_CT, 'content-length': String(64 * 1024) }, chunkBytes: 64 * 1024, totalBytes: 64 * 1024, parallel: BURST });
    try {
      const stalled = await noOrchestratorWork(async () => {
        const held = Array.from({ length: MAX_UNPAID }, () => {
          const r = h1open(gw.url, '/text-to-image', { ...JSON_CT, 'transfer-encoding': 'chunked' });
          r.write('{');
          return r;
        });
        for (let i = 0; i < 200 && gw.sizes().unpaidRequests < MAX_UNPAID; i++) await new Promise((r) => setTimeout(r, 5));
        assert.equal(gw.sizes().unpaidRequests, MAX_UNPAID);
        const one = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: JSON_CT, body: job('one too many') });
        assert.equal(one.status, 503);
        assert.equal(one.headers.get('retry-after'), '1');
        assert.equal(((await one.json()) as { error: { code: string } }).error.code, 'GW_TOO_MANY_UNPAID_REQUESTS');

        const rss0 = process.memoryUsage().rss;
        const { result, maxMs } = await maxLoopDelayMs(() => burst.go());
        assert.deepEqual(result, Array(BURST).fill({ status: 503, code: 'GW_TOO_MANY_UNPAID_REQUESTS' }));
        assert.ok(maxMs < 100, `event loop blocked ${maxMs.toFixed(1)} ms`);
        assert.ok((process.memoryUsage().rss - rss0) / 2 ** 20 < 64);
        return held;
      });
      for (const r of stalled) assert.equal((await r.answer).status, 408);
      for (let i = 0; i < 200 && gw.sizes().unpaidRequests > 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(gw.sizes().unpaidRequests, 0);
      const later = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: JSON_CT, body: job('admitted again') });
      assert.equal(later.status, 200, await later.text());
    } finally {
      burst.kill();
    }
  });
});
