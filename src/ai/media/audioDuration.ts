// Audio duration in whole seconds, read as go-livepeer reads it (common.CalculateAudioDuration →
// lpms GetCodecInfoBytes): the bytes are piped to libavformat, the container duration is
// truncated to whole seconds (ic->duration / AV_TIME_BASE, integer division), and when a piped
// mp3/wav/aac has no duration, it is estimated as len(bytes)×8 / the audio stream's bit rate
// (again truncated). Zero seconds — audio under 1 s, or no duration at all — is refused.
//
// One deliberate difference: formats that carry their duration only at the end (Ogg Vorbis/Opus)
// have none when piped, so go-livepeer refuses them although ai-runner decodes them. We then
// probe a seekable copy instead, so every format ai-runner accepts can be billed.
import { MediaProbeError, probeMedia, type ProbeOptions, type ProbeResult } from '../../media/index.js';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const audioDurationErrorCodes = defineErrorCodes('src/ai/media (audio durations)', {
  AUDIO_TOO_SHORT: 'The audio is shorter than 1 s: go-livepeer refuses it ("audio duration calculation failed").',
  AUDIO_DURATION_UNKNOWN: 'ffprobe gave no duration for the audio (go-livepeer\'s "audio duration calculation failed").',
});

export type AudioDurationErrorCode = CodeOf<typeof audioDurationErrorCodes>;

/** go-livepeer's common.ErrAudioDurationCalculation text, which its gateway answers with (400). */
export const GO_AUDIO_DURATION_ERROR = 'audio duration calculation failed';

export class AudioDurationError extends LivepeerError<AudioDurationErrorCode> {
  override name = 'AudioDurationError';
  constructor(code: AudioDurationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? {} : { cause: options.cause });
  }
}

/** lpms applies its bit-rate estimate only to these input formats. */
const BITRATE_ESTIMATE_FORMATS = new Set(['mp3', 'wav', 'aac']);

/** Whole seconds of a decimal duration string, truncated toward zero without float rounding. */
function wholeSeconds(duration: string | undefined): bigint {
  if (duration === undefined) return 0n;
  const m = /^(-?)(\d+)(?:\.\d*)?$/.exec(duration.trim());
  if (!m) return 0n;
  return m[1] === '-' ? 0n : BigInt(m[2]!);
}

/** lpms' estimate for piped audio without a duration: len × 8 / bit rate, integer division. */
function estimate(p: ProbeResult, byteLength: number): bigint | undefined {
  if (!BITRATE_ESTIMATE_FORMATS.has(p.formatName)) return undefined;
  const bitRate = p.streams.find((s) => s.codecType === 'audio')?.bitRate;
  if (!bitRate || bitRate <= 0) return undefined;
  return (BigInt(byteLength) * 8n) / BigInt(bitRate);
}

export interface AudioDurationResult {
  /** Whole seconds (≥ 1), what audio-to-text is billed by (× 1000). */
  seconds: bigint;
  formatName: string;
  /** How the seconds were found. */
  source: 'container' | 'bitrate-estimate' | 'seekable-probe';
}

/**
 * Whole seconds of audio in `bytes`, as go-livepeer bills them. Throws AudioDurationError (under
 * 1 s, or no duration) or MediaProbeError (too large, unreadable, timeout, no ffprobe).
 */
export async function audioDurationSeconds(bytes: Uint8Array, opts: Omit<ProbeOptions, 'input'> = {}): Promise<AudioDurationResult> {
  let piped: ProbeResult;
  try {
    piped = await probeMedia(bytes, { ...opts, input: 'pipe' });
  } catch (err) {
    if (err instanceof MediaProbeError && err.code === 'PROBE_UNREADABLE') {
      throw new AudioDurationError('AUDIO_DURATION_UNKNOWN', `cannot read an audio duration from this file: ${err.message}`, { cause: err });
    }
    throw err;
  }
  let seconds = wholeSeconds(piped.duration);
  let source: AudioDurationResult['source'] = 'container';
  if (piped.duration === undefined) {
    const estimated = estimate(piped, bytes.byteLength);
    if (estimated !== undefined) {
      seconds = estimated;
      source = 'bitrate-estimate';
    } else if (piped.streams.some((s) => s.codecType === 'audio')) {
      const seekable = await probeMedia(bytes, { ...opts, input: 'file' });
      if (seekable.duration === undefined) throw new AudioDurationError('AUDIO_DURATION_UNKNOWN', `the ${piped.formatName} file has no duration`);
      seconds = wholeSeconds(seekable.duration);
      source = 'seekable-probe';
    } else {
      throw new AudioDurationError('AUDIO_DURATION_UNKNOWN', `the ${piped.formatName} input has no audio stream with a duration`);
    }
  }
  if (seconds < 1n) {
    throw new AudioDurationError('AUDIO_TOO_SHORT', `the audio is shorter than 1 second; audio-to-text bills whole seconds and refuses shorter audio (as go-livepeer does)`);
  }
  return { seconds, formatName: piped.formatName, source };
}
