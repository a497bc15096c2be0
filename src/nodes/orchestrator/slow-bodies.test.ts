// The orchestrator's connection and body bounds on real sockets (TLS, HTTP/2 and HTTP/1.1 on its one
// port): total and idle body deadlines and the HTTP/1 header deadline (408 BODY_TIMEOUT, with the
// reason), a total cap on multipart bodies sent without a length (413), the HTTP/2 session settings
// and idle timeout, the lingering close of a refused HTTP/1 body (also under Connection: close), and
// -maxUnpaidRequests (503 + Retry-After). Each hostile request is answered
// with its status while the event loop is never blocked 50 ms (the node runs in this process).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../../ai/index.js';
import { WIRE_LIMITS, refusalFromHeaders } from '../../wire/index.js';
import { h1open, h2open, maxLoopDelayMs, multipartFilePart, rawExchange, startHostileClient, trickle, type Answer } from '../common/testkit.js';
import { startOrchestrator, type Orchestrator } from './node.js';
import { h2post } from './testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const MAX_BODY = 1024 * 1024;
const IDLE_MS = 1000;
const TOTAL_MS = 2500;
const HEADERS_MS = 600;
const SESSION_IDLE_MS = 1500;
const MAX_STREAMS = 8;
const MAX_UNPAID = 4;
/** Requests sent at once beyond the cap: 25 × it, all refused (the loop handles many of them per turn). */
const BURST = 100;
const JSON_CT = { 'content-type': 'application/json' };
const MULTIPART_CT = { 'content-type': 'multipart/form-data; boundary=x' };
let dir: string;
let t2i: ReferenceRunner;
let i2i: ReferenceRunner;
let orch: Orchestrator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-slow-'));
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  i2i = await startReferenceRunner({ pipeline: 'image-to-image' });
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir: dir,
    aiModels: JSON.stringify([
      { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true },
      { pipeline: 'image-to-image', model_id: i2i.modelId, url: i2i.url, warm: true },
    ]),
    network: 'offchain',
    ethPrivateKey: KEY,
    maxBodyBytes: MAX_BODY,
    bodyIdleTimeoutMs: IDLE_MS,
    bodyTimeoutMs: TOTAL_MS,
    headersTimeoutMs: HEADERS_MS,
    idleTimeoutMs: SESSION_IDLE_MS,
    maxConcurrentStreams: MAX_STREAMS,
    maxUnpaidRequests: MAX_UNPAID,
  });
});
after(async () => {
  await orch?.close();
  await t2i?.close();
  await i2i?.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = (a: Answer) => refusalFromHeaders(a.headers);
async function timed(fn: () => Promise<Answer>): Promise<{ answer: Answer; ms: number; loopMs: number }> {
  const t0 = performance.now();
  const { result, maxMs } = await maxLoopDelayMs(fn);
  return { answer: result, ms: performance.now() - t0, loopMs: maxMs };
}

describe('orchestrator: slow and oversized requests on real sockets', () => {
  it('HTTP/1.1 over TLS: a stalled body → 408 idle, a trickled one → 408 total, headers that never end → 408 headers', async () => {
    const stalled = await timed(() => {
      const r = h1open(orch.url, '/text-to-image', { ...JSON_CT, 'transfer-encoding': 'chunked' });
      r.write('{"prompt":"a');
      return r.answer;
    });
    assert.equal(stalled.answer.status, 408, stalled.answer.text);
    assert.deepEqual(code(stalled.answer), { code: 'BODY_TIMEOUT', reason: 'idle' });
    assert.ok(stalled.ms >= IDLE_MS * 0.9, `answered after ${stalled.ms} ms`);
    assert.ok(stalled.loopMs < 100, `event loop blocked ${stalled.loopMs.toFixed(1)} ms`);

    const trickled = await timed(() => {
      const r = h1open(orch.url, '/text-to-image', { ...JSON_CT, 'transfer-encoding': 'chunked' });
      r.write('{"prompt":"');
      trickle(r, 'a', IDLE_MS / 4);
      return r.answer;
    });
    assert.equal(trickled.answer.status, 408, trickled.answer.text);
    assert.deepEqual(code(trickled.answer), { code: 'BODY_TIMEOUT', reason: 'total' });
    assert.ok(trickled.ms >= TOTAL_MS * 0.9 && trickled.ms < TOTAL_MS + 5000, `answered after ${trickled.ms} ms`);

    const t0 = performance.now();
    const raw = await rawExchange(orch.url, 'POST /text-to-image HTTP/1.1\r\nHost: orchestrator\r\nContent-Type: application/json\r\nX-Slow: ');
    assert.ok(raw.closedByServer, 'the connection is closed');
    assert.match(raw.data, /^HTTP\/1\.1 408 /);
    assert.match(raw.data, /livepeer-error-code: BODY_TIMEOUT/i);
    assert.match(raw.data, /livepeer-error-reason: headers/i);
    assert.ok(performance.now() - t0 < HEADERS_MS + 5000);
    assert.ok((orch.stats().refusals.BODY_TIMEOUT ?? 0) >= 3);
  });

  it('HTTP/2: a body trickled faster than the idle timeout is still cut at -bodyTimeoutMs (408 total)', async () => {
    const r = await timed(() => {
      const req = h2open(orch.url, '/text-to-image', JSON_CT);
      req.write('{"prompt":"');
      trickle(req, 'a', IDLE_MS / 4);
      return req.answer;
    });
    assert.equal(r.answer.status, 408, r.answer.text);
    assert.deepEqual(code(r.answer), { code: 'BODY_TIMEOUT', reason: 'total' });
    assert.ok(r.ms >= TOTAL_MS * 0.9 && r.ms < TOTAL_MS + 5000, `answered after ${r.ms} ms`);
    assert.ok(r.loopMs < 100, `event loop blocked ${r.loopMs.toFixed(1)} ms`);
  });

  it('a stalled gRPC request (GetOrchestrator) is reset after the idle timeout', async () => {
    const session = connect(orch.url, { rejectUnauthorized: false });
    try {
      const t0 = performance.now();
      const req = session.request({ ':method': 'POST', ':path': '/net.Orchestrator/GetOrchestrator', 'content-type': 'application/grpc+proto', te: 'trailers' });
      req.on('error', () => {});
      req.resume();
      // A message envelope announcing 100 bytes, then nothing.
      req.write(Buffer.from([0, 0, 0, 0, 100]));
      await new Promise<void>((r) => req.once('close', () => r()));
      const ms = performance.now() - t0;
      assert.equal(req.rstCode, constants.NGHTTP2_CANCEL);
      assert.ok(ms >= IDLE_MS * 0.9 && ms < IDLE_MS + 5000, `reset after ${ms} ms`);
    } finally {
      session.destroy();
    }
  });

  it('multipart without a length: parts each below the file limit but above -maxBodyBytes in total → 413 (HTTP/2 and chunked HTTP/1); 4 × 40 MB chunked: RSS bounded', async () => {
    // Three 400 KiB files: none crosses the per-file limit, together they cross the body limit.
    const three = [400 * 1024, 400 * 1024, 400 * 1024];
    assert.ok(three.reduce((a, b) => a + b) > MAX_BODY);
    for (const protocol of ['h2', 'h1'] as const) {
      const headers = protocol === 'h1' ? { ...MULTIPART_CT, 'transfer-encoding': 'chunked' } : MULTIPART_CT;
      const client = await startHostileClient({ url: orch.url, path: '/image-to-image', protocol, headers, multipartFiles: three, chunkBytes: 1, totalBytes: 0, parallel: 1 });
      const { result, maxMs } = await maxLoopDelayMs(() => client.go());
      assert.deepEqual(result, [{ status: 413, code: 'REQUEST_TOO_LARGE' }], protocol);
      assert.ok(maxMs < 100, `${protocol}: event loop blocked ${maxMs.toFixed(1)} ms`);
    }
    // Four parallel 40 MB chunked HTTP/1 multipart bodies: all 413, none buffered.
    const client = await startHostileClient({
      url: orch.url,
      path: '/image-to-image',
      protocol: 'h1',
      headers: { ...MULTIPART_CT, 'transfer-encoding': 'chunked' },
      prefix: multipartFilePart('image', 0).subarray(0, -2).toString('base64'),
      chunkBytes: 256 * 1024,
      totalBytes: 40 * 1024 * 1024,
      parallel: 4,
    });
    const rss0 = process.memoryUsage().rss;
    const { result, maxMs } = await maxLoopDelayMs(() => client.go());
    assert.deepEqual(result, Array(4).fill({ status: 413, code: 'REQUEST_TOO_LARGE' }));
    assert.ok(maxMs < 100, `event loop blocked ${maxMs.toFixed(1)} ms`);
    const grownMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.ok(grownMb < 64, `RSS grew ${grownMb.toFixed(0)} MB`);
  });

  it('HTTP/1 with Connection: close: a client still sending a refused body reads its 413 whole, can keep sending, and sees a clean close (no reset)', async () => {
    // Node destroys a connection that said "close" once its answer is flushed; the kernel then
    // resets the rest of the body and the client's unread answer with it. A raw socket that keeps
    // writing after the answer shows whether the server lingers.
    const u = new URL(orch.url);
    // Half-open: the server's FIN must not end our side, which still has body to send.
    const sock = tlsConnect({ host: u.hostname, port: Number(u.port), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], allowHalfOpen: true } as ConnectionOptions);
    const errors: string[] = [];
    sock.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    let data = '';
    let serverEnded = false;
    sock.on('data', (c: Buffer) => (data += c.toString('latin1')));
    sock.on('end', () => (serverEnded = true));
    const closed = new Promise<boolean>((r) => sock.once('close', (hadError) => r(hadError)));
    await new Promise<void>((r) => sock.once('secureConnect', () => r()));
    const chunked = (b: Buffer) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const write = async (b: Buffer) => {
      if (!sock.write(b)) await Promise.race([new Promise((r) => sock.once('drain', r)), closed]);
    };
    const answered = () => {
      const head = data.indexOf('\r\n\r\n');
      const len = /content-length: (\d+)/i.exec(data)?.[1];
      return head >= 0 && len !== undefined && data.length >= head + 4 + Number(len);
    };
    await write(Buffer.from('POST /image-to-image HTTP/1.1\r\nHost: orchestrator\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'));
    await write(chunked(multipartFilePart('image', 0).subarray(0, -2)));
    const block = chunked(Buffer.alloc(64 * 1024, 0x41));
    for (let sent = 0; !answered() && errors.length === 0 && sent < 64 * MAX_BODY; sent += 64 * 1024) await write(block);
    assert.ok(answered(), `no complete answer: ${JSON.stringify(data.slice(0, 200))} ${errors.join(',')}`);
    assert.match(data, /^HTTP\/1\.1 413 /);
    assert.match(data, /livepeer-error-code: REQUEST_TOO_LARGE/i);
    // Still sending after the answer (a client's write loop gets to its read later): drained, not reset.
    for (let i = 0; i < 16 && errors.length === 0 && !sock.destroyed; i++) await write(block);
    if (!sock.destroyed) sock.end(Buffer.from('0\r\n\r\n'));
    assert.equal(await closed, false, `the connection was reset: ${errors.join(',')}`);
    assert.deepEqual(errors, []);
    assert.ok(serverEnded, 'the server closed its side');
  });

  it('HTTP/2 sessions: -maxConcurrentStreams and a header list that holds both payment headers are advertised; an idle session is closed', async () => {
    const s = connect(orch.url, { rejectUnauthorized: false });
    try {
      await new Promise<void>((r, j) => {
        s.once('remoteSettings', () => r());
        s.once('error', j);
      });
      assert.equal(s.remoteSettings.maxConcurrentStreams, MAX_STREAMS);
      assert.equal(s.remoteSettings.maxHeaderListSize, WIRE_LIMITS.headerListBytes);
      assert.ok(WIRE_LIMITS.headerListBytes > WIRE_LIMITS.paymentHeaderChars + WIRE_LIMITS.segmentHeaderChars);
      const t0 = performance.now();
      await new Promise<void>((r) => s.once('close', () => r()));
      const ms = performance.now() - t0;
      assert.ok(ms >= SESSION_IDLE_MS * 0.9 && ms < SESSION_IDLE_MS + 5000, `closed after ${ms} ms`);
    } finally {
      s.destroy();
    }
  });

  it('-maxUnpaidRequests: one more is answered 503 TOO_MANY_UNPAID_REQUESTS with Retry-After before its body is read; a burst of 100 stays cheap; the slots come back', async () => {
    // Connected before the requests that hold the slots start their idle timers.
    const burst = await startHostileClient({ url: orch.url, path: '/text-to-image', protocol: 'h2', headers: JSON_CT, chunkBytes: 64 * 1024, totalBytes: 64 * 1024, parallel: BURST, perSession: MAX_STREAMS });
    // Opened after the burst's process is up: an idle session is closed after SESSION_IDLE_MS, which
    // a loaded machine can take to start a process (CI: "The session has been destroyed").
    const session = connect(orch.url, { rejectUnauthorized: false });
    try {
      // Four requests whose bodies never come: each holds a slot until its idle timeout.
      const stalled = Array.from({ length: MAX_UNPAID }, () => {
        const r = h2open(orch.url, '/text-to-image', JSON_CT, session);
        r.write('{');
        return r;
      });
      for (let i = 0; i < 200 && orch.sizes().unpaidRequests < MAX_UNPAID; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(orch.sizes().unpaidRequests, MAX_UNPAID);
      const one = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat' }), JSON_CT);
      assert.equal(one.status, 503, one.text);
      assert.equal(one.headers['retry-after'], '1');
      assert.equal(refusalFromHeaders(one.headers).code, 'TOO_MANY_UNPAID_REQUESTS');

      const rss0 = process.memoryUsage().rss;
      const { result, maxMs } = await maxLoopDelayMs(() => burst.go());
      assert.deepEqual(result, Array(BURST).fill({ status: 503, code: 'TOO_MANY_UNPAID_REQUESTS' }));
      assert.ok(maxMs < 100, `event loop blocked ${maxMs.toFixed(1)} ms`);
      assert.ok((process.memoryUsage().rss - rss0) / 2 ** 20 < 64);

      for (const r of stalled) assert.equal((await r.answer).status, 408);
      for (let i = 0; i < 200 && orch.sizes().unpaidRequests > 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(orch.sizes().unpaidRequests, 0);
      // Admitted again: refused for its missing credentials (403), not for being one too many.
      const later = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'a cat', width: 8, height: 8 }), JSON_CT);
      assert.equal(later.status, 403, later.text);
    } finally {
      burst.kill();
      session.destroy();
    }
  });
});
