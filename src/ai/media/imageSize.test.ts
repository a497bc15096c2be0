// Input image sizes as go-livepeer reads them (image.DecodeConfig over PNG, JPEG, GIF), on real
// images made with ffmpeg at test time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeImage } from '../../media/testkit.js';
import { encodePng, newImage } from './png.js';
import { GO_IMAGE_FORMAT_ERROR, ImageSizeError, inputImageSize } from './imageSize.js';

const code = (c: string) => (e: unknown) => e instanceof ImageSizeError && e.code === c;

describe('inputImageSize', () => {
  for (const format of ['png', 'jpg', 'gif'] as const) {
    it(`${format}: width × height from the header`, async () => {
      assert.deepEqual(inputImageSize(await makeImage(format, 320, 200)), { width: 320, height: 200, format });
      assert.deepEqual(inputImageSize(await makeImage(format, 17, 931)), { width: 17, height: 931, format });
    });
  }

  it('a PNG from our own encoder', () => {
    assert.deepEqual(inputImageSize(encodePng(newImage(640, 480))), { width: 640, height: 480, format: 'png' });
  });

  it('formats go-livepeer does not decode are refused with its text (BMP, WebP, noise)', async () => {
    await assert.throws(() => inputImageSize(new Uint8Array(0)), code('IMAGE_FORMAT_UNSUPPORTED'));
    const bmp = await makeImage('bmp', 8, 8);
    assert.throws(() => inputImageSize(bmp), (e: unknown) => code('IMAGE_FORMAT_UNSUPPORTED')(e) && (e as Error).message.startsWith(GO_IMAGE_FORMAT_ERROR));
    assert.throws(() => inputImageSize(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ')), code('IMAGE_FORMAT_UNSUPPORTED'));
  });

  // subarray views keep the rest of the file in the same ArrayBuffer: image-size alone would read
  // past the view's end and find the real size there.
  it('a truncated JPEG or PNG header is IMAGE_INVALID, even as a view into a larger buffer', async () => {
    const jpg = await makeImage('jpg', 64, 64);
    assert.throws(() => inputImageSize(jpg.subarray(0, 20)), code('IMAGE_INVALID'));
    const png = await makeImage('png', 64, 64);
    assert.throws(() => inputImageSize(png.subarray(0, 18)), code('IMAGE_INVALID'));
  });
});
