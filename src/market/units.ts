// Work units per AI pipeline (reference §5.2): what a job costs is units × price per unit. The
// gateway pays for these units up front and the orchestrator debits them after the job, so both
// sides must compute the same number — `jobUnits` is the one function both sides call.
//
// Differences from go-livepeer, fixed by using one definition on both sides:
//  - text-to-speech: the go gateway pays len(text) in UTF-8 bytes while the go orchestrator debits
//    1000 × rune count (reference §8.2), so every TTS job leaves the gateway short. We use the
//    orchestrator's definition (1000 × Unicode code points) everywhere: it is what the party that
//    debits charges, so our gateway pays enough for go orchestrators and our orchestrator charges
//    what it always charged. (Text is a JS string; we count code points, not UTF-16 units.)
// As go-livepeer: llm is max_tokens (a gateway fills in 256 when the client gave none; an
// orchestrator refuses a job without it, 400 "MaxTokens not specified"), and audio is whole
// seconds × 1000, audio under 1 s being refused (the seconds come from src/ai's ffprobe reading).
// `goLivepeerUnits` reproduces go-livepeer's per-side numbers for interop checks.

export const DEFAULT_IMAGE_WIDTH = 512;
export const DEFAULT_IMAGE_HEIGHT = 512;
export const DEFAULT_VIDEO_WIDTH = 1024;
export const DEFAULT_VIDEO_HEIGHT = 576;
export const IMAGE_TO_VIDEO_FRAMES = 25;
/** What a gateway sends as max_tokens when the client gave none (go-livepeer's and the runner's default). */
export const DEFAULT_LLM_MAX_TOKENS = 256;
/** go-livepeer's orchestrator answer (400) to an llm job without max_tokens. */
export const GO_LLM_MAX_TOKENS_MISSING = 'MaxTokens not specified';
/** Live video is paid as 1280×720 pixels at 30 fps per second of stream. */
export const LIVE_UNITS_PER_SECOND = 1280n * 720n * 30n;
/** The first live payment covers 60 s. */
export const LIVE_INITIAL_SECONDS = 60n;

export type UnitsJob =
  | { pipeline: 'text-to-image'; width?: number; height?: number; numImagesPerPrompt?: number }
  | { pipeline: 'image-to-image'; inputWidth: number; inputHeight: number; numImagesPerPrompt?: number }
  | { pipeline: 'upscale'; inputWidth: number; inputHeight: number }
  | { pipeline: 'image-to-video'; width?: number; height?: number }
  /** Whole seconds (≥ 1), as go-livepeer reads them (src/ai audioDurationSeconds). */
  | { pipeline: 'audio-to-text'; durationSeconds: bigint | number }
  /** max_tokens is required: the gateway fills in DEFAULT_LLM_MAX_TOKENS, the orchestrator refuses its absence. */
  | { pipeline: 'llm'; maxTokens: number | undefined }
  | { pipeline: 'segment-anything-2'; inputWidth: number; inputHeight: number }
  | { pipeline: 'image-to-text'; inputWidth: number; inputHeight: number }
  | { pipeline: 'text-to-speech'; text: string }
  | { pipeline: 'live-video-to-video'; seconds?: number };

function count(name: string, v: number | undefined, dflt?: number): bigint {
  const x = v ?? dflt;
  if (x === undefined || !Number.isSafeInteger(x) || x <= 0) {
    throw new RangeError(`units: ${name} must be a whole number > 0, got ${String(v)}`);
  }
  return BigInt(x);
}

/** Units for one job, identical on the gateway (payment) and the orchestrator (debit). */
export function jobUnits(job: UnitsJob): bigint {
  switch (job.pipeline) {
    case 'text-to-image':
      return (
        count('height', job.height, DEFAULT_IMAGE_HEIGHT) *
        count('width', job.width, DEFAULT_IMAGE_WIDTH) *
        count('num_images_per_prompt', job.numImagesPerPrompt, 1)
      );
    case 'image-to-image':
      return count('input height', job.inputHeight) * count('input width', job.inputWidth) * count('num_images_per_prompt', job.numImagesPerPrompt, 1);
    case 'upscale':
    case 'segment-anything-2':
    case 'image-to-text':
      return count('input height', job.inputHeight) * count('input width', job.inputWidth);
    case 'image-to-video':
      return count('height', job.height, DEFAULT_VIDEO_HEIGHT) * count('width', job.width, DEFAULT_VIDEO_WIDTH) * BigInt(IMAGE_TO_VIDEO_FRAMES);
    case 'audio-to-text':
      return audioMillis(job.durationSeconds);
    case 'llm':
      if (job.maxTokens === undefined) throw new RangeError(`units: ${GO_LLM_MAX_TOKENS_MISSING}`);
      return count('max_tokens', job.maxTokens);
    case 'text-to-speech': {
      const n = codePoints(job.text);
      if (n === 0) throw new RangeError('units: text-to-speech text must not be empty');
      return 1000n * BigInt(n);
    }
    case 'live-video-to-video':
      return LIVE_UNITS_PER_SECOND * (job.seconds === undefined ? LIVE_INITIAL_SECONDS : count('seconds', job.seconds));
  }
}

/** Whole seconds × 1000, as go-livepeer bills audio; under 1 s (or a fraction) is refused, not rounded. */
function audioMillis(seconds: bigint | number): bigint {
  const s = typeof seconds === 'bigint' ? seconds : Number.isSafeInteger(seconds) ? BigInt(seconds) : undefined;
  if (s === undefined) throw new RangeError(`units: audio duration must be whole seconds, got ${seconds}`);
  if (s < 1n) throw new RangeError(`units: audio must be at least 1 second long, got ${seconds} s`);
  return s * 1000n;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * go-livepeer's numbers for one side, for interop checks and for explaining a shortfall. They
 * differ from `jobUnits` only for text-to-speech (gateway: UTF-8 bytes).
 */
export function goLivepeerUnits(side: 'gateway' | 'orchestrator', job: UnitsJob): bigint {
  if (job.pipeline === 'text-to-speech' && side === 'gateway') return BigInt(Buffer.byteLength(job.text, 'utf8'));
  if (job.pipeline === 'llm' && side === 'gateway' && job.maxTokens === undefined) return BigInt(DEFAULT_LLM_MAX_TOKENS);
  return jobUnits(job);
}

/** What one unit is, per pipeline, for logs and dashboards (users.md §D: units are confusing). */
export const UNIT_NAMES: Readonly<Record<UnitsJob['pipeline'], string>> = {
  'text-to-image': 'output pixel',
  'image-to-image': 'input pixel per image',
  upscale: 'input pixel',
  'image-to-video': 'output pixel per frame',
  'audio-to-text': 'millisecond of audio (whole seconds)',
  llm: 'token of max_tokens',
  'segment-anything-2': 'input pixel',
  'image-to-text': 'input pixel',
  'text-to-speech': '1/1000 character',
  'live-video-to-video': '720p30 pixel-frame',
};
