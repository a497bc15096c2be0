// Public surface of src/media: media-process handling (ffprobe and ffmpeg, bounded), generated test
// video, real-time MPEG-TS segmenting, and the trickle protocol.
export type { MediaProbeErrorCode, ProbeOptions, ProbeResult, ProbeStream } from './ffprobe.js';
export {
  DEFAULT_PROBE_MAX_BYTES,
  DEFAULT_PROBE_TIMEOUT_MS,
  MAX_CONCURRENT_PROBES,
  MAX_QUEUED_PROBES,
  MediaProbeError,
  ffprobePath,
  probeMedia,
} from './ffprobe.js';
export type { FfmpegProcess, FfmpegRunOptions, FfmpegSpawnOptions, MediaFfmpegErrorCode } from './ffmpeg.js';
export { FfmpegError, ffmpegPath, mediaFfmpegErrorCodes, runFfmpeg, spawnFfmpeg } from './ffmpeg.js';
export type { GenerateOptions, H264Options, TestVideoOptions } from './testVideo.js';
export { generateTestVideo, h264Args, testVideoEncodeArgs, testVideoInputArgs } from './testVideo.js';
export type { MediaSegment, SegmentOptions, SegmentSource } from './segment.js';
export { segmentArgs, segmentMedia } from './segment.js';
export type { TsSegment } from './tsSplitter.js';
export { TsSplitError, TsSplitter, tsSplitErrorCodes } from './tsSplitter.js';
export * from './trickle/index.js';
