// Public surface of src/media: media-process handling (ffprobe, bounded).
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
