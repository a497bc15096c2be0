// `livepeer-ts trickle` as a separate process: prints its URL, autocreates channels on their first
// POST, relays a segment from an HTTP publisher to an HTTP subscriber, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpTricklePublisher, HttpTrickleSubscriber, isTrickleError } from '../src/media/index.js';
import { spawnCli } from './cli-process.js';

describe('livepeer-ts trickle', () => {
  it('serves on the port it got, autocreates channels, exits 0 on SIGTERM', async () => {
    const p = spawnCli(['trickle', '-httpAddr', '127.0.0.1:0']);
    try {
      const { url } = JSON.parse(await p.firstLine()) as { url: string };
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const pub = new HttpTricklePublisher({ url: `${url}cli-test` });
      const sub = new HttpTrickleSubscriber({ url: `${url}cli-test`, start: 0 });
      const data = Buffer.from('segment bytes over a standalone trickle server');
      await pub.write(data); // the first POST creates the channel
      const r = await sub.read();
      assert.ok(r);
      const parts: Buffer[] = [];
      for await (const c of r) parts.push(Buffer.from(c));
      assert.ok(Buffer.concat(parts).equals(data));
      await pub.close();
      // The preconnected GET for seq 1 reaches the server before the DELETE (EOS) or after it (404).
      await sub.read().then(
        (r) => assert.equal(r, null),
        (e: unknown) => assert.ok(isTrickleError(e, 'TRICKLE_STREAM_NOT_FOUND'), String(e)),
      );
      sub.close();
      assert.equal(await p.stop(), 0);
      assert.match(p.stderr(), /created cli-test/);
    } finally {
      await p.stop('SIGKILL');
    }
  });

  it('refuses a malformed -httpAddr with a usage error', async () => {
    const p = spawnCli(['trickle', '-httpAddr', 'nonsense'], { timeoutMs: 60_000 });
    assert.equal(await p.exited, 2);
    assert.match(p.stderr(), /not host:port/);
  });
});
