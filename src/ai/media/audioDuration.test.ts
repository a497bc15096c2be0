// Audio durations as go-livepeer bills them, on real files of every format ai-runner decodes
// (made with ffmpeg at test time).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIO_FORMATS, makeImage, makeTone, type AudioFormat } from '../../media/testkit.js';
import { AudioDurationError, audioDurationSeconds } from './audioDuration.js';

const code = (c: string) => (e: unknown) => e instanceof AudioDurationError && e.code === c;

describe('audioDurationSeconds', () => {
  for (const format of Object.keys(AUDIO_FORMATS) as AudioFormat[]) {
    it(`${format}: 2.5 s of audio is 2 whole seconds (truncated, as lpms does)`, async () => {
      const r = await audioDurationSeconds(await makeTone(format, 2.5));
      assert.equal(r.seconds, 2n);
    });
  }

  it('piped wav has no duration: lpms estimates len × 8 / bit rate, and so do we (2.999 s bills 3 s)', async () => {
    const wav = await makeTone('wav', 2.999); // 16 kHz mono s16: 256 000 bit/s
    const r = await audioDurationSeconds(wav);
    assert.equal(r.source, 'bitrate-estimate');
    assert.equal(r.seconds, (BigInt(wav.byteLength) * 8n) / 256_000n);
    assert.equal(r.seconds, 3n); // the header bytes push it over; the exact duration would truncate to 2
  });

  it('ogg carries its duration at the end: go-livepeer cannot time it from a pipe, we probe a seekable copy', async () => {
    const r = await audioDurationSeconds(await makeTone('ogg', 3.2));
    assert.equal(r.source, 'seekable-probe');
    assert.equal(r.seconds, 3n);
  });

  it('flac states it in the header: 4.99 s is 4 s', async () => {
    const r = await audioDurationSeconds(await makeTone('flac', 4.99));
    assert.equal(r.source, 'container');
    assert.equal(r.seconds, 4n);
  });

  for (const format of ['wav', 'mp3', 'ogg', 'm4a'] as const) {
    it(`${format} under 1 s is refused (AUDIO_TOO_SHORT), not billed as 0 or rounded up`, async () => {
      await assert.rejects(audioDurationSeconds(await makeTone(format, 0.6)), code('AUDIO_TOO_SHORT'));
    });
  }

  it('an image or text has no audio duration (AUDIO_DURATION_UNKNOWN)', async () => {
    await assert.rejects(audioDurationSeconds(await makeImage('png', 16, 16)), code('AUDIO_DURATION_UNKNOWN'));
    await assert.rejects(audioDurationSeconds(new TextEncoder().encode('not audio at all\n')), code('AUDIO_DURATION_UNKNOWN'));
  });
});
