// `livepeer-ts gateway orchestrators`: asks a running gateway's GET /orchestrators for a pipeline and
// model and prints the table — every known orchestrator, whether it qualifies (or exactly why not)
// and its selection probability.
import { DEFAULT_HTTP_ADDR, formatOrchestratorsTable, type OrchestratorsTable } from '../nodes/gateway/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';

const specs = {
  httpAddr: { kind: 'string', description: 'the gateway\'s client API, host:port or URL', default: DEFAULT_HTTP_ADDR },
  pipeline: { kind: 'string', description: 'pipeline, e.g. text-to-image (required)' },
  model: { kind: 'string', description: 'model id (default: the pipeline\'s default model)' },
  authToken: { kind: 'string', description: 'the gateway\'s -authToken, if it has one' },
  json: { kind: 'boolean', description: 'print the JSON as the gateway sent it' },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Show every orchestrator a running gateway knows for a pipeline/model: price, stake, latency, suspension, why it qualifies or not.';

export async function gatewayOrchestrators(argv: readonly string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, specs);
  if (flags.help) {
    console.log(usage('gateway orchestrators -pipeline <pipeline> [-model <model>] [flags]', summary, specs));
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (!flags.pipeline) throw new UsageError('-pipeline is required (e.g. -pipeline text-to-image)');
  const addr = flags.httpAddr ?? DEFAULT_HTTP_ADDR;
  const base = addr.includes('://') ? addr.replace(/\/+$/, '') : `http://${addr}`;
  const q = new URLSearchParams({ pipeline: flags.pipeline, ...(flags.model ? { model: flags.model } : {}) });
  let res: Response;
  try {
    res = await fetch(`${base}/orchestrators?${q}`, { headers: flags.authToken ? { authorization: `Bearer ${flags.authToken}` } : {} });
  } catch (err) {
    console.error(`livepeer-ts gateway orchestrators: cannot reach the gateway at ${base}: ${(err as Error).message}`);
    return 1;
  }
  const text = await res.text();
  if (res.status !== 200) {
    console.error(`livepeer-ts gateway orchestrators: ${base} answered ${res.status}: ${text.slice(0, 500)}`);
    return 1;
  }
  if (flags.json) console.log(text);
  else console.log(formatOrchestratorsTable(JSON.parse(text) as OrchestratorsTable));
  return 0;
}
