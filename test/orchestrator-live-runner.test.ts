// The orchestrator's live endpoint with the real CPU live runner behind it (src/ai/live, ffmpeg from
// npm): a go-livepeer-shaped start, MPEG-TS segments published to the orchestrator's HTTPS trickle
// channel, transformed segments read back from `-out`, the runner's events on `-events`, and the
// stream's end when the gateway closes its input. Offchain: the payment side is test/orchestrator-live.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLiveRunner, type LiveRunner } from '../src/ai/index.js';
import { HttpTricklePublisher, HttpTrickleSubscriber, probeMedia, segmentMedia } from '../src/media/index.js';
import { MemoryChainView, MemorySenderInfo } from '../src/pm/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
let dir: string;
let runner: LiveRunner;
let orch: Orchestrator;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-live-cpu-'));
  runner = await startLiveRunner({ heartbeatMs: 500 });
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir: dir,
    aiModels: JSON.stringify([{ pipeline: 'live-video-to-video', model_id: runner.modelId, url: runner.url }]),
    network: 'offchain',
    ethPrivateKey: KEY,
  });
});
after(async () => {
  await orch?.close();
  await runner?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(seg: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of seg) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('live video-to-video through the CPU live runner', () => {
  it('relays transformed segments and the runner\'s events, and ends with the input', async () => {
    const g = new TestGateway(KEY, new MemoryChainView(), new MemorySenderInfo(), orch.url, 'live-video-to-video', runner.modelId);
    await g.refresh();
    const body = JSON.stringify({ gateway_request_id: 'req-cpu', model_id: runner.modelId, params: { filter: 'grayscale' }, publish_url: '', stream_id: 's', subscribe_url: '' });
    const r = await h2post(orch.url, '/live-video-to-video', body, { 'content-type': 'application/json', authorization: 'Livepeer-AI-Worker-1.0', ...(await g.headers(0)) });
    assert.equal(r.status, 200, r.text);
    const urls = JSON.parse(r.text) as { publish_url: string; subscribe_url: string; events_url: string; manifest_id: string };
    const input = new HttpTricklePublisher({ url: urls.publish_url, mime: 'video/MP2T', insecureSkipVerify: true });
    const output = new HttpTrickleSubscriber({ url: urls.subscribe_url, start: 0, insecureSkipVerify: true });
    const events = new HttpTrickleSubscriber({ url: urls.events_url, start: 0, jumpToLatest: true, insecureSkipVerify: true });
    const types: string[] = [];
    const reading = (async () => {
      for (;;) {
        const seg = await events.read().catch(() => null);
        if (!seg) return;
        const e = JSON.parse((await readAll(seg)).toString('utf8')) as { event?: { type?: string } };
        types.push(e.event?.type ?? '?');
      }
    })();
    try {
      let n = 0;
      for await (const seg of segmentMedia({ testVideo: { seconds: 2, width: 160, height: 120, fps: 15 } }, { segmentSeconds: 1 })) {
        await input.write(seg.data);
        n++;
      }
      assert.equal(n, 2);
      for (let i = 0; i < 2; i++) {
        const seg = await output.read();
        assert.ok(seg, `output segment ${i}`);
        const p = await probeMedia(new Uint8Array(await readAll(seg)));
        assert.equal(p.formatName, 'mpegts');
        assert.ok(p.streams.some((s) => s.codecName === 'h264'), `output ${i} is video`);
      }
      // The gateway closes its input: the orchestrator ends the stream and closes every channel.
      await input.close();
      const deadline = Date.now() + 30_000;
      while (orch.liveStream(urls.manifest_id) !== undefined || orch.sizes().liveStreams > 0) {
        assert.ok(Date.now() < deadline, 'the stream ends');
        await new Promise((res) => setTimeout(res, 20));
      }
      assert.equal(orch.sizes().trickleChannels, 0);
      await reading;
      assert.ok(types.includes('send_first_processed_segment'), types.join(','));
    } finally {
      output.close();
      events.close();
      await input.close().catch(() => {});
    }
  });
});
