// A small PNG codec, enough for the reference runners: encodes 8-bit RGB/RGBA and decodes 8-bit,
// non-interlaced grayscale, gray+alpha, RGB, RGBA and palette images with all five row filters.
// Everything becomes RGBA in memory. Not supported (clear error instead): 16-bit or sub-byte
// depths, Adam7 interlacing.
import { deflateSync, inflateSync } from 'node:zlib';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  data: Uint8Array;
  /** tEXt chunks found when decoding. */
  text?: Record<string, string>;
}

export class PngError extends Error {
  readonly code = 'PNG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'PngError';
  }
}

/** Largest image we decode or encode (pixels), so a hostile upload cannot exhaust memory. */
export const MAX_PNG_PIXELS = 40_000_000;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC), as PNG chunks use it. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function newImage(width: number, height: number): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width * height > MAX_PNG_PIXELS) {
    throw new PngError(`image size ${width}×${height} is out of range (1…${MAX_PNG_PIXELS} pixels)`);
  }
  return { width, height, data: new Uint8Array(width * height * 4) };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * Encodes RGBA pixels as PNG (RGB when every pixel is opaque). Rows use the Sub filter.
 * `text` becomes tEXt chunks (e.g. {Software: "…"}), keyword and value in Latin-1.
 */
export function encodePng(img: RgbaImage, text: Record<string, string> = {}): Buffer {
  const { width, height, data } = img;
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) { opaque = false; break; }
  const bpp = opaque ? 3 : 4;
  const stride = width * bpp;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 1; // Sub
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      for (let c = 0; c < bpp; c++) {
        const left = x > 0 ? data[s - 4 + c]! : 0;
        raw[o + 1 + x * bpp + c] = (data[s + c]! - left) & 0xff;
      }
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = opaque ? 2 : 6;
  const texts = Object.entries(text).map(([k, v]) => chunk('tEXt', Buffer.from(`${k.slice(0, 79)}\u0000${v}`, 'latin1')));
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), ...texts, chunk('IDAT', deflateSync(raw, { level: 4 })), chunk('IEND', Buffer.alloc(0))]);
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a PNG to RGBA. Throws PngError saying what is wrong or unsupported. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new PngError('not a PNG file (bad signature); only PNG images are supported');
  let pos = 8;
  let header: { width: number; height: number; depth: number; colorType: number; interlace: number } | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Buffer[] = [];
  const textChunks: Record<string, string> = {};
  for (let guard = 0; pos < buf.length; guard++) {
    if (pos + 12 > buf.length || guard > 100_000) throw new PngError('truncated PNG chunk');
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new PngError(`truncated PNG chunk ${type}`);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) throw new PngError(`bad CRC in PNG chunk ${type}`);
    pos += 12 + len;
    if (type === 'IHDR') {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8]!, colorType: body[9]!, interlace: body[12]! };
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'tEXt') {
      const z = body.indexOf(0);
      if (z > 0) textChunks[body.toString('latin1', 0, z)] = body.toString('latin1', z + 1);
    }
    else if (type === 'IEND') break;
  }
  if (!header) throw new PngError('PNG has no IHDR chunk');
  const { width, height, depth, colorType, interlace } = header;
  const channels = CHANNELS[colorType];
  if (channels === undefined) throw new PngError(`PNG color type ${colorType} is invalid`);
  if (depth !== 8) throw new PngError(`PNG bit depth ${depth} is not supported (8-bit only)`);
  if (interlace !== 0) throw new PngError('interlaced PNGs are not supported');
  if (colorType === 3 && !palette) throw new PngError('palette PNG without a PLTE chunk');
  const img: RgbaImage = { ...newImage(width, height), text: textChunks };
  const stride = width * channels;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height + 1 });
  } catch (err) {
    throw new PngError(`PNG image data does not inflate: ${(err as Error).message}`);
  }
  if (raw.length < (stride + 1) * height) throw new PngError('PNG image data is too short');
  const prev = new Uint8Array(stride);
  const cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const filter = raw[o]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[o + 1 + i]!;
      const a = i >= channels ? cur[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) v = x + paeth(a, b, c);
      else throw new PngError(`unknown PNG row filter ${filter} on row ${y}`);
      cur[i] = v & 0xff;
    }
    for (let xx = 0; xx < width; xx++) {
      const d = (y * width + xx) * 4;
      const s = xx * channels;
      if (colorType === 0 || colorType === 4) {
        const g = cur[s]!;
        img.data[d] = img.data[d + 1] = img.data[d + 2] = g;
        img.data[d + 3] = colorType === 4 ? cur[s + 1]! : 255;
      } else if (colorType === 2 || colorType === 6) {
        img.data[d] = cur[s]!;
        img.data[d + 1] = cur[s + 1]!;
        img.data[d + 2] = cur[s + 2]!;
        img.data[d + 3] = colorType === 6 ? cur[s + 3]! : 255;
      } else {
        const idx = cur[s]!;
        if (idx * 3 + 2 >= palette!.length) throw new PngError(`palette index ${idx} out of range`);
        img.data[d] = palette![idx * 3]!;
        img.data[d + 1] = palette![idx * 3 + 1]!;
        img.data[d + 2] = palette![idx * 3 + 2]!;
        img.data[d + 3] = transparency && idx < transparency.length ? transparency[idx]! : 255;
      }
    }
    prev.set(cur);
  }
  return img;
}

/** Width and height from the IHDR chunk without decoding pixels. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 24 || !buf.subarray(0, 8).equals(SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new PngError('not a PNG file (bad signature or missing IHDR)');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}
