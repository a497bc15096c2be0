// rpcTransport against viem's own http() transport, side by side: the same answers from a real
// anvil, and the same error classes and fields from anvil's refusals and from misbehaving HTTP
// servers on loopback (non-JSON 500, JSON-RPC error with a 429, no answer, a dropped connection).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, http, parseEther, type PublicClient } from 'viem';
import { startAnvil, type Anvil } from './anvil.js';
import { rpcTransport } from './rpc-transport.js';

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What a caller can observe of a rejection: class, viem's short message and the fields retries read. */
async function failure(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    const e = err as Record<string, unknown> & { cause?: Record<string, unknown> };
    const pick = (x: Record<string, unknown> | undefined) =>
      x && { name: x.name, shortMessage: x.shortMessage, code: x.code, status: x.status, retryAfter: (x.headers as Headers | undefined)?.get?.('retry-after') ?? null };
    return { ...pick(e), cause: pick(e.cause) };
  }
  assert.fail('expected a rejection');
}

describe('rpcTransport (node:http) answers as viem’s http() transport', () => {
  let anvil: Anvil;
  let ours: PublicClient;
  let theirs: PublicClient;
  before(async () => {
    anvil = await startAnvil({ accounts: 2 });
    ours = createPublicClient({ transport: rpcTransport(anvil.rpcUrl, { retryCount: 0 }) }) as PublicClient;
    theirs = createPublicClient({ transport: http(anvil.rpcUrl, { retryCount: 0 }) }) as PublicClient;
  });
  after(async () => {
    await anvil?.stop();
  });

  it('gives the same results for reads, and exposes the url', async () => {
    const acct = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
    assert.equal(await ours.getChainId(), await theirs.getChainId());
    assert.equal(await ours.getBlockNumber({ cacheTime: 0 }), await theirs.getBlockNumber({ cacheTime: 0 }));
    assert.equal(await ours.getBalance({ address: acct }), await theirs.getBalance({ address: acct }));
    assert.ok((await ours.getBalance({ address: acct })) > parseEther('1'));
    assert.deepEqual(await ours.getBlock({ blockNumber: 0n }), await theirs.getBlock({ blockNumber: 0n }));
    assert.equal(ours.transport.url, theirs.transport.url);
    assert.equal(ours.transport.type, 'http');
  });

  it('maps a JSON-RPC refusal from the node to the same error', async () => {
    const unknownMethod = (c: PublicClient) => c.request({ method: 'eth_noSuchMethod' as 'eth_chainId' });
    const a = await failure(unknownMethod(ours));
    assert.deepEqual(a, await failure(unknownMethod(theirs)));
    assert.equal(a.name, 'MethodNotFoundRpcError');
    // A call that reverts: the revert surfaces as viem's call error either way.
    const revert = (c: PublicClient) => c.call({ to: '0x0000000000000000000000000000000000000001', data: '0x1234', gas: 1n });
    assert.deepEqual(await failure(revert(ours)), await failure(revert(theirs)));
  });

  it('maps misbehaving servers to the same errors: non-JSON 500, a JSON-RPC error with 429, no answer, a dropped connection', async () => {
    const servers: Server[] = [];
    try {
      const cases: [string, (req: IncomingMessage, res: ServerResponse) => void][] = [
        ['non-JSON 500', (_q, r) => r.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded')],
        ['JSON-RPC error, 429', (_q, r) => r.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' }).end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32005, message: 'slow down' } }))],
        ['200 that is not JSON', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html>')],
        ['dropped connection', (q) => q.socket.destroy()],
        ['no answer', () => undefined],
      ];
      for (const [what, handler] of cases) {
        const { server, url } = await listen(handler);
        servers.push(server);
        const call = (t: typeof http) => createPublicClient({ transport: t(url, { retryCount: 0, timeout: 300 }) }).getChainId();
        const a = await failure(call(rpcTransport as unknown as typeof http));
        const b = await failure(call(http));
        if (what === 'dropped connection') {
          // The one deliberate difference: the cause is the socket's error, not fetch's bare TypeError.
          assert.equal((a.cause as { code?: unknown }).code, 'ECONNRESET');
          assert.equal((b.cause as { name?: unknown }).name, 'TypeError');
          delete a.cause;
          delete b.cause;
        }
        assert.deepEqual(a, b, what);
      }
    } finally {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('retries what viem retries: a 503 then an answer', async () => {
    let calls = 0;
    const { server, url } = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls++;
        if (calls === 1) return res.writeHead(503).end('busy');
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: '0x7a69' }));
      });
    });
    try {
      const c = createPublicClient({ transport: rpcTransport(url, { retryCount: 1, retryDelay: 1 }) });
      assert.equal(await c.getChainId(), 31337);
      assert.equal(calls, 2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
