// The CPU live runner end to end against a real trickle server on loopback, with real ffmpeg:
// generated segments published on the input channel, the output channel read back and measured
// (grayscale leaves chroma flat at 128 and keeps luma; hflip mirrors the input), a control message
// changing later segments, events in order, health transitions, the end on input EOS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TsSplitter, probeMedia, segmentMedia, type MediaSegment } from '../../media/index.js';
import { chromaSpread, decodeFrames, meanAbsDiff, mirrorPlane, waitFor } from '../../media/videoTestkit.js';
import { startLiveRunner, type LiveRunner } from './server.js';
import { H, W, firstFrame, get, health, post, readOutputs, startBody, startSession } from './testkit.js';

function keyframeStart(b: Uint8Array): number | undefined {
  const s = new TsSplitter();
  const segs = [...s.push(b), ...s.end()];
  return segs[0]?.startSec;
}

describe('CPU live runner (pytrickle API) through a real trickle server', () => {
  let runner: LiveRunner;
  const logs: string[] = [];
  before(async () => {
    runner = await startLiveRunner({ heartbeatMs: 400, log: (m) => logs.push(m) });
    await waitFor(async () => (await health(runner)) === 'IDLE', 30_000, 'the runner to be IDLE');
  });
  after(() => runner.close());

  it('/version and /hardware/info say it is a CPU stand-in', async () => {
    const v = await get(`${runner.url}/version`);
    assert.equal(v.pipeline, 'live-video-to-video');
    assert.equal(v.model_id, 'noop');
    assert.equal(v.cpu_reference, true);
    assert.match(String(v.note), /CPU stand-in/);
    const hw = await get(`${runner.url}/hardware/info`);
    assert.deepEqual(hw.gpu_info, {});
  });

  it('grayscale, then hflip by a control message: transformed segments, timing kept, events in order, ends on input EOS', async () => {
    const s = await startSession();
    try {
      const r = await post(`${runner.url}/live-video-to-video`, startBody(s, { filter: 'grayscale' }));
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.status, 'success');
      assert.equal(r.json.request_id, `req-${s.mid}`);
      assert.equal(await health(runner), 'OK');
      // a second stream is refused: capacity 1
      const busy = await post(`${runner.url}/live-video-to-video`, startBody(s, {}, { gateway_request_id: 'other' }));
      assert.equal(busy.status, 503);
      assert.equal(busy.json.message, 'Pipeline is still in use');

      const inputs: MediaSegment[] = [];
      const source = segmentMedia({ testVideo: { seconds: 6, width: W, height: H, fps: 15 } }, { segmentSeconds: 1 });
      const it = source[Symbol.asyncIterator]();
      const publishNext = async () => {
        const next = await it.next();
        assert.ok(!next.done);
        inputs.push(next.value);
        await s.input.write(next.value.data);
      };
      for (let i = 0; i < 3; i++) await publishNext();
      const gray = await readOutputs(s, 3);
      await s.control.write(new TextEncoder().encode(JSON.stringify({ keep: 'alive' })));
      await s.control.write(new TextEncoder().encode(JSON.stringify({ filter: 'hflip' })));
      await waitFor(() => s.events.types().includes('params_updated'), 20_000, 'params_updated');
      for (let i = 0; i < 3; i++) await publishNext();
      assert.ok((await it.next()).done);
      const flipped = await readOutputs(s, 3);

      for (const [i, out] of [...gray, ...flipped].entries()) {
        const p = await probeMedia(out);
        assert.equal(p.formatName, 'mpegts');
        assert.deepEqual(p.streams.map((x) => x.codecName), ['h264', 'aac'], `output ${i}`);
        // the input's timing is kept: same first keyframe PTS, same frame count
        assert.equal(keyframeStart(out), keyframeStart(inputs[i]!.data), `output ${i} start`);
        assert.equal((await decodeFrames(out, W, H)).length, 15);
      }
      for (const [i, out] of gray.entries()) {
        const frames = await decodeFrames(out, W, H);
        const inFrame = await firstFrame(inputs[i]!.data);
        assert.ok(chromaSpread(inFrame) > 50, 'the input is coloured');
        for (const f of frames) assert.ok(chromaSpread(f) <= 2, `grayscale output ${i} has chroma ${chromaSpread(f)} away from 128`);
        assert.ok(meanAbsDiff(frames[0]!.y, inFrame.y) < 3, 'grayscale keeps luma');
      }
      for (const [k, out] of flipped.entries()) {
        const i = k + 3;
        const o = await firstFrame(out);
        const inFrame = await firstFrame(inputs[i]!.data);
        const mirrored = meanAbsDiff(o.y, mirrorPlane(inFrame.y, W));
        const straight = meanAbsDiff(o.y, inFrame.y);
        assert.ok(mirrored < 3, `hflip output ${i} vs mirrored input: ${mirrored}`);
        assert.ok(straight > 10 * Math.max(1, mirrored), `the test frame is asymmetric (${straight})`);
        assert.ok(chromaSpread(o) > 50, 'hflip keeps colour');
      }

      // input EOS (the gateway closes its channel): the stream ends, the output reads EOS
      await s.input.close();
      assert.equal(await s.output.read(), null);
      await waitFor(async () => (await health(runner)) === 'IDLE', 20_000, 'health back to IDLE');
      const st = await get(`${runner.url}/stream/status`);
      assert.equal((st.last_ended as { reason: string }).reason, 'input_eos');
      assert.equal((st.last_ended as { segments_out: number }).segments_out, 6);
      await s.events.finished();
      const types = s.events.types();
      assert.equal(types[0], 'heartbeat');
      const order = ['receive_first_ingest_segment', 'send_first_processed_segment', 'params_updated', 'stream_stopped'].map((t) => types.indexOf(t));
      assert.ok(order.every((x, j) => x > 0 && (j === 0 || x > order[j - 1]!)), `events out of order: ${types.join(',')}`);
      assert.equal(types.at(-1), 'stream_stopped');
      assert.ok(types.filter((t) => t === 'heartbeat').length >= 3, 'heartbeats every 400 ms over ~6 s');
      const hb = s.events.events[0]!;
      assert.equal(hb.queue_event_type, 'stream_heartbeat');
      assert.equal((hb.event.urls as { subscribe: string }).subscribe, s.urls.subscribe_url);
      assert.ok(s.events.events.filter((e) => e.event.type !== 'heartbeat').every((e) => e.queue_event_type === 'ai_stream_events'));
      assert.equal(types.includes('error'), false, `no error events: ${logs.join('; ')}`);
    } finally {
      await s.close();
    }
  });

  it('refuses bad starts with 400: an unknown filter, no gateway_request_id, width without height', async () => {
    const s = await startSession();
    try {
      const unknown = await post(`${runner.url}/live-video-to-video`, startBody(s, { filter: 'sepia' }));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.json.code, 'LIVE_BAD_PARAMS');
      assert.match(String(unknown.json.message), /unknown filter "sepia"/);
      const { gateway_request_id: _drop, ...noId } = startBody(s, {});
      assert.equal((await post(`${runner.url}/stream/start`, noId)).status, 400);
      assert.equal((await post(`${runner.url}/stream/start`, startBody(s, { width: 320 }))).status, 400);
      assert.equal((await post(`${runner.url}/stream/stop`, {})).status, 400);
      assert.equal(await health(runner), 'IDLE');
    } finally {
      await s.close();
    }
  });

  it('a bad segment and a bad control update are error events; the stream goes on; /stream/params; /stream/stop ends it', async () => {
    const s = await startSession();
    try {
      assert.equal((await post(`${runner.url}/stream/start`, startBody(s, { filter: 'edge' }))).status, 200);
      await s.input.write(new TextEncoder().encode('this is not MPEG-TS'.repeat(100)));
      await waitFor(() => s.events.types().includes('error'), 20_000, 'an error event for the bad segment');
      await s.control.write(new TextEncoder().encode(JSON.stringify({ filter: 'sepia' })));
      await waitFor(() => s.events.types().filter((t) => t === 'error').length >= 2, 20_000, 'an error event for the bad update');
      const upd = await post(`${runner.url}/stream/params`, { filter: 'nope' });
      assert.equal(upd.status, 400);
      const ok = await post(`${runner.url}/stream/params`, { filter: 'blur', width: 320, height: '240' });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.filter, 'blur');
      assert.deepEqual(ok.json.params, { filter: 'blur', width: 320, height: 240 });
      // the stream is still alive and processes the next good segment, blurred
      for await (const seg of segmentMedia({ testVideo: { seconds: 1, width: W, height: H } }, { segmentSeconds: 1, realtime: false })) await s.input.write(seg.data);
      const [out] = await readOutputs(s, 1);
      assert.equal((await decodeFrames(out!, W, H)).length, 15);
      const st = await get(`${runner.url}/stream/status`);
      const view = (st.streams as Record<string, unknown>[])[0]!;
      assert.equal(view.segments_in, 2);
      assert.equal(view.segments_out, 1);
      assert.equal(view.segment_errors, 1);
      assert.equal((view.recent_processing_ms as number[]).length, 1);
      const errors = s.events.events.filter((e) => e.event.type === 'error');
      assert.match(String(errors[0]!.event.message), /segment 0 \(edge\) failed/);
      assert.equal(errors[1]!.event.code, 'LIVE_BAD_PARAMS');

      const stop = await post(`${runner.url}/stream/stop`, {});
      assert.equal(stop.status, 200);
      assert.equal(stop.json.message, 'Stream stopped successfully');
      assert.equal(await health(runner), 'IDLE');
      assert.equal(await s.output.read(), null, 'the output channel reads EOS');
      assert.equal(((await get(`${runner.url}/stream/status`)).last_ended as { reason: string }).reason, 'stopped');
    } finally {
      await s.close();
    }
  });

  it('the orchestrator deleting the channels ends the stream', async () => {
    const s = await startSession();
    try {
      assert.equal((await post(`${runner.url}/stream/start`, startBody(s, { filter: 'hflip' }))).status, 200);
      for (const ch of ['', '-out', '-control', '-events']) s.server.trickle.closeChannel(`${s.mid}${ch}`);
      await waitFor(async () => (await health(runner)) === 'IDLE', 20_000, 'health back to IDLE');
      assert.match(((await get(`${runner.url}/stream/status`)).last_ended as { reason: string }).reason, /^input_(eos|not_found)$/);
      assert.equal(runner.streams().length, 0);
    } finally {
      await s.close();
    }
  });

  it("over the orchestrator's HTTP/2 + TLS trickle mount (self-signed: not verified, as pytrickle)", async () => {
    const s = await startSession({ https: true });
    try {
      assert.equal((await post(`${runner.url}/live-video-to-video`, startBody(s, { filter: 'grayscale' }))).status, 200);
      for await (const seg of segmentMedia({ testVideo: { seconds: 2, width: W, height: H } }, { segmentSeconds: 1, realtime: false })) await s.input.write(seg.data);
      const outs = await readOutputs(s, 2);
      for (const out of outs) assert.ok(chromaSpread(await firstFrame(out)) <= 2);
      await s.input.close();
      assert.equal(await s.output.read(), null);
      await waitFor(async () => (await health(runner)) === 'IDLE', 20_000, 'health back to IDLE');
    } finally {
      await s.close();
    }
  });

  it('leaves no ffmpeg behind', async () => {
    await waitFor(() => !process.getActiveResourcesInfo().includes('ProcessWrap'), 20_000, 'child processes to exit');
  });
});
