// -aiServiceRegistry: a boolean in go-livepeer (`-aiServiceRegistry` or `=true` selects the AI
// subnet's registry); here it may also name the registry's address. Both spellings of go-livepeer
// keep working: a bare `-aiServiceRegistry` (followed by another flag or nothing) means true.
import { isAddress } from 'viem';
import type { AiServiceRegistryChoice } from '../eth/index.js';
import { UsageError } from './flags.js';

export const AI_SERVICE_REGISTRY_FLAG = 'aiServiceRegistry';

/** Rewrites a bare `-name` (no value after it) into `-name=true`, so a string flag can act as a boolean. */
export function bareFlagAsTrue(argv: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if ((a === `-${name}` || a === `--${name}`) && (next === undefined || (next.startsWith('-') && !/^-\d/.test(next)))) out.push(`${a}=true`);
    else out.push(a);
  }
  return out;
}

export function parseAiServiceRegistryFlag(raw: string | undefined): AiServiceRegistryChoice | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  if (isAddress(raw)) return raw;
  throw new UsageError(`-${AI_SERVICE_REGISTRY_FLAG} takes true, false or the registry's address (0x + 40 hex digits), got "${raw}"`);
}

export const aiServiceRegistryFlagSpec = {
  kind: 'string',
  description:
    "the AI service registry: true (bare) = the network's (Arbitrum One: 0x04C0…34C5, go-livepeer's; devnet: the Controller's AIServiceRegistry), false = the Controller's ServiceRegistry, or an address",
} as const;
