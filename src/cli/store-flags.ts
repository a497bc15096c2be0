// -storeUrl and -storeDurability, shared by the nodes that keep winning tickets (orchestrator,
// redeemer): which store (PostgreSQL, else SQLite in -dataDir) and how durable a commit is
// (docs/store.md). Both are ours: go-livepeer has SQLite only and no such setting.
import { UsageError, type FlagSpecs } from './flags.js';

export const storeFlagSpecs = {
  storeUrl: { kind: 'string', description: 'PostgreSQL URL (postgres://user:pass@host/db) for the winning-ticket store, shared by several processes; default: SQLite in -dataDir' },
  storeDurability: { kind: 'string', description: 'full: a committed winning ticket survives a power loss (fsync per commit); normal: a process crash only', default: 'full' },
} satisfies FlagSpecs;

/** The node config fields the two flags give; a -storeUrl that is not postgres:// is left to the config's check. */
export function storeFlags(flags: { storeUrl?: string; storeDurability?: string }): { storeUrl?: string; storeDurability: 'full' | 'normal' } {
  const d = flags.storeDurability ?? 'full';
  if (d !== 'full' && d !== 'normal') throw new UsageError('-storeDurability must be full or normal');
  return { ...(flags.storeUrl ? { storeUrl: flags.storeUrl } : {}), storeDurability: d };
}
