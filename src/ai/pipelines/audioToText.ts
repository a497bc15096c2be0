// audio-to-text: parses the uploaded WAV and reports real facts about it — format, duration,
// RMS and peak level, and sound/silence segments (20 ms windows, silence below -40 dBFS). It
// does not recognise speech, and says so in the text.
import type { Audio } from '../media/wav.js';
import { WavError, parseWav } from '../media/wav.js';
import type { PipelineHandler } from '../runner/context.js';
import { RunnerHttpError, badRequest } from '../runner/errors.js';
import { requiredFile, str } from '../runner/params.js';

export const SILENCE_DBFS = -40;
const WINDOW_S = 0.02;
/** Gaps shorter than this do not split a segment. */
const MIN_SEGMENT_S = 0.2;

export interface AudioSegment {
  start: number;
  end: number;
  kind: 'sound' | 'silence';
  rmsDbfs: number;
}

export const dbfs = (x: number) => (x > 0 ? 20 * Math.log10(x) : -Infinity);
const fmtDb = (d: number) => (Number.isFinite(d) ? `${d.toFixed(1)} dBFS` : '-inf dBFS');
const r2 = (x: number) => Math.round(x * 100) / 100;

export function analyse(a: Audio): { rms: number; peak: number; segments: AudioSegment[] } {
  const frameLen = Math.max(1, Math.round(a.sampleRate * WINDOW_S));
  let sumSq = 0;
  let peak = 0;
  const windows: { start: number; end: number; sumSq: number; n: number }[] = [];
  for (let f0 = 0; f0 < a.frames; f0 += frameLen) {
    const f1 = Math.min(a.frames, f0 + frameLen);
    let s = 0;
    for (let i = f0 * a.channels; i < f1 * a.channels; i++) {
      const v = a.samples[i]!;
      s += v * v;
      if (Math.abs(v) > peak) peak = Math.abs(v);
    }
    sumSq += s;
    windows.push({ start: f0 / a.sampleRate, end: f1 / a.sampleRate, sumSq: s, n: (f1 - f0) * a.channels });
  }
  // classify windows, then merge runs; runs shorter than MIN_SEGMENT_S join the previous segment
  const segs: { start: number; end: number; kind: AudioSegment['kind']; sumSq: number; n: number }[] = [];
  for (const w of windows) {
    const kind = dbfs(Math.sqrt(w.sumSq / w.n)) < SILENCE_DBFS ? 'silence' : 'sound';
    const last = segs[segs.length - 1];
    if (last && last.kind === kind) Object.assign(last, { end: w.end, sumSq: last.sumSq + w.sumSq, n: last.n + w.n });
    else segs.push({ ...w, kind });
  }
  const merged: typeof segs = [];
  for (const s of segs) {
    const last = merged[merged.length - 1];
    if (last && (s.end - s.start < MIN_SEGMENT_S || last.kind === s.kind)) Object.assign(last, { end: s.end, sumSq: last.sumSq + s.sumSq, n: last.n + s.n });
    else merged.push({ ...s });
  }
  const n = a.frames * a.channels;
  return {
    rms: n ? Math.sqrt(sumSq / n) : 0,
    peak,
    segments: merged.map((s) => ({ start: r2(s.start), end: r2(s.end), kind: s.kind, rmsDbfs: dbfs(Math.sqrt(s.sumSq / s.n)) })),
  };
}

export const audioToText: PipelineHandler = {
  body: 'multipart',
  handle(input) {
    const bytes = requiredFile(input, 'audio');
    const ts = str(input, 'return_timestamps', 'true').toLowerCase();
    const metadata = str(input, 'metadata', '{}');
    try {
      JSON.parse(metadata);
    } catch {
      throw badRequest('Invalid JSON in metadata');
    }
    let audio: Audio;
    try {
      audio = parseWav(bytes);
    } catch (err) {
      // ai-runner answers 415 for audio it cannot decode
      if (err instanceof WavError) throw new RunnerHttpError(415, `Unsupported audio format or malformed file. (${err.message}; the CPU reference runner reads WAV only)`);
      throw err;
    }
    const { rms, peak, segments } = analyse(audio);
    const sound = segments.filter((s) => s.kind === 'sound').length;
    const text =
      `[CPU reference runner: audio analysis, no speech recognition] WAV ${audio.sampleRate} Hz, ${audio.channels} channel(s), ` +
      `${audio.bitsPerSample}-bit ${audio.encoding}, ${audio.durationSeconds.toFixed(3)} s; RMS ${fmtDb(dbfs(rms))}, peak ${fmtDb(dbfs(peak))}; ` +
      `${sound} sound segment(s), ${segments.length - sound} silence segment(s).`;
    const chunks =
      ts === 'false' || ts === '0'
        ? []
        : segments.map((s) => ({ text: s.kind === 'sound' ? `sound (RMS ${fmtDb(s.rmsDbfs)})` : 'silence', timestamp: [s.start, s.end] }));
    return { json: { text, chunks } };
  },
};
