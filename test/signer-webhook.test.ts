// The signer's auth webhook client (go-livepeer authLivePayment) against a real HTTP server on
// loopback: the request it sends (Go's JSON of the headers and the state, the configured headers),
// the answers it accepts, and each failure typed as go-livepeer answers it (500, or 502 for a
// malformed maxPrice), including a webhook that never answers (5 s in go-livepeer; shorter here).
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RemotePaymentState, SignerAuthorizer } from '../src/signer/index.js';
import { SignerWebhookError, canonicalHeaderKey, createWebhookAuthorizer, startSignerNode, type SignerServiceSeams } from '../src/nodes/signer/index.js';
import { stubSigner } from './signer-testkit.js';

const STATE: RemotePaymentState = {
  StateID: 'abcd',
  PMSessionID: '0x0102',
  LastUpdate: '2026-01-02T03:04:05.123456789Z',
  OrchestratorAddress: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
  App: 'my-app',
  AuthExpiry: 0n,
  SenderNonce: 7,
  Balance: '7/3',
  InitialPricePerUnit: 9223372036854775807n,
  InitialPixelsPerUnit: 1n,
  Type: 'lv2v',
  SequenceNumber: 18446744073709551615n,
  AuthID: '',
};
// What Go's json.Marshal writes for STATE (field order of the struct, integers as numbers).
const STATE_JSON =
  '{"StateID":"abcd","PMSessionID":"0x0102","LastUpdate":"2026-01-02T03:04:05.123456789Z","OrchestratorAddress":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","App":"my-app","AuthExpiry":0,"SenderNonce":7,"Balance":"7/3","InitialPricePerUnit":9223372036854775807,"InitialPixelsPerUnit":1,"Type":"lv2v","SequenceNumber":18446744073709551615,"AuthID":""}';

interface Seen {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('signer auth webhook client', () => {
  let server: Server;
  let url: string;
  let seen: Seen[] = [];
  /** What the webhook answers next: [HTTP status, body] or 'hang'. */
  let answer: [number, string] | 'hang' = [200, '{"status":200}'];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (answer === 'hang') return;
        res.writeHead(answer[0], { 'content-type': 'application/json' });
        res.end(answer[1]);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    seen = [];
    answer = [200, '{"status":200}'];
  });

  const ctx = (headers: Record<string, string | string[]> = {}) => ({ headers, signal: new AbortController().signal });
  const failure = (status: 500 | 502) => (e: unknown) => e instanceof SignerWebhookError && e.code === 'SIGNER_WEBHOOK_FAILED' && e.status === status;

  it('POSTs Go\'s JSON: canonical header names with value lists, the state with Go\'s field names; sets the configured headers', async () => {
    const auth = createWebhookAuthorizer({ url, headers: { 'X-Webhook-Key': 'k1' } });
    const d = await auth.authorize(STATE, ctx({ 'signer-auth-id': 'u1', 'x-forwarded-for': ['a', 'b'], 'content-type': 'application/json' }));
    assert.deepEqual(d, { status: 200 });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.equal(seen[0]!.headers['x-webhook-key'], 'k1');
    assert.equal(seen[0]!.body, `{"headers":{"Signer-Auth-Id":["u1"],"X-Forwarded-For":["a","b"],"Content-Type":["application/json"]},"state":${STATE_JSON}}`);
  });

  it('drops the headers it is told to (the node\'s own bearer token)', async () => {
    const auth = createWebhookAuthorizer({ url, dropHeaders: ['Authorization'] });
    await auth.authorize(STATE, ctx({ authorization: 'Bearer secret', 'x-user': 'me' }));
    assert.equal(seen[0]!.body, `{"headers":{"X-User":["me"]},"state":${STATE_JSON}}`);
  });

  it('an allowed call: expiry exactly (int64), auth_id, a valid maxPrice; keys matched case-insensitively', async () => {
    const auth = createWebhookAuthorizer({ url });
    answer = [200, '{"Status":200,"EXPIRY":9007199254740993,"auth_id":"acct-9","maxPrice":{"price":"0.5","currency":"WEI","unit":"720p-pixel-seconds"},"extra":[1]}'];
    assert.deepEqual(await auth.authorize(STATE, ctx()), { status: 200, expiry: 9007199254740993n, authId: 'acct-9', maxPrice: { price: '0.5', currency: 'wei', unit: '720p-pixel-seconds' } });
    answer = [200, '{"status":200,"maxPrice":{"price":12,"currency":"wei","unit":"seconds"}}'];
    assert.deepEqual(await auth.authorize({ ...STATE, Type: 'live' }, ctx()), { status: 200, maxPrice: { price: '12', currency: 'wei', unit: 'seconds' } });
  });

