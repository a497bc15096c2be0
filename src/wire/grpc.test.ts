// gRPC (net.Orchestrator) and HTTPS on one TLS port with fastify, called through our client and
// node's https / http2 clients. Real sockets on 127.0.0.1 only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import fastify, { type FastifyInstance } from 'fastify';
import { deadPeer } from '../../test/dead-peer.js';
import { localTicketSigner } from '../pm/index.js';
import { createAuthToken, verifyAuthToken } from './auth-token.js';
import { OrchestratorInfoSchema, PingPongSchema } from './gen/net/lp_rpc_pb.js';
import { createOrchestratorClient, type OrchestratorClient } from './grpc-client.js';
import { orchestratorServerOptions, registerOrchestratorService, type OrchestratorServiceImpl } from './grpc-server.js';
import { createOrchestratorRequest, signPing, verifyOrchestratorRequest, verifyPing } from './orch-request.js';
import { refusalFromConnectError, refusalConnectError } from './refusal.js';
import { ensureTlsCert } from './tls.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wire-grpc-'));
const orch = localTicketSigner(`0x${'0a'.repeat(32)}`);
const gateway = localTicketSigner(`0x${'0b'.repeat(32)}`);
const banned = localTicketSigner(`0x${'0c'.repeat(32)}`);
const secret = new Uint8Array(32).fill(5);
let app: FastifyInstance<any, any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let h2c: FastifyInstance<any, any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let url = '';
let h2cUrl = '';
const clients: OrchestratorClient[] = [];

function impl(transcoder: () => string): OrchestratorServiceImpl {
  return {
    getOrchestrator(req) {
      const who = verifyOrchestratorRequest(req); // WireSignatureError → PermissionDenied
      if (who === banned.address) throw refusalConnectError('gateway is not allowed', Code.PermissionDenied, 'ORCHESTRATOR_CAPPED', { reason: 'banned-for-test' });
      return create(OrchestratorInfoSchema, {
        transcoder: transcoder(),
        address: Buffer.from(orch.address.slice(2), 'hex'),
        priceInfo: { pricePerUnit: 1200n, pixelsPerUnit: 1n },
        authToken: createAuthToken(secret),
        nodes: req.ignoreCapacityCheck ? ['refresh'] : [],
      });
    },
    async ping(req) {
      return create(PingPongSchema, { value: await signPing(req.value, orch) });
    },
  };
}

before(async () => {
  const tls = await ensureTlsCert(dataDir, ['127.0.0.1']);
  app = fastify(orchestratorServerOptions(tls));
  await registerOrchestratorService(app, impl(() => url));
  app.get('/status', async () => ({ ok: true, proto: 'https' }));
  // JSON body parsing on the node's own routes is unaffected by the gRPC plugin's parsers.
  app.post('/echo', async (req) => ({ got: req.body }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  url = `https://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  h2c = fastify({ http2: true });
  await registerOrchestratorService(h2c, impl(() => h2cUrl));
  await h2c.listen({ host: '127.0.0.1', port: 0 });
  const a2 = h2c.server.address();
  h2cUrl = `http://127.0.0.1:${typeof a2 === 'object' && a2 ? a2.port : 0}`;
});

after(async () => {
  for (const c of clients) c.close();
  await app?.close();
  await h2c?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function client(u: string, opts = {}): OrchestratorClient {
  const c = createOrchestratorClient(u, opts);
  clients.push(c);
  return c;
}

test('ensureTlsCert writes cert.pem/key.pem once and reuses them', async () => {
  const a = await ensureTlsCert(dataDir, ['127.0.0.1']);
  assert.equal(a.generated, false);
  assert.equal(statSync(a.keyPath).mode & 0o777, 0o600);
  const b = await ensureTlsCert(dataDir, ['127.0.0.1']);
  assert.equal(b.fingerprint256, a.fingerprint256);
  assert.equal(b.cert, a.cert);
});

test('GetOrchestrator over gRPC/TLS (self-signed, unverified) on the HTTPS port', async () => {
  const c = client(url);
  const info = await c.getOrchestrator(await createOrchestratorRequest(gateway, { ignoreCapacityCheck: true }));
  assert.equal(info.transcoder, url);
  assert.equal(info.priceInfo?.pricePerUnit, 1200n);
  assert.deepEqual(info.nodes, ['refresh']);
  assert.equal(verifyAuthToken(secret, info.authToken).length, 32);
  const value = Uint8Array.of(4, 5, 6);
  const pong = await c.ping({ value });
  verifyPing(value, pong.value, orch.address);
});

test('gRPC error statuses carry the code in the status details (ErrorDetail): handler refusal, wire signature error, unimplemented method', async () => {
  const c = client(url);
  await assert.rejects(
    c.getOrchestrator(await createOrchestratorRequest(banned)),
    (e: unknown) =>
      e instanceof ConnectError && e.code === Code.PermissionDenied && e.rawMessage === 'gateway is not allowed' &&
      refusalFromConnectError(e).code === 'ORCHESTRATOR_CAPPED' && refusalFromConnectError(e).reason === 'banned-for-test',
  );
  const forged = await createOrchestratorRequest(gateway);
  forged.sig = (await createOrchestratorRequest(banned)).sig;
  await assert.rejects(
    c.getOrchestrator(forged),
    (e: unknown) =>
      e instanceof ConnectError && e.code === Code.PermissionDenied && /was made by/.test(e.rawMessage) &&
      refusalFromConnectError(e).code === 'WIRE_INVALID_SIGNATURE' && refusalFromConnectError(e).reason === 'wrong-signer',
  );
  await assert.rejects(
    c.endTranscodingSession({}),
    (e: unknown) => e instanceof ConnectError && e.code === Code.Unimplemented && refusalFromConnectError(e).code === undefined,
  );
});

test('ordinary HTTP routes on the same port: HTTP/1.1 (https) and HTTP/2', async () => {
  const body1 = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(`${url}/status`, { rejectUnauthorized: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve(`${res.statusCode} ${res.httpVersion} ${data}`));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(body1, '200 1.1 {"ok":true,"proto":"https"}');

  const echoed = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(`${url}/echo`, { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve(`${res.statusCode} ${data}`));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model_id: 'noop' }));
  });
  assert.equal(echoed, '200 {"got":{"model_id":"noop"}}');

  const session = http2Connect(url, { rejectUnauthorized: false });
  try {
    const body2 = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/status', ':method': 'GET' });
      let status = 0;
      let data = '';
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8');
      req.on('data', (d: string) => (data += d));
      req.on('end', () => resolve(`${status} ${data}`));
      req.on('error', reject);
      req.end();
    });
    assert.equal(body2, '200 {"ok":true,"proto":"https"}');
  } finally {
    session.close();
  }
});

test('cleartext h2c for http:// orchestrator URLs', async () => {
  const info = await client(h2cUrl).getOrchestrator(await createOrchestratorRequest(gateway));
  assert.equal(info.transcoder, h2cUrl);
  assert.deepEqual(info.nodes, []);
});

test('unreachable orchestrator → Unavailable; bad URL → InvalidArgument', async () => {
  const dead = await deadPeer();
  try {
    await assert.rejects(
      client(`https://${dead.addr}`).getOrchestrator(await createOrchestratorRequest(gateway)),
      (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable,
    );
    assert.ok(dead.refused() >= 1);
  } finally {
    await dead.close();
  }
  assert.throws(() => createOrchestratorClient('ftp://x'), (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument);
  // A bare host:port means https.
  assert.equal(client(url.replace('https://', '')).baseUrl, url);
});
