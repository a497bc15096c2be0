// npm run bench:liverunner — what one segment costs in the CPU live runner, and what it adds live:
// - per filter, the wall time of one 2 s MPEG-TS segment through its ffmpeg (spawn, decode, filter,
//   libx264 ultrafast, mux), median over the segments, at 320×240@15 and 640×360@30; the baseline,
//   measured in the same run, is the same segment through an ffmpeg that only remuxes it (`-c copy`:
//   the process and container cost alone); `realtime` = segment seconds ÷ processing seconds;
// - live, through a real trickle server on loopback and the runner: segments published at their
//   real rate, the time each output segment ends after its input segment ended (p50/p99).
// The last line is one JSON object.
import { LIVE_FILTERS, startLiveRunner, transformBytes, type LiveFilter } from '../src/ai/index.js';
import { readAll, startSession } from '../src/ai/live/testkit.js';
import { TsSplitter, generateTestVideo, runFfmpeg, segmentMedia } from '../src/media/index.js';
import { median, round } from './lib/stats.js';

const SEGMENT_S = 2;
const SIZES = [
  { width: 320, height: 240, fps: 15 },
  { width: 640, height: 360, fps: 30 },
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function perFilter(size: (typeof SIZES)[number]): Promise<Record<string, unknown>> {
  const ts = await generateTestVideo({ seconds: 6 * SEGMENT_S, gopSeconds: SEGMENT_S, ...size });
  const sp = new TsSplitter();
  const segs = [...sp.push(ts), ...sp.end()].map((s) => s.data);
  // warm-up: the first spawn pays the binary's page-in
  await transformBytes(segs[0]!, { filter: 'none' });
  const copy = median(await seq(segs, (b) => timed(() => runFfmpeg(['-f', 'mpegts', '-i', 'pipe:0', '-c', 'copy', '-f', 'mpegts', 'pipe:1'], { input: b }))));
  const filters: Record<string, unknown> = {};
  for (const f of Object.keys(LIVE_FILTERS) as LiveFilter[]) {
    const ms = median(await seq(segs, (b) => timed(() => transformBytes(b, { filter: f }))));
    filters[f] = { ms: round(ms, 1), vsCopy: round(ms / copy, 2), realtime: round((SEGMENT_S * 1000) / ms, 1) };
  }
  const label = `${size.width}x${size.height}@${size.fps}`;
  console.log(label, `copy ${round(copy, 1)} ms`, JSON.stringify(filters));
  return { size: label, copyMs: round(copy, 1), filters };
}

async function seq<T>(xs: Uint8Array[], fn: (b: Uint8Array) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const x of xs) out.push(await fn(x));
  return out;
}

/** Live: input segment ends → output segment ends, through trickle and the runner. */
async function live(): Promise<{ p50: number; p99: number; segments: number }> {
  const runner = await startLiveRunner({});
  const s = await startSession();
  try {
    const res = await fetch(`${runner.url}/live-video-to-video`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...s.urls, gateway_request_id: 'bench', params: { filter: 'grayscale' } }),
    });
    if (res.status !== 200) throw new Error(`start: ${res.status} ${await res.text()}`);
    const inputEnded: number[] = [];
    const added: number[] = [];
    const reader = (async () => {
      for (let i = 0; ; i++) {
        const seg = await s.output.read();
        if (!seg) return;
        await readAll(seg);
        added.push(performance.now() - inputEnded[i]!);
      }
    })();
    for await (const seg of segmentMedia({ testVideo: { seconds: 10 * SEGMENT_S, ...SIZES[0]! } }, { segmentSeconds: SEGMENT_S })) {
      await s.input.write(seg.data);
      inputEnded.push(performance.now());
    }
    await s.input.close();
    await reader;
    return { p50: round(pct(added, 50), 1), p99: round(pct(added, 99), 1), segments: added.length };
  } finally {
    await s.close();
    await runner.close();
  }
}

const sizes = [];
for (const size of SIZES) sizes.push(await perFilter(size));
const l = await live();
console.log(`live (320x240@15, grayscale): ${l.segments} segments, added p50 ${l.p50} ms, p99 ${l.p99} ms`);
const small = sizes[0]!.filters as Record<string, { ms: number; vsCopy: number; realtime: number }>;
const worst = Object.values(small).reduce((a, b) => (b.ms > a.ms ? b : a));
console.log(
  JSON.stringify({
    metric: 'liverunner',
    segmentSeconds: SEGMENT_S,
    ratio: worst.vsCopy,
    worstFilterMs: worst.ms,
    realtime: worst.realtime,
    addedP50Ms: l.p50,
    addedP99Ms: l.p99,
    sizes,
  }),
);
