// The signer node's HTTP layer on real loopback sockets (plain and TLS), in front of a small
// in-test signer service: go-livepeer's routes and method patterns (405/404 with Go's bodies), the
// body passed through untouched, the outcome's status, body and extra headers written as given, the
// error envelope (500/503 messages masked, codes kept), the body bound (413, declared and counted),
// the body deadline (408), the JSON depth bound, the bearer token, cancellation, keep-alive, and the
// fail-closed start on a public address.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureTlsCert, fromHex, orchestratorRequestHash, recoverPersonalSigner } from '../src/wire/index.js';
import { SIGNER_MAX_BODY_BYTES, SIGNER_MAX_JSON_DEPTH, SignerNodeConfigError, defaultSignerAddr, parseHeaderMap, startSignerNode, type SignerNodeHandle } from '../src/nodes/signer/index.js';
import { call, stubSigner } from './signer-testkit.js';

type Stub = Awaited<ReturnType<typeof stubSigner>>;

describe('signer node: routes and the error envelope', () => {
  let node: SignerNodeHandle;
  let stub: Stub;
  before(async () => {
    node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', bodyTimeoutMs: 400, service: async (seams) => (stub = await stubSigner(seams)) });
  });
  after(() => node.close());

  it('listens on the port it got and reports it', () => {
    assert.ok(node.port > 0);
    assert.equal(node.url, `http://127.0.0.1:${node.port}`);
    assert.equal(node.tls, false);
  });

  it('POST /sign-orchestrator-info answers the address and a signature that recovers to it, with or without a body', async () => {
    for (const body of [undefined, '{}']) {
      const r = await call(node.url, '/sign-orchestrator-info', body === undefined ? {} : { body });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.ok(r.text.endsWith('}\n'), 'Go json.Encoder ends with a newline');
      const { address, signature } = r.json<{ address: string; signature: string }>();
      assert.equal(address, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'); // anvil's account 1
      assert.equal(recoverPersonalSigner(orchestratorRequestHash(address), fromHex(signature, 'sig', 65)), address);
    }
  });

  it('other methods on a known path get 405 with Allow and Go\'s text; unknown paths 404; no discovery route without -remoteDiscovery', async () => {
    const r405 = await call(node.url, '/generate-live-payment', { method: 'GET' });
    assert.equal(r405.status, 405);
    assert.equal(r405.headers.allow, 'POST');
    assert.equal(r405.text, 'Method Not Allowed\n');
    assert.equal(r405.headers['content-type'], 'text/plain; charset=utf-8');
    const put = await call(node.url, '/sign-orchestrator-info', { method: 'PUT', body: '{}' });
    assert.equal(put.status, 405);
    for (const path of ['/nope', '/generate-live-payment/', '/discover-orchestrators']) {
      const r = await call(node.url, path, { method: 'GET' });
      assert.equal(r.status, 404, path);
      assert.equal(r.text, '404 page not found\n');
    }
  });

  it('POST /generate-live-payment hands the parsed body and the headers to the service and writes its 200 as given', async () => {
    const body = { orchestrator: 'CgA=', ManifestID: 'm1', type: 'lv2v', state: { State: 'e30=', Sig: 'c2ln' }, inPixels: 12345678901234 };
    const before = stub.calls.length;
    const r = await call(node.url, '/generate-live-payment', { body: JSON.stringify(body), headers: { 'Signer-Auth-Id': 'app-1', 'X-Custom': 'v' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { payment: 'cGF5bWVudA==', segCreds: 'c2VnQ3JlZHM=', state: { State: 'e30=', Sig: 'c2ln' } });
    assert.equal(stub.calls.length, before + 1);
    const got = stub.calls.at(-1)!;
    assert.deepEqual(got.body, { ...body });
    assert.equal(got.ctx.headers['signer-auth-id'], 'app-1');
    assert.equal(got.ctx.headers['x-custom'], 'v');
  });

  it('a refusal keeps its status, message, code and extra headers; 480 carries Livepeer-Orchestrator-URL', async () => {
    for (const want of [400, 409, 481, 482, 403]) {
      const r = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ want }) });
      assert.equal(r.status, want);
      assert.deepEqual(r.json(), { error: { message: `detail of ${want}`, code: `CODE_${want}` } });
    }
    const r480 = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ want: 480 }) });
    assert.equal(r480.status, 480);
    assert.equal(r480.headers['livepeer-orchestrator-url'], 'https://o.example:8935');
  });

  it('500 and 503 messages are go-livepeer\'s fixed texts, whatever the service said; the code stays', async () => {
    const r500 = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ want: 500 }) });
    assert.deepEqual(r500.json(), { error: { message: 'Internal Server Error', code: 'CODE_500' } });
    const r503 = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ want: 503 }) });
    assert.deepEqual(r503.json(), { error: { message: 'Service Unavailable Error', code: 'CODE_503' } });
  });

  it('a service that throws: 500 masked (its code, else SIGNER_INTERNAL); a typed error with a status keeps status and message', async () => {
    const a = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ throw: { message: 'secret detail' } }) });
    assert.equal(a.status, 500);
    assert.deepEqual(a.json(), { error: { message: 'Internal Server Error', code: 'SIGNER_INTERNAL' } });
    const b = await call(node.url, '/generate-live-payment', { body: JSON.stringify({ throw: { status: 502, code: 'SIGNER_WEBHOOK_FAILED', message: 'signer auth invalid maxPrice' } }) });
    assert.equal(b.status, 502);
    assert.deepEqual(b.json(), { error: { message: 'signer auth invalid maxPrice', code: 'SIGNER_WEBHOOK_FAILED' } });
  });

  it('bad JSON and over-deep JSON are 400 SIGNER_BAD_JSON before the service; the depth bound itself passes', async () => {
    const before = stub.calls.length;
    const bad = await call(node.url, '/generate-live-payment', { body: '{"orchestrator":' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'SIGNER_BAD_JSON');
    const nest = (n: number): string => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    const deep = await call(node.url, '/generate-live-payment', { body: nest(SIGNER_MAX_JSON_DEPTH + 1) });
    assert.equal(deep.status, 400);
    assert.equal(deep.json<{ error: { code: string } }>().error.code, 'SIGNER_BAD_JSON');
    assert.equal(stub.calls.length, before);
    const ok = await call(node.url, '/generate-live-payment', { body: nest(SIGNER_MAX_JSON_DEPTH) });
    assert.equal(ok.status, 200);
    assert.equal(stub.calls.length, before + 1);
  });

  it('a body of exactly the bound is read; one byte more is 413 SIGNER_REQUEST_TOO_LARGE, declared or chunked', async () => {
    const pad = (n: number): string => `{"p":"${'x'.repeat(n - 8)}"}`;
    assert.equal(pad(SIGNER_MAX_BODY_BYTES).length, SIGNER_MAX_BODY_BYTES);
    const before = stub.calls.length;
    const ok = await call(node.url, '/generate-live-payment', { body: pad(SIGNER_MAX_BODY_BYTES) });
    assert.equal(ok.status, 200);
    const declared = await call(node.url, '/generate-live-payment', { body: pad(SIGNER_MAX_BODY_BYTES + 1) });
    assert.equal(declared.status, 413);
    assert.equal(declared.json<{ error: { code: string } }>().error.code, 'SIGNER_REQUEST_TOO_LARGE');
    // Chunked: no Content-Length, counted as it arrives.
    const chunked = await rawRequest(node.port, `POST /generate-live-payment HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, (sock) => {
      const chunk = Buffer.alloc(256 * 1024, 0x61);
      for (let i = 0; i < 5; i++) sock.write(`${chunk.length.toString(16)}\r\n${chunk.toString()}\r\n`);
    });
    assert.match(chunked, /^HTTP\/1\.1 413 /);
    assert.match(chunked, /SIGNER_REQUEST_TOO_LARGE/);
    assert.equal(stub.calls.length, before + 1);
  });

  it('a body that stalls is answered 408 SIGNER_REQUEST_TIMEOUT after the body deadline', async () => {
    const t0 = Date.now();
    const text = await rawRequest(node.port, `POST /generate-live-payment HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":`, () => {});
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /SIGNER_REQUEST_TIMEOUT/);
    assert.ok(Date.now() - t0 >= 350, 'not before the deadline');
  });

  it('a client that leaves mid-call aborts the call\'s signal', async () => {
    const ac = new AbortController();
    const p = call(node.url, '/generate-live-payment', { body: JSON.stringify({ hold: true }), signal: ac.signal }).catch(() => 'aborted');
    const before = stub.aborted;
    await waitFor(() => stub.calls.some((c) => (c.body as { hold?: boolean }).hold && !c.ctx.signal.aborted));
    ac.abort();
    assert.equal(await p, 'aborted');
    await waitFor(() => stub.aborted === before + 1);
  });

  it('keep-alive: sequential calls share one connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 20; i++) {
      const r = await call(node.url, '/generate-live-payment', { body: '{"type":"live"}', agent });
      assert.equal(r.status, 200);
      for (const list of Object.values(agent.freeSockets)) for (const s of list ?? []) sockets.add(s);
    }
    assert.equal(sockets.size, 1);
    agent.destroy();
  });
});

