import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { PngError, crc32, decodePng, encodePng, newImage, pngSize } from './png.js';

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Hand-built PNG with a chosen filter per row, to exercise the decoder independently of our encoder. */
function buildPng(opts: { width: number; height: number; colorType: number; channels: number; rows: number[][]; filters: number[]; extra?: Buffer[]; depth?: number; interlace?: number }): Buffer {
  const { width, height, colorType, channels, rows, filters } = opts;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  let prev = new Array<number>(stride).fill(0);
  rows.forEach((row, y) => {
    const f = filters[y % filters.length]!;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f]!;
      raw[y * (stride + 1) + 1 + i] = (row[i]! - pred) & 0xff;
    }
    prev = row;
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = opts.depth ?? 8;
  ihdr[9] = colorType;
  ihdr[12] = opts.interlace ?? 0;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), ...(opts.extra ?? []), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const rowsOf = (w: number, h: number, ch: number) =>
  Array.from({ length: h }, (_, y) => Array.from({ length: w * ch }, (_, i) => (y * 37 + i * 11 + ((i * y) % 7) * 29) & 0xff));

describe('png', () => {
  it('crc32 matches the standard check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  it('decodes RGB rows written with each of the five filters', () => {
    const rows = rowsOf(7, 10, 3);
    const img = decodePng(buildPng({ width: 7, height: 10, colorType: 2, channels: 3, rows, filters: [0, 1, 2, 3, 4] }));
    assert.equal(img.width, 7);
    assert.equal(img.height, 10);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 7; x++) {
      const o = (y * 7 + x) * 4;
      assert.deepEqual([...img.data.subarray(o, o + 4)], [...rows[y]!.slice(x * 3, x * 3 + 3), 255]);
    }
  });

  it('decodes gray, gray+alpha, RGBA and palette images', () => {
    const g = decodePng(buildPng({ width: 3, height: 2, colorType: 0, channels: 1, rows: [[0, 128, 255], [1, 2, 3]], filters: [4] }));
    assert.deepEqual([...g.data.subarray(4, 8)], [128, 128, 128, 255]);
    const ga = decodePng(buildPng({ width: 2, height: 1, colorType: 4, channels: 2, rows: [[10, 20, 30, 40]], filters: [1] }));
    assert.deepEqual([...ga.data], [10, 10, 10, 20, 30, 30, 30, 40]);
    const rgba = rowsOf(4, 4, 4);
    const im = decodePng(buildPng({ width: 4, height: 4, colorType: 6, channels: 4, rows: rgba, filters: [3, 2] }));
    assert.deepEqual([...im.data.subarray(0, 16)], rgba[0]);
    const plte = chunk('PLTE', Buffer.from([255, 0, 0, 0, 255, 0]));
    const trns = chunk('tRNS', Buffer.from([0]));
    const p = decodePng(buildPng({ width: 2, height: 1, colorType: 3, channels: 1, rows: [[0, 1]], filters: [0], extra: [plte, trns] }));
    assert.deepEqual([...p.data], [255, 0, 0, 0, 0, 255, 0, 255]);
  });

  it('round-trips our encoder (RGB and RGBA) and keeps tEXt', () => {
    const img = newImage(33, 17);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) & 0xff;
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    const back = decodePng(encodePng(img, { Software: 'test' }));
    assert.deepEqual(back.data, img.data);
    assert.equal(back.text?.Software, 'test');
    img.data[3] = 7;
    assert.deepEqual(decodePng(encodePng(img)).data, img.data);
    assert.deepEqual(pngSize(encodePng(img)), { width: 33, height: 17 });
  });

  it('refuses what it does not support, with PngError', () => {
    const good = buildPng({ width: 1, height: 1, colorType: 2, channels: 3, rows: [[1, 2, 3]], filters: [0] });
    const bad = Buffer.from(good);
    bad[bad.length - 20] = bad[bad.length - 20]! ^ 0xff; // inside IDAT → CRC mismatch
    assert.throws(() => decodePng(bad), PngError);
    assert.throws(() => decodePng(Buffer.from('GIF89a')), /not a PNG/);
    assert.throws(() => decodePng(buildPng({ width: 1, height: 1, colorType: 2, channels: 6, rows: [[0, 0, 0, 0, 0, 0]], filters: [0], depth: 16 })), /bit depth 16/);
    assert.throws(() => decodePng(buildPng({ width: 1, height: 1, colorType: 2, channels: 3, rows: [[1, 2, 3]], filters: [0], interlace: 1 })), /interlaced/);
    assert.throws(() => decodePng(buildPng({ width: 1, height: 1, colorType: 2, channels: 3, rows: [[1, 2, 3]], filters: [5] })), /unknown PNG row filter/);
    assert.throws(() => decodePng(good.subarray(0, good.length - 30)), PngError);
  });
});
