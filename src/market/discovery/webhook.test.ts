// The webhook and remote-signer sources against a real HTTP server on loopback.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DiscoveryError } from './errors.js';
import { WebhookSource, parseWebhookBody, remoteSignerSource } from './webhook.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('webhook discovery source', () => {
  let server: Server;
  let base = '';
  let handler: Handler = (_q, r) => r.end('[]');
  const seen: IncomingMessage[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('parses go-livepeer JSON: address and score read, extra keys ignored, invalid and duplicate addresses skipped', () => {
    const got = parseWebhookBody(
      JSON.stringify([
        { address: 'https://10.4.3.2:8935', score: 0.5, capabilities: ['live-video-to-video/x'] },
        { address: '' },
        { address: 'not a url' },
        { address: 'host.example:8935' },
        { address: 'https://10.4.3.2:8935/' },
        { address: 'http://o.example', stake: '1000' },
        7,
      ]),
    );
    assert.deepEqual(got, [
      { url: 'https://10.4.3.2:8935', score: 0.5 },
      { url: 'http://o.example:8935', stake: 1000n },
    ]);
    assert.throws(() => parseWebhookBody('{"address":"x"}'), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_BAD_RESPONSE');
    assert.throws(() => parseWebhookBody('nope'), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_BAD_RESPONSE');
  });

  it('caches for a minute; after it, a changed list replaces the old and an empty success clears it', async () => {
    let t = 1_000_000;
    let body = '[{"address":"https://a.example:1"}]';
    handler = (_q, r) => r.end(body);
    const src = new WebhookSource({ url: `${base}/orchs`, now: () => t });
    const n0 = seen.length;
    assert.deepEqual(await src.list(), [{ url: 'https://a.example:1' }]);
    body = '[{"address":"https://b.example:2"}]';
    t += 59_000;
    assert.deepEqual(await src.list(), [{ url: 'https://a.example:1' }], 'within the minute: cached');
    assert.equal(seen.length - n0, 1);
    t += 2_000;
    assert.deepEqual(await src.list(), [{ url: 'https://b.example:2' }]);
    body = '[]';
    t += 61_000;
    assert.deepEqual(await src.list(), []);
  });

  it('keeps the last good list on a 502, bad JSON and a timeout, without moving its time; with nothing cached the error surfaces', async () => {
    let t = 0;
    handler = (_q, r) => r.end('[{"address":"https://a.example:1"}]');
    const src = new WebhookSource({ url: `${base}/orchs`, now: () => t, timeoutMs: 300 });
    await src.list();
    const okAt = src.lastSuccess;
    for (const bad of [
      (_q: IncomingMessage, r: ServerResponse) => {
        r.statusCode = 502;
        r.end('bad gateway');
      },
      (_q: IncomingMessage, r: ServerResponse) => r.end('{not json'),
      // Never answers: the 300 ms timeout (3 s in production) ends the request.
      () => {},
    ] satisfies Handler[]) {
      handler = bad;
      t += 61_000;
      assert.deepEqual(await src.list(), [{ url: 'https://a.example:1' }]);
      assert.equal(src.lastSuccess, okAt, 'a failed fetch does not count as a refresh');
    }
    handler = () => {};
    const fresh = new WebhookSource({ url: `${base}/orchs`, timeoutMs: 300 });
    await assert.rejects(fresh.list(), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_SOURCE_FAILED' && /no answer within 300 ms/.test(e.message));
  });

  it('the remote signer variant GETs <signer>/discover-orchestrators with its headers', async () => {
    handler = (req, r) => {
      r.setHeader('content-type', 'application/json');
      r.end(JSON.stringify([{ address: 'https://o.example:8935', score: 1, capabilities: ['text-to-image/m'], runners: [] }]));
    };
    const src = remoteSignerSource(`${base}/`, { headers: { authorization: 'Bearer s3cret' } });
    assert.equal(src.kind, 'signer');
    const n0 = seen.length;
    assert.deepEqual(await src.list(), [{ url: 'https://o.example:8935', score: 1 }]);
    const req = seen[n0]!;
    assert.equal(req.url, '/discover-orchestrators');
    assert.equal(req.headers.authorization, 'Bearer s3cret');
  });

  it('go-livepeer\'s 503 "cache empty" from a signer is an error while nothing is cached', async () => {
    handler = (_q, r) => {
      r.statusCode = 503;
      r.end('cache empty');
    };
    await assert.rejects(remoteSignerSource(base).list(), (e: unknown) => e instanceof DiscoveryError && /HTTP 503/.test(e.message));
  });
});
