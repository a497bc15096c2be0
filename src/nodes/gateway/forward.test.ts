// The forwarder against real h2c servers on loopback: the connection map (one per origin, closed
// once idle), and liveness — a request fails promptly when its peer's connection closes (before or
// during the answer), when the peer stops answering PINGs (a freezing TCP relay stands for a hung
// host), at its deadline, or when the caller aborts; each time the server sees the stream reset.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ForwardError, Forwarder } from './forward.js';

interface H2c {
  origin: string;
  /** Streams the server saw closed before it finished answering them (RST from the client, or connection gone). */
  reset(): number;
  /** Destroys every connection (a peer process that died: the kernel closes its sockets). */
  killConnections(): void;
  close(): Promise<void>;
}

/** `handler` gets each stream; the default answers "ok". */
async function h2cServer(handler?: (stream: http2.ServerHttp2Stream, path: string) => void): Promise<H2c> {
  const server = http2.createServer();
  const sockets = new Set<Socket>();
  let reset = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    stream.once('close', () => {
      if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) reset++;
    });
    const path = String(headers[':path']);
    if (handler) return handler(stream, path);
    stream.resume();
    stream.once('end', () => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    reset: () => reset,
    killConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TCP relay to `port` that can freeze: bytes stop flowing both ways, the connections stay open. */
async function freezingRelay(port: number): Promise<{ origin: string; freeze(): void; close(): Promise<void> }> {
  const pairs: [Socket, Socket][] = [];
  let frozen = false;
  const srv: Server = createServer((down) => {
    const up = connect(port, '127.0.0.1');
    down.on('error', () => undefined);
    up.on('error', () => undefined);
    const relay = (from: Socket, to: Socket) => from.on('data', (d: Buffer) => (frozen ? undefined : to.write(d)));
    relay(down, up);
    relay(up, down);
    pairs.push([down, up]);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const a = srv.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${a.port}`,
    freeze: () => (frozen = true),
    close: () =>
      new Promise((resolve) => {
        for (const pair of pairs) for (const sock of pair) sock.destroy();
        srv.close(() => resolve());
      }),
  };
}

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(what: string, cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`${what} not within ${ms} ms`);
    await sleep(10);
  }
}

const forwardError = (kind: ForwardError['kind']) => (err: unknown) => err instanceof ForwardError && err.kind === kind;

test('a connection idle for idleSessionMs is closed and dropped from the map; the next request reconnects', async () => {
  const srv = await h2cServer();
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 2000, idleSessionMs: 150 });
  try {
    const r1 = await fwd.post(`${srv.origin}/llm`, {}, Buffer.from('{}'));
    assert.equal(await r1.text(), 'ok');
    assert.equal(fwd.sessionCount, 1);
    const deadline = Date.now() + 3000;
    while (fwd.sessionCount > 0 && Date.now() < deadline) await sleep(50);
    assert.equal(fwd.sessionCount, 0);
    const r2 = await fwd.post(`${srv.origin}/llm`, {}, Buffer.from('{}'));
    assert.equal(await r2.text(), 'ok');
    assert.equal(fwd.sessionCount, 1);
  } finally {
    fwd.close();
    await srv.close();
  }
});

test('the peer dies before answering: the request fails at once (not at its 60 s deadline), and the next one reconnects', async () => {
  let hold = true;
  const srv = await h2cServer((stream) => {
    stream.resume();
    if (!hold) stream.once('end', () => (stream.respond({ ':status': 200 }), stream.end('ok')));
  });
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 60_000 });
  try {
    const pending = fwd.post(`${srv.origin}/text-to-image`, {}, Buffer.from('{}'));
    await until('the request reached the server', () => fwd.sessionCount === 1);
    await sleep(50);
    srv.killConnections();
    await assert.rejects(within(2000, pending), forwardError('reset'));
    hold = false;
    const again = await fwd.post(`${srv.origin}/text-to-image`, {}, Buffer.from('{}'));
    assert.equal(await again.text(), 'ok');
  } finally {
    fwd.close();
    await srv.close();
  }
});

test('the peer dies mid-answer: reading the body throws instead of returning the part that came', async () => {
  const srv = await h2cServer((stream) => {
    stream.resume();
    stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
    stream.write('data: {"first":true}\n\n');
  });
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 60_000 });
  try {
    const res = await fwd.post(`${srv.origin}/llm`, {}, Buffer.from('{}'));
    assert.equal(res.status, 200);
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const c of res.body) {
        chunks.push(c.toString());
        srv.killConnections();
      }
    })();
    await assert.rejects(within(2000, reading), forwardError('reset'));
    assert.deepEqual(chunks, ['data: {"first":true}\n\n']);
  } finally {
    fwd.close();
    await srv.close();
  }
});

test('the deadline covers headers and body; the stream is reset at the server each time', async () => {
  const srv = await h2cServer((stream, path) => {
    stream.resume();
    // /slow-headers never answers; /slow-body answers its headers and one chunk, then nothing.
    if (path === '/slow-body') {
      stream.respond({ ':status': 200 });
      stream.write('part');
    }
  });
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 60_000 });
  try {
    await assert.rejects(within(2000, fwd.post(`${srv.origin}/slow-headers`, {}, Buffer.from('{}'), { timeoutMs: 200 })), forwardError('timeout'));
    await until('the server saw the first stream reset', () => srv.reset() === 1);
    const res = await fwd.post(`${srv.origin}/slow-body`, {}, Buffer.from('{}'), { timeoutMs: 300 });
    await assert.rejects(within(2000, res.text()), forwardError('timeout'));
    await until('the server saw the second stream reset', () => srv.reset() === 2);
  } finally {
    fwd.close();
    await srv.close();
  }
});

test('aborting the signal cancels the request before and after the headers; the server sees the reset', async () => {
  const srv = await h2cServer((stream, path) => {
    stream.resume();
    if (path === '/streaming') {
      stream.respond({ ':status': 200 });
      stream.write('chunk');
    }
  });
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 60_000 });
  try {
    const before = new AbortController();
    const pending = fwd.post(`${srv.origin}/held`, {}, Buffer.from('{}'), { signal: before.signal });
    await until('connected', () => fwd.sessionCount === 1);
    await sleep(50);
    before.abort();
    await assert.rejects(within(1000, pending), forwardError('aborted'));
    await until('the server saw the reset', () => srv.reset() === 1);

    const during = new AbortController();
    const res = await fwd.post(`${srv.origin}/streaming`, {}, Buffer.from('{}'), { signal: during.signal });
    const reading = (async () => {
      for await (const c of res.body) {
        assert.equal(c.toString(), 'chunk');
        during.abort();
      }
    })();
    await assert.rejects(within(1000, reading), forwardError('aborted'));
    await until('the server saw the second reset', () => srv.reset() === 2);
    // An already aborted signal sends nothing.
    await assert.rejects(fwd.post(`${srv.origin}/held`, {}, Buffer.from('{}'), { signal: AbortSignal.abort() }), forwardError('aborted'));
  } finally {
    fwd.close();
    await srv.close();
  }
});

test('a peer that stops answering PINGs (hung host, connection still open) fails its requests within interval + timeout', async () => {
  const srv = await h2cServer((stream) => stream.resume());
  const relay = await freezingRelay(Number(new URL(srv.origin).port));
  const fwd = new Forwarder({ connectTimeoutMs: 2000, requestTimeoutMs: 60_000, pingIntervalMs: 100, pingTimeoutMs: 200 });
  try {
    const pending = fwd.post(`${relay.origin}/text-to-image`, {}, Buffer.from('{}'));
    // Answered PINGs keep a slow request alive: still pending after several intervals.
    const early = await Promise.race([pending.then(() => 'settled', () => 'settled'), sleep(600).then(() => 'pending')]);
    assert.equal(early, 'pending');
    relay.freeze();
    await assert.rejects(within(2000, pending), forwardError('reset'));
    assert.equal(fwd.sessionCount, 0, 'the dead connection is dropped');
  } finally {
    fwd.close();
    await relay.close();
    await srv.close();
  }
});