describe('signer node: bearer token', () => {
  let node: SignerNodeHandle;
  let stub: Stub;
  before(async () => {
    node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', authToken: 's3cret-token', service: async (seams) => (stub = await stubSigner(seams)) });
  });
  after(() => node.close());

  it('no token, a wrong token (any length), or another scheme: 401 SIGNER_UNAUTHORIZED and the service never called', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer s3cret-tokem' }, { authorization: 'Bearer s3cret' }, { authorization: 'Bearer s3cret-token-and-more' }, { authorization: 'Basic s3cret-token' }]) {
      for (const path of ['/generate-live-payment', '/sign-orchestrator-info']) {
        const r = await call(node.url, path, { body: '{}', headers });
        assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(r.json<{ error: { code: string } }>().error.code, 'SIGNER_UNAUTHORIZED');
      }
      const m = await call(node.url, '/metrics', { method: 'GET', headers });
      assert.equal(m.status, 401);
    }
    assert.equal(stub.calls.length, 0);
  });

  it('the right token passes on every route', async () => {
    const headers = { authorization: 'Bearer s3cret-token' };
    assert.equal((await call(node.url, '/generate-live-payment', { body: '{}', headers })).status, 200);
    assert.equal((await call(node.url, '/sign-orchestrator-info', { headers })).status, 200);
    assert.equal((await call(node.url, '/metrics', { method: 'GET', headers })).status, 200);
    assert.equal(stub.calls.length, 1);
  });
});

