// Public surface of src/ai: the ai-runner API types, the runner client, the reference CPU
// runners, the small media codecs they use, and input media read as go-livepeer reads it (nodes
// use inputImageSize/audioDurationSeconds to count work units).
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
export type { CallOptions, MultipartBody, MultipartFile, RelayOptions, RunnerBody, RunnerClientOptions } from './runnerClient.js';
export { RunnerClient, collectLlm, isMultipartBody, multipartBody } from './runnerClient.js';
export type { LlmErrorChunk } from './sse.js';
export { LLM_ERROR_FINISH_REASON, llmErrorChunk, sseData, sseEvent } from './sse.js';
export { GO_CONTAINER_413, GO_CONTAINER_NAMES, goContainerErrorText } from './containerError.js';
export type { ReferenceRunner, ReferenceRunnerOptions } from './runner/server.js';
export { REFERENCE_PIPELINES, REFERENCE_RUNNER_VERSION, startReferenceRunner } from './runner/server.js';
export type { RgbaImage } from './media/png.js';
export { MAX_PNG_PIXELS, PngError, crc32, decodePng, encodePng, newImage, pngSize } from './media/png.js';
export type { Audio } from './media/wav.js';
export { WavError, encodeWav16, parseWav } from './media/wav.js';
export type { AudioDurationErrorCode, AudioDurationResult } from './media/audioDuration.js';
export { AudioDurationError, GO_AUDIO_DURATION_ERROR, audioDurationSeconds } from './media/audioDuration.js';
export type { ImageSizeErrorCode, InputImageFormat, InputImageSize } from './media/imageSize.js';
export { GO_IMAGE_FORMAT_ERROR, INPUT_IMAGE_FORMATS, ImageSizeError, inputImageSize } from './media/imageSize.js';
export type { LiveRunner, LiveRunnerOptions } from './live/server.js';
export { DEFAULT_LIVE_MODEL_ID, LIVE_PIPELINE, LIVE_RUNNER_NOTE, startLiveRunner } from './live/server.js';
export type { LiveFilter, LiveParams, LiveRunnerErrorCode, StreamStartRequest } from './live/params.js';
export { LIVE_FILTERS, LiveRunnerError, applyParams, isLiveFilter, liveRunnerErrorCodes, parseStartRequest } from './live/params.js';
export type { LiveStreamEnd, LiveStreamStats } from './live/stream.js';
export { LiveStream } from './live/stream.js';
export type { LiveEvent } from './live/events.js';
export { EVENTS_QUEUE, HEARTBEAT_QUEUE, liveEvent } from './live/events.js';
export type { TransformOptions, TransformResult } from './live/transform.js';
export { transformArgs, transformBytes, transformSegment } from './live/transform.js';
export type { TrickleClients } from './live/trickle.js';
export { RUNNER_SUBSCRIBE_START, httpTrickleClients } from './live/trickle.js';