  it('a refusal: its status and reason, or go-livepeer\'s default reason', async () => {
    const auth = createWebhookAuthorizer({ url });
    answer = [200, '{"status":403,"reason":"quota exhausted"}'];
    assert.deepEqual(await auth.authorize(STATE, ctx()), { status: 403, reason: 'quota exhausted' });
    answer = [200, '{"status":429}'];
    assert.deepEqual(await auth.authorize(STATE, ctx()), { status: 429, reason: 'signer auth rejected request with status 429' });
  });

  it('non-200 HTTP, bad JSON, a missing, zero, negative, fractional or quoted status, a wrong-typed field: 500', async () => {
    const auth = createWebhookAuthorizer({ url });
    for (const a of [
      [500, '{"status":200}'],
      [201, '{"status":200}'],
      [200, 'not json'],
      [200, '{}'],
      [200, '{"status":null}'],
      [200, '{"status":0}'],
      [200, '{"status":-1}'],
      [200, '{"status":200.5}'],
      [200, '{"status":"200"}'],
      [200, '{"status":200,"reason":5}'],
      [200, '{"status":200,"expiry":"soon"}'],
      [200, '[200]'],
    ] as [number, string][]) {
      answer = a;
      await assert.rejects(auth.authorize(STATE, ctx()), failure(500), JSON.stringify(a));
    }
  });

  it('a body above the bound: 500', async () => {
    const auth = createWebhookAuthorizer({ url, maxResponseBytes: 1024 });
    answer = [200, `{"status":200,"reason":"${'x'.repeat(2000)}"}`];
    await assert.rejects(auth.authorize(STATE, ctx()), failure(500));
  });

  it('a malformed maxPrice on an allowed call: 502 (go-livepeer StatusBadGateway)', async () => {
    const auth = createWebhookAuthorizer({ url });
    for (const [mp, type] of [
      ['{"price":0,"currency":"wei","unit":"720p-pixel-seconds"}', 'lv2v'],
      ['{"price":"-1","currency":"wei","unit":"720p-pixel-seconds"}', 'lv2v'],
      ['{"price":"abc","currency":"wei","unit":"720p-pixel-seconds"}', 'lv2v'],
      ['{"price":1,"currency":"usd","unit":"720p-pixel-seconds"}', 'lv2v'],
      ['{"price":1,"currency":"wei","unit":"seconds"}', 'lv2v'],
      ['{"price":1,"currency":"wei","unit":"fixed"}', ''],
    ] as const) {
      answer = [200, `{"status":200,"maxPrice":${mp}}`];
      await assert.rejects(auth.authorize({ ...STATE, Type: type }, ctx()), failure(502), mp);
    }
  });

  it('a webhook that does not answer within the timeout: 500; the caller\'s signal aborts it too', async () => {
    answer = 'hang';
    const auth = createWebhookAuthorizer({ url, timeoutMs: 200 });
    const t0 = Date.now();
    await assert.rejects(auth.authorize(STATE, ctx()), failure(500));
    assert.ok(Date.now() - t0 >= 150);
    const ac = new AbortController();
    const p = auth.authorize(STATE, { headers: {}, signal: ac.signal });
    ac.abort();
    await assert.rejects(p, failure(500));
  });

  it('the node hands the service a webhook client that drops Authorization when it checked -authToken itself', async () => {
    let seams: SignerServiceSeams | undefined;
    const node = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', authToken: 'tok', remoteSignerWebhookUrl: url, remoteSignerWebhookHeaders: 'X-Hook: v', service: (s) => ((seams = s), stubSigner(s)) });
    try {
      const authorizer: SignerAuthorizer = seams!.authorizer!;
      await authorizer.authorize(STATE, ctx({ authorization: 'Bearer tok', 'signer-auth-id': 'a' }));
      assert.equal(seen[0]!.headers['x-hook'], 'v');
      assert.equal(seen[0]!.body, `{"headers":{"Signer-Auth-Id":["a"]},"state":${STATE_JSON}}`);
    } finally {
      await node.close();
    }
    const bare = await startSignerNode({ logLevel: 'error', httpAddr: '127.0.0.1:0', service: (s) => ((seams = s), stubSigner(s)) });
    assert.equal(seams!.authorizer, undefined);
    await bare.close();
  });

  it('canonical header keys as Go\'s textproto', () => {
    assert.equal(canonicalHeaderKey('signer-auth-id'), 'Signer-Auth-Id');
    assert.equal(canonicalHeaderKey('x-api-KEY'), 'X-Api-Key');
    assert.equal(canonicalHeaderKey('bad header'), 'bad header');
  });
});
