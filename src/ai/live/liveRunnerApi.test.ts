// The CPU live runner's API around the processing: several streams with -capacity, health
// (LOADING until its ffmpeg answers, ERROR without one), the bearer token. Real trickle servers
// and real ffmpeg, as in liveRunner.test.ts.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ffmpegPath, segmentMedia } from '../../media/index.js';
import { chromaSpread, waitFor } from '../../media/videoTestkit.js';
import { startLiveRunner } from './server.js';
import { H, W, firstFrame, health, post, readOutputs, startBody, startSession } from './testkit.js';

describe('CPU live runner with -capacity 2', () => {
  it('runs two streams with their own filters; stop and params name one by gateway_request_id', async () => {
    const r = await startLiveRunner({ capacity: 2 });
    const [a, b, c] = await Promise.all([startSession(), startSession(), startSession()]);
    try {
      assert.equal((await post(`${r.url}/stream/start`, startBody(a!, { filter: 'grayscale' }))).status, 200);
      assert.equal((await post(`${r.url}/stream/start`, startBody(b!, { filter: 'hflip' }))).status, 200);
      assert.equal((await post(`${r.url}/stream/start`, startBody(c!, {}))).status, 503);
      const segs = [];
      for await (const seg of segmentMedia({ testVideo: { seconds: 1, width: W, height: H } }, { segmentSeconds: 1, realtime: false })) segs.push(seg.data);
      await Promise.all([a!.input.write(segs[0]!), b!.input.write(segs[0]!)]);
      const [[outA], [outB]] = await Promise.all([readOutputs(a!, 1), readOutputs(b!, 1)]);
      assert.ok(chromaSpread(await firstFrame(outA!)) <= 2, 'a is grey');
      assert.ok(chromaSpread(await firstFrame(outB!)) > 50, 'b is coloured');
      assert.equal((await post(`${r.url}/stream/stop`, {})).status, 400, 'two streams: which one?');
      assert.equal((await post(`${r.url}/stream/params`, { filter: 'blur' })).status, 400);
      assert.equal((await post(`${r.url}/stream/params`, { gateway_request_id: `req-${b!.mid}`, filter: 'blur' })).status, 200);
      assert.equal((await post(`${r.url}/stream/stop`, { gateway_request_id: `req-${a!.mid}` })).status, 200);
      assert.deepEqual(r.streams().map((s) => [s.requestId, s.params.filter]), [[`req-${b!.mid}`, 'blur']]);
      assert.equal(await a!.output.read(), null);
      assert.equal(await health(r), 'OK');
    } finally {
      await r.close();
      await Promise.all([a, b, c].map((s) => s!.close()));
    }
  });
});

describe('CPU live runner health and auth', () => {
  it('LOADING until its ffmpeg answers, then IDLE; a start meanwhile waits for it', async () => {
    // the real ffmpeg behind a gate the test opens (so LOADING is seen, not raced)
    const dir = await mkdtemp(join(tmpdir(), 'live-loading-'));
    const gate = join(dir, 'open');
    const bin = join(dir, 'ffmpeg.sh');
    await writeFile(bin, `#!/bin/sh\nwhile [ ! -f '${gate}' ]; do sleep 0.05; done\nexec '${ffmpegPath()}' "$@"\n`);
    await chmod(bin, 0o755);
    const r = await startLiveRunner({ ffmpegPath: bin });
    const s = await startSession();
    try {
      assert.equal(await health(r), 'LOADING');
      const started = post(`${r.url}/live-video-to-video`, startBody(s, { filter: 'blur' }));
      assert.equal(await health(r), 'LOADING');
      await writeFile(gate, '');
      const res = await started;
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.equal(await health(r), 'OK');
      assert.equal((await post(`${r.url}/stream/stop`, {})).status, 200);
      assert.equal(await health(r), 'IDLE');
    } finally {
      await s.close();
      await r.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ERROR without ffmpeg, and starts are refused with 503', async () => {
    const r = await startLiveRunner({ ffmpegPath: '/nonexistent/ffmpeg' });
    try {
      await waitFor(async () => (await health(r)) !== 'LOADING', 30_000, 'the ffmpeg check');
      assert.equal(await health(r), 'ERROR');
      const s = await startSession();
      try {
        assert.equal((await post(`${r.url}/live-video-to-video`, startBody(s, {}))).status, 503);
      } finally {
        await s.close();
      }
    } finally {
      await r.close();
    }
  });

  it('a token makes POSTs need the bearer', async () => {
    const r = await startLiveRunner({ token: 'sekrit' });
    try {
      assert.equal((await post(`${r.url}/stream/stop`, {})).status, 401);
      assert.equal((await post(`${r.url}/stream/stop`, {}, { authorization: 'Bearer sekrit' })).status, 400);
    } finally {
      await r.close();
    }
  });
});
