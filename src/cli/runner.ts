// `livepeer-ts runner`: a reference CPU runner for one AI pipeline, speaking the ai-runner HTTP
// API on 127.0.0.1 (what an orchestrator's aiModels.json `url` can point at). Prints ONE JSON
// line {url, pipeline, model_id, version} on stdout, then runs until SIGTERM/SIGINT.
// The output is deterministic procedural work on the CPU, not a GPU model. `-pipeline
// live-video-to-video` serves pytrickle's live runner API instead, with ffmpeg filters as the
// "model" (src/ai/live).
import { LIVE_PIPELINE, REFERENCE_PIPELINES, REFERENCE_RUNNER_VERSION, isRunnerPipeline, startLiveRunner, startReferenceRunner } from '../ai/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';
import { stopSignal } from './stop-signal.js';

const pipelines = [...Object.keys(REFERENCE_PIPELINES), LIVE_PIPELINE].join(', ');
const specs = {
  pipeline: { kind: 'string', description: `pipeline to serve (${pipelines})` },
  port: { kind: 'number', description: 'HTTP port on 127.0.0.1 (0 = any free port)', default: 8000 },
  model_id: { kind: 'string', description: "model id to report and accept (default: go-livepeer's default for the pipeline)" },
  token: { kind: 'string', description: 'require Authorization: Bearer <token> on jobs (aiModels.json "token")' },
  capacity: { kind: 'number', description: `${LIVE_PIPELINE}: streams at once (more get 503)`, default: 1 },
  heartbeatInterval: { kind: 'number', description: `${LIVE_PIPELINE}: seconds between heartbeat events`, default: 10 },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Serve one AI pipeline with the CPU reference runner (ai-runner HTTP API); prints one JSON line, then runs until killed.';

export const runnerCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('runner -pipeline <name> [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const pipeline = flags.pipeline;
    if (!pipeline) throw new UsageError(`-pipeline is required (one of ${pipelines})`);
    const live = pipeline === LIVE_PIPELINE;
    const batch = isRunnerPipeline(pipeline) && REFERENCE_PIPELINES[pipeline] ? pipeline : undefined;
    if (!live && !batch) throw new UsageError(`-pipeline "${pipeline}" has no CPU reference runner (one of ${pipelines})`);
    const port = flags.port ?? 8000;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('-port must be a whole number 0…65535');

    const capacity = flags.capacity ?? 1;
    if (!Number.isInteger(capacity) || capacity < 1) throw new UsageError('-capacity must be a whole number ≥ 1');
    const heartbeat = flags.heartbeatInterval ?? 10;
    if (!(heartbeat > 0)) throw new UsageError('-heartbeatInterval must be a positive number of seconds');

    const { stopped, dispose: disposeStop } = stopSignal();
    const common = { port, ...(flags.model_id ? { modelId: flags.model_id } : {}), ...(flags.token ? { token: flags.token } : {}) };
    const runner = batch
      ? await startReferenceRunner({ ...common, pipeline: batch })
      : await startLiveRunner({ ...common, capacity, heartbeatMs: heartbeat * 1000, log: (m) => console.error(`runner: ${m}`) });
    try {
      process.stdout.write(`${JSON.stringify({ url: runner.url, pipeline, model_id: runner.modelId, version: REFERENCE_RUNNER_VERSION })}\n`);
      console.error(`runner: ${pipeline} (${runner.modelId}) on ${runner.url} — CPU ${live ? 'stand-in (ffmpeg filters)' : 'reference'}, no GPU model`);
      await stopped;
    } finally {
      disposeStop();
      await runner.close();
    }
    return 0;
  },
};
