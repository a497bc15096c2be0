// `livepeer-ts trickle`: a standalone trickle server (go-livepeer's trickle protocol) on a plain
// HTTP/1.1 port, channels created on their first POST. Prints ONE JSON line {url} on stdout (the
// base URL: channels are <url><name>), then runs until SIGTERM/SIGINT.
import { TRICKLE_DEFAULTS, startTrickleServer } from '../media/index.js';
import { parseFlags, usage, UsageError, type FlagSpecs } from './flags.js';
import type { Command } from './main.js';
import { stopSignal } from './stop-signal.js';

const specs = {
  httpAddr: { kind: 'string', description: 'host:port to listen on (port 0 = any free port)', default: '127.0.0.1:0' },
  autocreate: { kind: 'boolean', description: 'create a channel on its first POST (off: unknown channels are 404, as on an orchestrator)', default: true },
  idleTimeout: { kind: 'number', description: 'seconds without a segment before a channel is closed (names starting _ exempt)', default: TRICKLE_DEFAULTS.idleTimeoutMs / 1000 },
  maxSegmentBytes: { kind: 'number', description: 'largest segment accepted (bytes); a POST past it gets 413', default: TRICKLE_DEFAULTS.maxSegmentBytes },
  maxChannels: { kind: 'number', description: 'most channels held at once', default: TRICKLE_DEFAULTS.maxChannels },
  help: { kind: 'boolean', description: 'show this help' },
} satisfies FlagSpecs;

const summary = 'Serve the trickle protocol on its own (plain HTTP, autocreate on); prints one JSON line {url}, then runs until killed.';

export function parseHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr);
  if (!m) throw new UsageError(`-httpAddr "${addr}" is not host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError('-httpAddr port must be 0…65535');
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export const trickleCommand: Command = {
  summary,
  async run(argv) {
    const { flags, positional } = parseFlags(argv, specs);
    if (flags.help) {
      console.log(usage('trickle [flags]', summary, specs));
      return 0;
    }
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const { host, port } = parseHostPort(flags.httpAddr ?? '127.0.0.1:0');
    const positive = (v: number | undefined, name: string) => {
      if (v === undefined) return undefined;
      if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`-${name} must be a positive number`);
      return v;
    };
    const idle = positive(flags.idleTimeout, 'idleTimeout');
    const maxSegmentBytes = positive(flags.maxSegmentBytes, 'maxSegmentBytes');
    const maxChannels = positive(flags.maxChannels, 'maxChannels');
    const { stopped, dispose: disposeStop } = stopSignal();
    const srv = await startTrickleServer({
      host,
      port,
      autocreate: flags.autocreate ?? true,
      ...(idle ? { idleTimeoutMs: Math.round(idle * 1000), sweepIntervalMs: Math.min(TRICKLE_DEFAULTS.sweepIntervalMs, Math.max(10, Math.round((idle * 1000) / 5))) } : {}),
      ...(maxSegmentBytes ? { maxSegmentBytes: Math.floor(maxSegmentBytes) } : {}),
      ...(maxChannels ? { maxChannels: Math.floor(maxChannels) } : {}),
      onEvent: (e) => console.error(`trickle: ${e.type} ${e.channel}`),
    });
    try {
      process.stdout.write(`${JSON.stringify({ url: srv.url })}\n`);
      console.error(`trickle: serving on ${srv.url}`);
      await stopped;
    } finally {
      disposeStop();
      await srv.close();
    }
    return 0;
  },
};
