// Real-time MPEG-TS segmenting with the shipped ffmpeg, and the TS splitter on generated streams.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FfmpegError, TsSplitter, generateTestVideo, probeMedia, segmentMedia, type MediaSegment } from './index.js';
import { decodeFrames, waitFor } from './videoTestkit.js';

const pidOf = (b: Uint8Array, o: number) => ((b[o + 1]! & 0x1f) << 8) | b[o + 2]!;

async function collect(it: AsyncIterable<MediaSegment>): Promise<{ seg: MediaSegment; atMs: number }[]> {
  const t0 = Date.now();
  const out: { seg: MediaSegment; atMs: number }[] = [];
  for await (const seg of it) out.push({ seg, atMs: Date.now() - t0 });
  return out;
}

describe('TsSplitter', () => {
  let ts: Uint8Array;
  before(async () => {
    ts = await generateTestVideo({ seconds: 4, gopSeconds: 1, fps: 10 });
  });

  it('cuts at every keyframe; each segment starts with PAT and PMT and decodes alone', async () => {
    const s = new TsSplitter();
    const segs = [...s.push(ts), ...s.end()];
    assert.equal(segs.length, 4);
    for (const [i, seg] of segs.entries()) {
      // the first is the stream's own head (SDT, PAT, PMT); the others start with copies of PAT, PMT
      assert.equal(pidOf(seg.data, i === 0 ? 188 : 0), 0, 'PAT first');
      assert.equal(seg.data.byteLength % 188, 0);
      assert.equal((await decodeFrames(seg.data, 320, 240)).length, 10, `segment ${i} has its 10 frames`);
      if (i < 3) assert.ok(Math.abs(seg.durationSec! - 1) < 1e-6, `duration ${seg.durationSec}`);
      else assert.equal(seg.durationSec, undefined);
    }
    assert.ok(Math.abs(segs[1]!.startSec! - segs[0]!.startSec! - 1) < 1e-6);
  });

  it('the same segments whatever the chunking, and nothing of the stream is lost', () => {
    const whole = new TsSplitter();
    const expected = [...whole.push(ts), ...whole.end()];
    const chunked = new TsSplitter();
    const got = [];
    let seed = 7;
    for (let o = 0; o < ts.byteLength; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (seed % 5000);
      got.push(...chunked.push(ts.subarray(o, o + n)));
      o += n;
    }
    got.push(...chunked.end());
    assert.deepEqual(got.map((s) => Buffer.from(s.data).toString('hex')), expected.map((s) => Buffer.from(s.data).toString('hex')));
    // every input packet is in exactly one segment; the only extras are the repeated PAT/PMT
    const packets = (b: Uint8Array) => Array.from({ length: b.byteLength / 188 }, (_, i) => b.subarray(i * 188, i * 188 + 188));
    const out = expected.flatMap((s, i) => packets(s.data).slice(i === 0 ? 0 : 2));
    assert.equal(out.length, ts.byteLength / 188);
    assert.ok(out.every((p, i) => Buffer.from(p).equals(Buffer.from(ts.subarray(i * 188, i * 188 + 188)))));
  });

  it('resyncs after garbage between packets', () => {
    const garbage = new Uint8Array(100).fill(0x11);
    const s = new TsSplitter();
    const segs = [...s.push(garbage), ...s.push(ts.subarray(0, 188 * 50)), ...s.push(garbage), ...s.push(ts.subarray(188 * 50)), ...s.end()];
    assert.equal(segs.length, 4);
  });

  it('a segment over its cap is an error (no keyframe in sight)', () => {
    assert.throws(() => new TsSplitter(10_000).push(ts), /before the next video keyframe/);
  });
});

