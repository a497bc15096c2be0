// Small pieces every backend shares: address and checkpoint arguments, checkpoint rows, and the
// durability promise in words.
import type { Hex32 } from '../pm/index.js';
import { corrupt, hashArg, i64Arg } from './codec.js';
import type { StoreDurability } from './config.js';
import { StoreError } from './errors.js';
import type { Checkpoint, StoreBackend } from './types.js';

export function addressArg(v: unknown): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new StoreError('STORE_INVALID_INPUT', `sender address is malformed: ${JSON.stringify(v)}`);
  return v.toLowerCase();
}

export function checkpointNameArg(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new StoreError('STORE_INVALID_INPUT', 'a checkpoint name must be non-empty text of at most 200 characters');
  return v;
}

export function checkpointArgs(name: string, c: Checkpoint): { name: string; block: bigint; hash: Hex32 } {
  if (!c || typeof c !== 'object') throw new StoreError('STORE_INVALID_INPUT', 'a checkpoint must be { block, hash }');
  return { name: checkpointNameArg(name), block: i64Arg(c.block, 'checkpoint block'), hash: hashArg(c.hash, 'checkpoint block hash') };
}

export function toCheckpoint(r: { name: string; block: unknown; hash: unknown }): Checkpoint {
  const key = `checkpoint ${r.name}`;
  const block = typeof r.block === 'bigint' ? r.block : typeof r.block === 'string' && /^[0-9]+$/.test(r.block) ? BigInt(r.block) : undefined;
  if (block === undefined || block < 0n) throw corrupt(key, 'its block is not a non-negative integer');
  if (typeof r.hash !== 'string' || !/^0x[0-9a-f]{64}$/.test(r.hash)) throw corrupt(key, 'its hash is not a 32-byte hash');
  return { block, hash: r.hash as Hex32 };
}

/** The promise a backend makes, in words (describe().durability). */
export function describeDurability(backend: StoreBackend, d: StoreDurability, extra = ''): string {
  if (backend === 'memory') return 'memory: nothing survives the process';
  const base =
    backend === 'sqlite'
      ? d === 'full'
        ? 'WAL, synchronous=FULL: a committed ticket survives a process crash and a power loss'
        : 'WAL, synchronous=NORMAL: a committed ticket survives a process crash, not a power loss'
      : d === 'full'
        ? 'synchronous_commit=on: a committed ticket survives a crash of this process, of the server and a power loss'
        : 'synchronous_commit=off: a committed ticket survives a crash of this process, not a server crash or a power loss';
  return extra ? `${base}; ${extra}` : base;
}
