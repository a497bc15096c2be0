// The client side of the demo and the end-to-end tests: builds real job requests for the gateway's
// client API (JSON and multipart, as go-livepeer's gateway takes them) and submits them.
import { encodePng, encodeWav16, newImage } from '../../ai/index.js';

export type JobKind = 'text-to-image' | 'llm' | 'image-to-image' | 'audio-to-text';

export interface JobSpec {
  kind: JobKind;
  index: number;
  modelId: string;
}

export interface JobOutcome {
  spec: JobSpec;
  status: number;
  ok: boolean;
  /** Response body (parsed JSON when the response was JSON). */
  body: unknown;
  ms: number;
}

const PROMPTS = ['a lighthouse at dawn', 'a fox in fresh snow', 'a city of glass', 'waves on basalt', 'a paper boat'];

function pick<T>(xs: readonly T[], i: number): T {
  return xs[i % xs.length]!;
}

/** A small deterministic RGB test image (gradient) as PNG bytes. */
export function samplePng(width: number, height: number, seed: number): Uint8Array {
  const img = newImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      img.data[o] = (x * 255) / Math.max(1, width - 1);
      img.data[o + 1] = (y * 255) / Math.max(1, height - 1);
      img.data[o + 2] = (seed * 37) & 0xff;
      img.data[o + 3] = 255;
    }
  }
  return encodePng(img);
}

/** A short deterministic mono WAV (a tone) as bytes; `ms` long at 16 kHz. */
export function sampleWav(ms: number, seed: number): Uint8Array {
  const rate = 16_000;
  const n = Math.round((rate * ms) / 1000);
  const samples = new Float32Array(n);
  const f = 220 + (seed % 5) * 110;
  for (let i = 0; i < n; i++) samples[i] = 0.25 * Math.sin((2 * Math.PI * f * i) / rate);
  return encodeWav16(samples, rate, 1);
}

/** The size parameters of job `spec` (what its units are made of), exposed so tests can check fees. */
export function jobShape(spec: JobSpec): { imageSide: number; maxTokens: number; audioMs: number } {
  const i = spec.index;
  return {
    imageSide: spec.kind === 'text-to-image' ? pick([256, 384, 512], i) : pick([64, 96, 128], i),
    maxTokens: pick([32, 64, 96], i),
    // whole seconds: audio is billed in whole seconds and under 1 s is refused (as go-livepeer)
    audioMs: pick([1000, 2000, 3000], i),
  };
}

function request(spec: JobSpec): { path: string; init: RequestInit } {
  const i = spec.index;
  const shape = jobShape(spec);
  switch (spec.kind) {
    case 'text-to-image': {
      const size = shape.imageSide;
      const body = { prompt: `${pick(PROMPTS, i)} #${i}`, model_id: spec.modelId, width: size, height: size, seed: i };
      return { path: '/text-to-image', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } };
    }
    case 'llm': {
      const body = {
        model: spec.modelId,
        messages: [{ role: 'user', content: `Tell me about ${pick(PROMPTS, i)} (${i})` }],
        max_tokens: shape.maxTokens,
        stream: i % 3 === 0,
      };
      return { path: '/llm', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } };
    }
    case 'image-to-image': {
      const form = new FormData();
      form.set('prompt', `make it ${pick(['sepia', 'inverted', 'blurred'], i)}`);
      form.set('model_id', spec.modelId);
      form.set('strength', '0.6');
      const side = shape.imageSide;
      form.set('image', new Blob([samplePng(side, side, i)], { type: 'image/png' }), `in-${i}.png`);
      return { path: '/image-to-image', init: { method: 'POST', body: form } };
    }
    case 'audio-to-text': {
      const form = new FormData();
      form.set('model_id', spec.modelId);
      form.set('audio', new Blob([sampleWav(shape.audioMs, i)], { type: 'audio/wav' }), `in-${i}.wav`);
      return { path: '/audio-to-text', init: { method: 'POST', body: form } };
    }
  }
}

export async function submitJob(gatewayUrl: string, spec: JobSpec): Promise<JobOutcome> {
  const { path, init } = request(spec);
  const started = performance.now();
  const res = await fetch(new URL(path, gatewayUrl), init);
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
  }
  return { spec, status: res.status, ok: res.ok, body, ms: performance.now() - started };
}

/** Runs `specs` through the gateway with at most `concurrency` in flight; calls `onDone` after each. */
export async function runJobs(
  gatewayUrl: string,
  specs: readonly JobSpec[],
  concurrency: number,
  onDone: (o: JobOutcome) => void,
): Promise<JobOutcome[]> {
  const out: JobOutcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      let o: JobOutcome;
      try {
        o = await submitJob(gatewayUrl, spec);
      } catch (err) {
        o = { spec, status: 0, ok: false, body: (err as Error).message, ms: 0 };
      }
      out.push(o);
      onDone(o);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}