describe('segmentMedia', () => {
  let dir: string;
  let mp4: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'segment-test-'));
    mp4 = join(dir, 'in.mp4');
    await writeFile(mp4, await generateTestVideo({ seconds: 3, format: 'mp4', gopSeconds: 3 }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a generated live source: N-second segments in real time, each read by ffprobe', async () => {
    const got = await collect(segmentMedia({ testVideo: { seconds: 4, fps: 15 } }, { segmentSeconds: 1 }));
    assert.deepEqual(got.map((g) => g.seg.seq), [0, 1, 2, 3]);
    // real time: the last segment cannot exist before ~4 s of media were read at native rate
    // (made as fast as possible, these 4 s take well under a second); the upper bound is generous
    assert.ok(got[3]!.atMs >= 3_200, `last segment after ${got[3]!.atMs} ms`);
    assert.ok(got[3]!.atMs < 60_000);
    // segment k comes after about k+1 seconds, not all at once at the end
    assert.ok(got[0]!.atMs < got[3]!.atMs - 1_500, `first at ${got[0]!.atMs} ms, last at ${got[3]!.atMs} ms`);
    for (const { seg } of got) {
      const p = await probeMedia(seg.data);
      assert.equal(p.formatName, 'mpegts');
      assert.deepEqual(p.streams.map((s) => s.codecName), ['h264', 'aac']);
    }
    for (const { seg } of got.slice(0, 3)) assert.ok(Math.abs(seg.durationSec! - 1) < 0.01, String(seg.durationSec));
  });

  it('a file with a long GOP is re-encoded so segments are N seconds', async () => {
    const got = await collect(segmentMedia({ file: mp4 }, { segmentSeconds: 1, realtime: false }));
    assert.equal(got.length, 3);
    assert.ok(Math.abs(got[0]!.seg.durationSec! - 1) < 0.01);
    const frames = await Promise.all(got.map((g) => decodeFrames(g.seg.data, 320, 240)));
    assert.deepEqual(frames.map((f) => f.length), [15, 15, 15]);
  });

  it("copy keeps the source's streams (and its GOP: one segment here)", async () => {
    const got = await collect(segmentMedia({ file: mp4 }, { segmentSeconds: 1, realtime: false, video: 'copy' }));
    assert.equal(got.length, 1);
    assert.equal((await decodeFrames(got[0]!.seg.data, 320, 240)).length, 45);
  });

  it('bytes on stdin', async () => {
    const ts = await generateTestVideo({ seconds: 2, audio: false });
    const got = await collect(segmentMedia({ bytes: ts }, { segmentSeconds: 1, realtime: false }));
    assert.equal(got.length, 2);
    assert.deepEqual((await probeMedia(got[1]!.seg.data)).streams.map((s) => s.codecName), ['h264']);
  });

  it('a byte stream, fed as it comes', async () => {
    const ts = await generateTestVideo({ seconds: 2 });
    async function* chunks() {
      for (let o = 0; o < ts.byteLength; o += 4096) yield ts.subarray(o, o + 4096);
    }
    const got = await collect(segmentMedia({ stream: chunks() }, { segmentSeconds: 1, realtime: false }));
    assert.equal(got.length, 2);
    assert.deepEqual((await probeMedia(got[0]!.seg.data)).streams.map((s) => s.codecName), ['h264', 'aac']);
  });

  it('a stream that fails ends the segmenting with an error', async () => {
    async function* broken() {
      yield (await generateTestVideo({ seconds: 1 })).subarray(0, 188 * 20);
      throw new Error('upload cut');
    }
    await assert.rejects(collect(segmentMedia({ stream: broken() }, { realtime: false })), FfmpegError);
  });

  it('an unreadable input throws its FfmpegError', async () => {
    const err = await collect(segmentMedia({ file: join(dir, 'missing.mp4') }, { realtime: false })).catch((e: unknown) => e);
    assert.ok(err instanceof FfmpegError && err.code === 'FFMPEG_FAILED', String(err));
  });

  it('aborting an endless source ends it with FFMPEG_ABORTED; breaking out kills ffmpeg too', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await (async () => {
      for await (const s of segmentMedia({ testVideo: {} }, { segmentSeconds: 0.5, signal: ac.signal })) {
        seen.push(s.seq);
        if (seen.length === 2) ac.abort();
      }
    })().catch((e: unknown) => e);
    assert.ok(err instanceof FfmpegError && err.code === 'FFMPEG_ABORTED', String(err));
    assert.deepEqual(seen, [0, 1]);
    for await (const s of segmentMedia({ testVideo: {} }, { segmentSeconds: 0.5 })) if (s.seq === 0) break;
    await waitFor(() => !process.getActiveResourcesInfo().includes('ProcessWrap'), 10_000, 'ffmpeg to exit');
  });
});
