// Public surface of src/ai: the ai-runner API types, the runner client, the reference CPU
// runners, and the small media codecs they use (nodes use pngSize/parseWav to count work units).
export type {
  AudioResponse,
  GpuInfo,
  HardwareInfo,
  HealthResponse,
  HealthStatus,
  ImageResponse,
  ImageToTextResponse,
  LlmChoice,
  LlmMessage,
  LlmRequest,
  LlmResponse,
  MasksResponse,
  Media,
  RunnerErrorBody,
  RunnerPipeline,
  RunnerResponses,
  TextChunk,
  TextResponse,
  TextToImageRequest,
  TextToSpeechRequest,
  VersionResponse,
  VideoResponse,
} from './api.js';
export { DEFAULT_MODEL_IDS, RUNNER_PIPELINES, isRunnerPipeline } from './api.js';
export type { RunnerErrorCode } from './errors.js';
export {
  RunnerBadResponseError,
  RunnerError,
  RunnerStatusError,
  RunnerStreamError,
  RunnerTimeoutError,
  RunnerUnreachableError,
} from './errors.js';
export type { CallOptions, MultipartBody, MultipartFile, RunnerBody, RunnerClientOptions } from './runnerClient.js';
export { RunnerClient, collectLlm, multipartBody } from './runnerClient.js';
export { sseData, sseEvent } from './sse.js';
export type { ReferenceRunner, ReferenceRunnerOptions } from './runner/server.js';
export { REFERENCE_PIPELINES, REFERENCE_RUNNER_VERSION, startReferenceRunner } from './runner/server.js';
export type { RgbaImage } from './media/png.js';
export { MAX_PNG_PIXELS, PngError, crc32, decodePng, encodePng, newImage, pngSize } from './media/png.js';
export type { Audio } from './media/wav.js';
export { WavError, encodeWav16, parseWav } from './media/wav.js';
