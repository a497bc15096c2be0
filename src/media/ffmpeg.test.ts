// ffmpeg as a child process: real runs of the shipped binary, its failures as typed errors,
// cancellation and caps; the generated test video read back by ffprobe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FfmpegError, generateTestVideo, probeMedia, runFfmpeg, spawnFfmpeg } from './index.js';
import { decodeFrames, waitFor } from './videoTestkit.js';

const code = (c: string) => (e: unknown) => e instanceof FfmpegError && e.code === c;
const endless = ['-re', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-f', 'rawvideo', 'pipe:1'];

describe('ffmpeg process', () => {
  it('runs to completion and returns stdout', async () => {
    const out = await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=32x16:rate=5:duration=1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1']);
    assert.equal(out.byteLength, 5 * 32 * 16);
  });

  it('input on stdin; an input it cannot read is FFMPEG_FAILED with its stderr', async () => {
    const err = await runFfmpeg(['-f', 'mpegts', '-i', 'pipe:0', '-f', 'null', '-'], { input: new TextEncoder().encode('not media at all\n'.repeat(40)) }).then(
      () => assert.fail('ffmpeg accepted text as MPEG-TS'),
      (e: unknown) => e,
    );
    assert.ok(code('FFMPEG_FAILED')(err), String(err));
    assert.ok((err as FfmpegError).stderr.length > 0);
    assert.equal((err as FfmpegError).fatal, false);
  });

  it('no binary: FFMPEG_UNAVAILABLE (fatal)', async () => {
    const err = await runFfmpeg(['-version'], { ffmpegPath: '/nonexistent/ffmpeg' }).catch((e: unknown) => e);
    assert.ok(code('FFMPEG_UNAVAILABLE')(err));
    assert.equal((err as FfmpegError).fatal, true);
  });

  it('an AbortSignal kills it: FFMPEG_ABORTED, and the process is gone', async () => {
    const ac = new AbortController();
    const p = spawnFfmpeg(endless, { signal: ac.signal });
    let got = 0;
    p.stdout.on('data', (c: Buffer) => {
      got += c.byteLength;
      ac.abort();
    });
    await assert.rejects(p.done, code('FFMPEG_ABORTED'));
    assert.ok(got > 0);
    assert.equal(p.child.signalCode, 'SIGKILL');
  });

  it('an already aborted signal never lets it run', async () => {
    const p = spawnFfmpeg(endless, { signal: AbortSignal.abort() });
    p.stdout.resume();
    await assert.rejects(p.done, code('FFMPEG_ABORTED'));
  });

  it('a run over its time is killed: FFMPEG_TIMEOUT', async () => {
    const p = spawnFfmpeg(endless, { timeoutMs: 300 });
    p.stdout.resume();
    await assert.rejects(p.done, code('FFMPEG_TIMEOUT'));
  });

  it('output over the cap: FFMPEG_OUTPUT_TOO_LARGE', async () => {
    await assert.rejects(runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-f', 'rawvideo', 'pipe:1'], { maxOutputBytes: 1_000_000 }), code('FFMPEG_OUTPUT_TOO_LARGE'));
  });
});

describe('generateTestVideo', () => {
  it('MPEG-TS with H.264 and AAC, as long as asked, at the asked size', async () => {
    const ts = await generateTestVideo({ seconds: 2, width: 160, height: 96, fps: 10 });
    const p = await probeMedia(ts);
    assert.equal(p.formatName, 'mpegts');
    assert.deepEqual(p.streams.map((s) => [s.codecType, s.codecName]), [['video', 'h264'], ['audio', 'aac']]);
    const frames = await decodeFrames(ts, 160, 96);
    assert.equal(frames.length, 20);
    // a coloured pattern: chroma is not flat
    assert.ok(frames[0]!.u.some((v) => Math.abs(v - 128) > 20));
  });

  it('MP4 without audio (ffprobe reads its duration from the file)', async () => {
    const mp4 = await generateTestVideo({ seconds: 1.5, format: 'mp4', audio: false });
    const p = await probeMedia(mp4, { input: 'file' });
    assert.match(p.formatName, /mp4/);
    assert.deepEqual(p.streams.map((s) => s.codecName), ['h264']);
    assert.ok(Math.abs(Number(p.duration) - 1.5) < 0.1, p.duration);
  });

  it('refuses sizes ffmpeg would choke on before spawning', async () => {
    await assert.rejects(generateTestVideo({ seconds: 1, width: 0 }), RangeError);
  });

  it('leaves no ffmpeg running', async () => {
    await waitFor(() => !process.getActiveResourcesInfo().includes('ProcessWrap'), 10_000, 'child processes to exit');
  });
});
