// Flag parsing in go-livepeer's style: `-orchAddr x`, `--orchAddr x`, `-orchAddr=x`, and bare
// boolean flags (`-network offchain` vs `-offchain`). Unknown flags are an error naming the flag,
// so a typo never silently falls back to a default.
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';

export type FlagKind = 'string' | 'boolean' | 'number' | 'bigint';

export interface FlagSpec {
  kind: FlagKind;
  description: string;
  default?: string | boolean | number | bigint;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValues<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['kind'] extends 'boolean'
    ? boolean
    : S[K]['kind'] extends 'number'
      ? number | undefined
      : S[K]['kind'] extends 'bigint'
        ? bigint | undefined
        : string | undefined;
};

export const usageErrorCodes = defineErrorCodes('src/cli', {
  USAGE: 'A flag or argument is wrong: the message names it and what it takes; see `livepeer-ts <command> -help`.',
});

export class UsageError extends LivepeerError<CodeOf<typeof usageErrorCodes>> {
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message, { fatal: true });
  }
}

export interface Parsed<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positional: string[];
}

export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = spec.kind === 'boolean' ? (spec.default ?? false) : spec.default;
  }
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    // -h is -help wherever a command has -help (and no -h of its own).
    if (name === 'h' && !specs.h && specs.help) name = 'help';
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `-${k}`).join(', ');
      throw new UsageError(`unknown flag -${name}${known ? ` (known flags: ${known})` : ''}`);
    }
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.kind === 'boolean') {
      if (raw === undefined) out[name] = true;
      else if (raw === 'true' || raw === '1') out[name] = true;
      else if (raw === 'false' || raw === '0') out[name] = false;
      else throw new UsageError(`flag -${name} takes true or false, got "${raw}"`);
      continue;
    }
    if (raw === undefined) {
      raw = argv[++i];
      if (raw === undefined) throw new UsageError(`flag -${name} needs a value`);
    }
    out[name] = convert(name, spec.kind, raw);
  }
  return { flags: out as FlagValues<S>, positional };
}

function convert(name: string, kind: FlagKind, raw: string): string | number | bigint {
  if (kind === 'string') return raw;
  if (kind === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`flag -${name} takes a number, got "${raw}"`);
    return n;
  }
  if (!/^\d+$/.test(raw)) throw new UsageError(`flag -${name} takes a whole non-negative number, got "${raw}"`);
  return BigInt(raw);
}

export function usage(command: string, summary: string, specs: FlagSpecs): string {
  const lines = [`usage: livepeer-ts ${command}`, '', summary, ''];
  const entries = Object.entries(specs);
  if (entries.length) lines.push('flags:');
  for (const [name, spec] of entries) {
    const def = spec.default === undefined ? '' : ` (default ${String(spec.default)})`;
    lines.push(`  -${name.padEnd(22)} ${spec.description}${def}`);
  }
  return lines.join('\n');
}
