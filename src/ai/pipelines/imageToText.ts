// image-to-text: a caption built from real statistics of the uploaded picture (size, average
// colour, brightness, contrast, edge density, transparency). Not a captioning model.
import type { ImageStats } from '../media/image.js';
import { imageStats } from '../media/image.js';
import type { PipelineHandler } from '../runner/context.js';
import { str } from '../runner/params.js';
import { uploadedImage } from './common.js';

export function describeImage(s: ImageStats): string {
  const brightness = s.meanLuma < 64 ? 'dark' : s.meanLuma > 192 ? 'bright' : 'mid-tone';
  const contrast = s.lumaStdDev < 20 ? 'low contrast' : s.lumaStdDev > 60 ? 'high contrast' : 'moderate contrast';
  const detail = s.edgeFraction < 0.02 ? 'smooth' : s.edgeFraction > 0.2 ? 'highly detailed' : 'some detail';
  const alpha = s.transparentFraction > 0 ? `, ${Math.round(s.transparentFraction * 100)}% transparent` : '';
  return (
    `a ${s.width}x${s.height} ${brightness} image, mostly ${s.averageColor}, ${contrast}, ${detail} ` +
    `(${(s.edgeFraction * 100).toFixed(1)}% edge pixels${alpha})`
  );
}

export const imageToText: PipelineHandler = {
  body: 'multipart',
  handle(input) {
    const img = uploadedImage(input);
    const prompt = str(input, 'prompt', '').trim();
    const caption = describeImage(imageStats(img));
    return { json: { text: prompt ? `${prompt} ${caption}` : caption } };
  },
};
