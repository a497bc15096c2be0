// Pixel operations on RGBA images for the reference runners: resampling, colour transforms,
// blur, luminance and simple statistics. Plain loops over typed arrays; no dependencies.
import type { RgbaImage } from './png.js';
import { newImage } from './png.js';

/** Bilinear resample to width × height (used for 2×/4× upscaling). */
export function resizeBilinear(src: RgbaImage, width: number, height: number): RgbaImage {
  const out = newImage(width, height);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(src.height - 1, Math.floor(fy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(src.width - 1, Math.floor(fx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      const a = (y0 * src.width + x0) * 4;
      const b = (y0 * src.width + x1) * 4;
      const c = (y1 * src.width + x0) * 4;
      const d = (y1 * src.width + x1) * 4;
      const o = (y * width + x) * 4;
      for (let k = 0; k < 4; k++) {
        const top = src.data[a + k]! * (1 - wx) + src.data[b + k]! * wx;
        const bot = src.data[c + k]! * (1 - wx) + src.data[d + k]! * wx;
        out.data[o + k] = Math.round(top * (1 - wy) + bot * wy);
      }
    }
  }
  return out;
}

export type ColorTransform = 'invert' | 'sepia' | 'grayscale' | 'blur';

function mapPixels(src: RgbaImage, f: (r: number, g: number, b: number) => [number, number, number]): RgbaImage {
  const out = newImage(src.width, src.height);
  for (let i = 0; i < src.data.length; i += 4) {
    const [r, g, b] = f(src.data[i]!, src.data[i + 1]!, src.data[i + 2]!);
    out.data[i] = clamp(r);
    out.data[i + 1] = clamp(g);
    out.data[i + 2] = clamp(b);
    out.data[i + 3] = src.data[i + 3]!;
  }
  return out;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Separable box blur of the given radius (two passes), edges clamped. */
export function boxBlur(src: RgbaImage, radius: number): RgbaImage {
  const r = Math.max(0, Math.floor(radius));
  if (r === 0) return { ...src, data: src.data.slice() };
  const pass = (img: RgbaImage, horizontal: boolean): RgbaImage => {
    const out = newImage(img.width, img.height);
    const len = horizontal ? img.width : img.height;
    const lines = horizontal ? img.height : img.width;
    const at = (line: number, i: number) => (horizontal ? (line * img.width + i) * 4 : (i * img.width + line) * 4);
    for (let line = 0; line < lines; line++) {
      for (let k = 0; k < 4; k++) {
        let sum = 0;
        for (let i = -r; i <= r; i++) sum += img.data[at(line, Math.min(len - 1, Math.max(0, i)))! + k]!;
        for (let i = 0; i < len; i++) {
          out.data[at(line, i) + k] = Math.round(sum / (2 * r + 1));
          sum += img.data[at(line, Math.min(len - 1, i + r + 1)) + k]! - img.data[at(line, Math.max(0, i - r)) + k]!;
        }
      }
    }
    return out;
  };
  return pass(pass(src, true), false);
}

/** Applies a transform and mixes it with the original by `strength` ∈ [0, 1]. */
export function applyTransform(src: RgbaImage, transform: ColorTransform, strength: number): RgbaImage {
  let t: RgbaImage;
  if (transform === 'invert') t = mapPixels(src, (r, g, b) => [255 - r, 255 - g, 255 - b]);
  else if (transform === 'sepia') t = mapPixels(src, (r, g, b) => [0.393 * r + 0.769 * g + 0.189 * b, 0.349 * r + 0.686 * g + 0.168 * b, 0.272 * r + 0.534 * g + 0.131 * b]);
  else if (transform === 'grayscale') t = mapPixels(src, (r, g, b) => { const y = 0.299 * r + 0.587 * g + 0.114 * b; return [y, y, y]; });
  else t = boxBlur(src, Math.max(1, Math.round(Math.min(src.width, src.height) / 64)));
  const s = Math.max(0, Math.min(1, strength));
  const out = newImage(src.width, src.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.round(src.data[i]! * (1 - s) + t.data[i]! * s);
  return out;
}

/** Luminance (Rec. 601) in [0, 255] per pixel. */
export function luminance(img: RgbaImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) out[p] = 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
  return out;
}

export interface ImageStats {
  width: number;
  height: number;
  meanRgb: [number, number, number];
  meanLuma: number;
  /** Standard deviation of luminance (contrast). */
  lumaStdDev: number;
  /** Fraction of pixels whose luminance gradient exceeds 32 (edge density). */
  edgeFraction: number;
  /** Fraction of pixels that are not fully opaque. */
  transparentFraction: number;
  averageColor: string;
}

const HUES: [number, string][] = [[15, 'red'], [45, 'orange'], [70, 'yellow'], [160, 'green'], [200, 'cyan'], [260, 'blue'], [300, 'purple'], [345, 'magenta'], [360, 'red']];

export function colorName(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const light = (max + min) / 2;
  if (max - min < 24) return light < 48 ? 'black' : light > 208 ? 'white' : 'gray';
  let h: number;
  if (max === r) h = ((g - b) / (max - min)) * 60;
  else if (max === g) h = (2 + (b - r) / (max - min)) * 60;
  else h = (4 + (r - g) / (max - min)) * 60;
  if (h < 0) h += 360;
  const name = HUES.find(([limit]) => h < limit)?.[1] ?? 'red';
  return light < 80 ? `dark ${name}` : light > 190 ? `light ${name}` : name;
}

export function imageStats(img: RgbaImage): ImageStats {
  const n = img.width * img.height;
  const luma = luminance(img);
  let r = 0, g = 0, b = 0, l = 0, l2 = 0, edges = 0, transparent = 0;
  for (let p = 0, i = 0; p < n; p++, i += 4) {
    r += img.data[i]!;
    g += img.data[i + 1]!;
    b += img.data[i + 2]!;
    if (img.data[i + 3]! < 255) transparent++;
    const y = luma[p]!;
    l += y;
    l2 += y * y;
    const x = p % img.width;
    const gx = x + 1 < img.width ? luma[p + 1]! - y : 0;
    const gy = p + img.width < n ? luma[p + img.width]! - y : 0;
    if (Math.hypot(gx, gy) > 32) edges++;
  }
  const meanLuma = l / n;
  const meanRgb: [number, number, number] = [r / n, g / n, b / n];
  return {
    width: img.width,
    height: img.height,
    meanRgb,
    meanLuma,
    lumaStdDev: Math.sqrt(Math.max(0, l2 / n - meanLuma * meanLuma)),
    edgeFraction: edges / n,
    transparentFraction: transparent / n,
    averageColor: colorName(...meanRgb),
  };
}
