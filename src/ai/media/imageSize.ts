// Input image sizes, read as go-livepeer reads them (image.DecodeConfig over the formats its
// binary registers: PNG, JPEG and GIF): the stored width × height from the header, ignoring any
// EXIF orientation. The header parsing is the image-size package's.
import { GIF } from 'image-size/types/gif';
import { JPG } from 'image-size/types/jpg';
import { PNG } from 'image-size/types/png';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const imageSizeErrorCodes = defineErrorCodes('src/ai/media (image sizes)', {
  IMAGE_FORMAT_UNSUPPORTED: 'Not a PNG, JPEG or GIF (go-livepeer\'s 400 "image: unknown format").',
  IMAGE_INVALID: 'The image header cannot be read (truncated or corrupt).',
});

export type ImageSizeErrorCode = CodeOf<typeof imageSizeErrorCodes>;

/** Go's image.ErrFormat text, which go-livepeer's orchestrator answers with (400). */
export const GO_IMAGE_FORMAT_ERROR = 'image: unknown format';

export class ImageSizeError extends LivepeerError<ImageSizeErrorCode> {
  override name = 'ImageSizeError';
  constructor(code: ImageSizeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

/** The formats go-livepeer sizes, with image-size's header reader for each. */
const READERS = { png: PNG, jpg: JPG, gif: GIF } as const;
export type InputImageFormat = keyof typeof READERS;
export const INPUT_IMAGE_FORMATS = Object.keys(READERS) as InputImageFormat[];

export interface InputImageSize {
  width: number;
  height: number;
  format: InputImageFormat;
}

/** Width and height of a PNG, JPEG or GIF. Throws ImageSizeError for anything else or a broken header. */
export function inputImageSize(input: Uint8Array): InputImageSize {
  // image-size reads through a DataView over the whole underlying ArrayBuffer, so on a view into a
  // larger buffer (Node's pooled Buffers) a truncated header would read the neighbouring bytes.
  // An exact copy makes those reads fail instead.
  const bytes = input.byteOffset === 0 && input.buffer.byteLength === input.byteLength ? input : input.slice();
  for (const format of INPUT_IMAGE_FORMATS) {
    const reader = READERS[format];
    let size: { width: number; height: number };
    try {
      if (!reader.validate(bytes)) continue;
      size = reader.calculate(bytes);
    } catch (err) {
      throw new ImageSizeError('IMAGE_INVALID', `the ${format} header cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const { width, height } = size;
    if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) {
      throw new ImageSizeError('IMAGE_INVALID', `the ${format} header cannot be read (size ${String(width)}×${String(height)})`);
    }
    return { width, height, format };
  }
  throw new ImageSizeError('IMAGE_FORMAT_UNSUPPORTED', `${GO_IMAGE_FORMAT_ERROR}: send a PNG, JPEG or GIF`);
}