describe('signer node: TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signer-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves https when given a certificate and key (files), verified against that certificate', async () => {
    const cert = await ensureTlsCert(dir);
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', tlsCert: cert.certPath, tlsKey: cert.keyPath, service: await stubSigner() });
    try {
      assert.equal(node.tls, true);
      assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const r = await call(node.url, '/sign-orchestrator-info', { ca: cert.cert });
      assert.equal(r.status, 200);
    } finally {
      await node.close();
    }
  });

  it('a certificate without its key is refused at start', async () => {
    await assert.rejects(startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', tlsCert: 'x.pem', service: await stubSigner() }), (e: unknown) => e instanceof SignerNodeConfigError && e.code === 'SIGNER_NODE_BAD_CONFIG');
  });
});

describe('signer node: fail closed on a public address', () => {
  it('a non-loopback -httpAddr with neither -authToken nor -remoteSignerWebhookUrl refuses to start (and closes the service)', async () => {
    const stub = await stubSigner();
    await assert.rejects(startSignerNode({ logLevel: 'error', httpAddr: '0.0.0.0:0', service: stub }), (e: unknown) => e instanceof SignerNodeConfigError && e.code === 'SIGNER_NODE_BAD_CONFIG' && /remoteSignerAllowNoAuth/.test(e.message));
    await assert.rejects(startSignerNode({ logLevel: 'error', httpAddr: ':0'.replace(':', '[::]:'), service: stub }), SignerNodeConfigError);
  });

  it('starts there with -authToken, with a webhook, or with the explicit -remoteSignerAllowNoAuth', async () => {
    for (const extra of [{ authToken: 't' }, { remoteSignerWebhookUrl: 'http://127.0.0.1:9/auth' }, { remoteSignerAllowNoAuth: true }]) {
      const node = await startSignerNode({ logLevel: 'error', httpAddr: '0.0.0.0:0', service: await stubSigner(), ...extra });
      await node.close();
    }
  });

  it('go-livepeer\'s address defaults and header map', () => {
    assert.equal(defaultSignerAddr(undefined), '127.0.0.1:8935');
    assert.equal(defaultSignerAddr(':0'), '127.0.0.1:0');
    assert.equal(defaultSignerAddr('10.0.0.1'), '10.0.0.1:8935');
    assert.deepEqual(parseHeaderMap('X-Key: a:b , Other:c,bad,:novalue'), { 'X-Key': 'a:b', Other: 'c' });
  });
});

/** Writes `head`, then `more(socket)`, and resolves with everything the server sent until it closed (or 5 s). */
function rawRequest(port: number, head: string, more: (s: import('node:net').Socket) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => {
      sock.destroy();
      resolve(out);
    }, 5000);
    sock.on('data', (d) => {
      out += d.toString();
      if (/\r\n\r\n[\s\S]*\}\n$/.test(out)) {
        clearTimeout(t);
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('error', (e) => (out ? resolve(out) : reject(e)));
    sock.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    sock.write(head);
    more(sock);
  });
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
