// ffprobe as a bounded process, on real media made with ffmpeg at test time.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_CONCURRENT_PROBES, MediaProbeError, probeMedia } from './index.js';
import { withoutSdt } from './mpegtsSdt.js';
import { generateTestVideo } from './testVideo.js';
import { makeTone } from './testkit.js';

const code = (c: string) => (e: unknown) => e instanceof MediaProbeError && e.code === c;

describe('probeMedia', () => {
  let wav: Uint8Array;
  let ogg: Uint8Array;
  let dir: string;
  before(async () => {
    [wav, ogg] = await Promise.all([makeTone('wav', 2.5), makeTone('ogg', 2.5)]);
    dir = await mkdtemp(join(tmpdir(), 'probe-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads format, duration and streams; a pipe has no size, so some formats lose their duration there', async () => {
    const file = await probeMedia(wav, { input: 'file' });
    assert.equal(file.formatName, 'wav');
    assert.equal(file.duration, '2.500000');
    assert.deepEqual(file.streams.map((s) => [s.codecType, s.codecName, s.bitRate]), [['audio', 'pcm_s16le', 256_000]]);
    const piped = await probeMedia(wav);
    assert.equal(piped.formatName, 'wav');
    assert.equal(piped.duration, undefined);
    assert.equal((await probeMedia(ogg)).duration, undefined);
    assert.equal((await probeMedia(ogg, { input: 'file' })).duration, '2.500000');
  });

  it('MPEG-TS from ffmpeg probes (its SDT, on which the shipped ffprobe crashes, is left out)', async () => {
    const ts = await generateTestVideo({ seconds: 1, width: 64, height: 48 });
    const stripped = withoutSdt(ts);
    assert.ok(stripped.byteLength < ts.byteLength, 'ffmpeg wrote an SDT');
    assert.equal((ts.byteLength - stripped.byteLength) % 188, 0);
    const p = await probeMedia(ts);
    assert.equal(p.formatName, 'mpegts');
    assert.deepEqual(p.streams.map((s) => s.codecName), ['h264', 'aac']);
    assert.equal(withoutSdt(stripped), stripped, 'nothing more to drop');
  });

  it('refuses empty and oversized input before spawning anything', async () => {
    await assert.rejects(probeMedia(new Uint8Array(0)), code('PROBE_INPUT_EMPTY'));
    await assert.rejects(probeMedia(wav, { maxBytes: wav.byteLength - 1, ffprobePath: '/nonexistent/ffprobe' }), code('PROBE_INPUT_TOO_LARGE'));
  });

  it('bytes that are no media: PROBE_UNREADABLE', async () => {
    await assert.rejects(probeMedia(new TextEncoder().encode('hello, not audio\n')), code('PROBE_UNREADABLE'));
  });

  it('no binary: PROBE_UNAVAILABLE', async () => {
    await assert.rejects(probeMedia(wav, { ffprobePath: join(dir, 'missing') }), code('PROBE_UNAVAILABLE'));
  });

  it('a probe that overruns its time is killed: PROBE_TIMEOUT', async () => {
    // A stand-in that never answers (the real ffprobe cannot be made to hang on purpose).
    const hang = join(dir, 'hang.sh');
    await writeFile(hang, '#!/bin/sh\nexec sleep 30\n');
    await chmod(hang, 0o755);
    const t0 = Date.now();
    await assert.rejects(probeMedia(wav, { ffprobePath: hang, timeoutMs: 300 }), code('PROBE_TIMEOUT'));
    assert.ok(Date.now() - t0 < 5_000);
  });

  it(`many probes at once all finish (at most ${MAX_CONCURRENT_PROBES} run together)`, async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => probeMedia(wav, { input: 'file' })));
    assert.ok(results.every((r) => r.duration === '2.500000'));
  });
});
