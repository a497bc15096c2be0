// go-livepeer's -v: glog verbosity, a number (default 3; go-livepeer logs at V(4) "short", V(5)
// debug and V(6) verbose). glog prints Info, Warning and Error lines at every -v, so every number
// up to 4 is pino "info"; 5 adds debug and 6 or more trace. A pino level name is accepted too.
import { UsageError } from './flags.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** go-livepeer's default -v. */
export const DEFAULT_VERBOSITY = '3';

export function verbosityToLevel(raw: string): LogLevel {
  const v = raw.trim();
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  if (!/^\d+$/.test(v)) {
    throw new UsageError(`-v takes glog's verbosity, a whole number (3 info, 5 debug, 6 trace) or a log level (${LOG_LEVELS.join(', ')}); got "${raw}"`);
  }
  const n = Number(v);
  if (n <= 4) return 'info';
  if (n === 5) return 'debug';
  return 'trace';
}
