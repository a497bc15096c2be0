// The ai-runner HTTP API (livepeer/ai-runner, mirrored in go-livepeer's ai/worker/runner.gen.go):
// request and response shapes for each batch pipeline, health, version and hardware. Field
// names are the wire names (snake_case), because these objects are sent and received as-is.

export const RUNNER_PIPELINES = [
  'text-to-image',
  'image-to-image',
  'image-to-video',
  'upscale',
  'audio-to-text',
  'llm',
  'segment-anything-2',
  'image-to-text',
  'text-to-speech',
] as const;
export type RunnerPipeline = (typeof RUNNER_PIPELINES)[number];

export function isRunnerPipeline(p: string): p is RunnerPipeline {
  return (RUNNER_PIPELINES as readonly string[]).includes(p);
}

/** Default model id per pipeline (go-livepeer gateway defaults, reference §5.1). */
export const DEFAULT_MODEL_IDS: Readonly<Record<RunnerPipeline, string>> = {
  'text-to-image': 'stabilityai/sdxl-turbo',
  'image-to-image': 'stabilityai/sdxl-turbo',
  'image-to-video': 'stabilityai/stable-video-diffusion-img2vid-xt',
  upscale: 'stabilityai/stable-diffusion-x4-upscaler',
  'audio-to-text': 'openai/whisper-large-v3',
  llm: 'meta-llama/llama-3.1-8B-Instruct',
  'segment-anything-2': 'facebook/sam2-hiera-large',
  'image-to-text': 'Salesforce/blip-image-captioning-large',
  'text-to-speech': 'parler-tts/parler-tts-large-v1',
};

export type HealthStatus = 'LOADING' | 'IDLE' | 'OK' | 'ERROR';
export interface HealthResponse {
  status: HealthStatus;
}
export interface VersionResponse {
  pipeline: string;
  model_id: string;
  version: string;
}
export interface GpuInfo {
  id: string;
  name: string;
  major: number;
  minor: number;
  memory_free: number;
  memory_total: number;
}
export interface HardwareInfo {
  pipeline: string;
  model_id: string;
  gpu_info: Record<string, GpuInfo>;
}

export interface Media {
  url: string;
  seed: number;
  nsfw: boolean;
}
export interface ImageResponse {
  images: Media[];
}
export interface VideoResponse {
  frames: Media[][];
}
export interface TextChunk {
  text: string;
  /** [start, end] in seconds; either may be null (Whisper leaves the last chunk's end open). */
  timestamp: [number | null, number | null];
}
export interface TextResponse {
  text: string;
  chunks: TextChunk[];
}
export interface ImageToTextResponse {
  text: string;
}
export interface AudioResponse {
  audio: { url: string };
}
/** Masks, scores and logits are strings holding nested numeric arrays. */
export interface MasksResponse {
  masks: string;
  scores: string;
  logits: string;
}

export interface LlmMessage {
  role: string;
  content: string;
}
export interface LlmRequest {
  messages: LlmMessage[];
  model?: string;
  temperature?: number;
  max_tokens?: number;
  top_p?: number;
  top_k?: number;
  stream?: boolean;
}
export interface LlmChoice {
  index: number;
  /** "" while streaming, then "stop" (or "length"). */
  finish_reason: string;
  delta?: LlmMessage;
  message?: LlmMessage;
}
export interface LlmResponse {
  id: string;
  model: string;
  created: number;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  choices: LlmChoice[];
}

export interface TextToImageRequest {
  prompt: string;
  model_id?: string;
  loras?: string;
  height?: number;
  width?: number;
  guidance_scale?: number;
  negative_prompt?: string;
  safety_check?: boolean;
  seed?: number;
  num_inference_steps?: number;
  num_images_per_prompt?: number;
}
export interface TextToSpeechRequest {
  text: string;
  description?: string;
  model_id?: string;
}

export interface RunnerResponses {
  'text-to-image': ImageResponse;
  'image-to-image': ImageResponse;
  'image-to-video': VideoResponse;
  upscale: ImageResponse;
  'audio-to-text': TextResponse;
  llm: LlmResponse;
  'segment-anything-2': MasksResponse;
  'image-to-text': ImageToTextResponse;
  'text-to-speech': AudioResponse;
}

/** ai-runner error bodies: {"detail":{"msg"}} (400/401/413/415/500) or FastAPI's 422 list. */
export interface RunnerErrorBody {
  detail: { msg: string } | { loc: (string | number)[]; msg: string; type: string }[];
}
