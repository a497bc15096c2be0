// The forwarder's connection map: one HTTP/2 connection per origin, closed (and forgotten) once idle.
// A real h2c server on loopback.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Forwarder } from './forward.js';

async function h2cServer(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http2.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

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
