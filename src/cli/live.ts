// `livepeer-ts live`: a live video-to-video client of a gateway. Cuts -file into MPEG-TS segments
// in real time (ffmpeg), publishes them on the stream's input channel, writes the transformed
// segments to -out, and prints progress (segments in/out, latency, seconds paid, fees) on stderr;
// the final status is ONE JSON line on stdout. Exit 0 when the stream ended normally, 1 when the
// gateway stopped it (for example insufficient_balance: the reason is printed).
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { runLiveClient, type LiveProgress } from '../nodes/gateway/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';

const specs = {
  file: { kind: 'string', description: 'input media file (anything ffmpeg reads); without it a generated test video is streamed' },
  out: { kind: 'string', description: 'write the transformed MPEG-TS here (segments concatenated)' },
  stream: { kind: 'string', description: 'stream name', default: 'live' },
  gateway: { kind: 'string', description: 'gateway base URL', default: 'http://127.0.0.1:9935' },
  model_id: { kind: 'string', description: 'live pipeline (model id) to run', default: 'noop' },
  params: { kind: 'string', description: 'pipeline params as JSON, e.g. \'{"filter":"grayscale"}\'', default: '{}' },
  segmentSeconds: { kind: 'number', description: 'segment length in seconds', default: 1 },
  seconds: { kind: 'number', description: 'length of the generated test video when no -file is given', default: 10 },
  loop: { kind: 'boolean', description: 'loop -file until interrupted' },
  authToken: { kind: 'string', description: 'the gateway\'s -authToken (Authorization: Bearer)' },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Stream a file through a gateway\'s live video-to-video and save the transformed output; prints progress and one JSON line.';

function line(p: LiveProgress): string {
  const lat = p.latencyMs === undefined ? '-' : `${p.latencyMs} ms`;
  return `live: in ${p.segmentsIn} out ${p.segmentsOut} latency ${lat} paid ${p.secondsPaid} s fees ${p.feesWei} wei (${p.state})`;
}

export const liveCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('live -file in.mp4 -out out.ts -stream S -params \'{…}\' [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(flags.params ?? '{}') as Record<string, unknown>;
    } catch {
      throw new UsageError('-params must be JSON');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new UsageError('-params must be a JSON object');
    const seconds = flags.seconds ?? 10;
    const out = flags.out ? createWriteStream(flags.out) : undefined;
    const ac = new AbortController();
    const onSignal = (): void => ac.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const r = await runLiveClient({
        gateway: (flags.gateway ?? 'http://127.0.0.1:9935').replace(/\/+$/, ''),
        stream: flags.stream ?? 'live',
        modelId: flags.model_id ?? 'noop',
        params,
        source: flags.file ? { file: flags.file, loop: flags.loop } : { testVideo: { seconds } },
        segmentSeconds: flags.segmentSeconds ?? 1,
        ...(flags.authToken ? { authToken: flags.authToken } : {}),
        signal: ac.signal,
        onOutput: (_seq, data) => {
          if (out && !out.write(data)) return new Promise<void>((res) => out.once('drain', () => res()));
        },
        onProgress: (p) => console.error(line(p)),
      });
      console.error(line(r));
      if (r.stopReason && r.stopReason.code !== 'GW_LIVE_STOPPED' && r.stopReason.code !== 'GW_LIVE_INPUT_ENDED') console.error(`live: the gateway stopped the stream: ${r.stopReason.code}: ${r.stopReason.message}`);
      process.stdout.write(`${JSON.stringify({ stream: flags.stream ?? 'live', segments_in: r.segmentsIn, segments_out: r.segmentsOut, seconds_paid: r.secondsPaid, fees_wei: r.feesWei, stop_reason: r.stopReason ?? null })}\n`);
      return r.stopReason && r.stopReason.code !== 'GW_LIVE_STOPPED' && r.stopReason.code !== 'GW_LIVE_INPUT_ENDED' ? 1 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (out) {
        out.end();
        await finished(out).catch(() => {});
      }
    }
  },
};
