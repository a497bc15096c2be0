// `livepeer-ts demo` (= `npm start`): the whole network on loopback, paid jobs, settlement summary.
import { runDemo } from '../nodes/demo/index.js';
import type { Command } from './main.js';
import { parseFlags, usage } from './flags.js';

const specs = {
  jobs: { kind: 'number', description: 'paid jobs to send (half text-to-image, half llm)', default: 120 },
  concurrency: { kind: 'number', description: 'jobs in flight at once', default: 4 },
  help: { kind: 'boolean', description: 'show this help' },
} as const;

const summary = 'Runs a whole Livepeer network on 127.0.0.1 (anvil chain, contracts, orchestrator, CPU runners, gateway), sends paid AI jobs and prints a settlement summary. Exits 1 if any check fails.';

export const demoCommand: Command = {
  summary,
  async run(argv) {
    const { flags } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('demo [flags]', summary, specs));
      return 0;
    }
    const jobs = flags.jobs ?? 120;
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 100_000) {
      console.error('livepeer-ts demo: -jobs must be a whole number from 1 to 100000');
      return 2;
    }
    const { ok } = await runDemo({ jobs, concurrency: Math.max(1, Math.min(64, flags.concurrency ?? 4)), tty: Boolean(process.stdout.isTTY) });
    return ok ? 0 : 1;
  },
};
