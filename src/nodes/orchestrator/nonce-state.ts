// The Recipient's nonce memory across restarts. The secrets file keeps ticket params valid after a
// restart, so without this a gateway could replay its pre-restart tickets and be credited twice.
//
// Each run draws a random 64-bit boot id that goes into every seed it issues (pm Recipient). On a
// clean close the sealed Recipient's memory of unexpired params is written here with the boots it
// covers; the next run claims the file (rename, so two nodes cannot both take it, then fsync),
// deletes it, and takes tickets only for its own boot and those — with their nonces pre-seeded.
// After a crash there is no file, so every earlier boot's params are refused
// (TICKET_PARAMS_UNKNOWN_BOOT) and gateways fetch new ones: go-livepeer's behaviour, whose secrets
// die with the process. Random ids rather than a counter: a counter restored from a backup (or
// reset) would hand a new run the id of an old one whose nonce memory is lost.
//
// Nothing is saved periodically: a snapshot taken while tickets still arrive misses the later
// ones, and accepting its boot after a crash would let exactly those be replayed.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NonceSnapshotEntry, RecipientState } from '../../pm/index.js';
import { MAX_BOOT_ID, MAX_SENDER_NONCES, bytesToBigInt } from '../../pm/index.js';
import { OrchestratorConfigError } from './errors.js';
import { fsyncDir, readOpenFile, writeNewFileAtomic } from './secrets.js';

export const NONCE_STATE_FILE = 'orchestrator-nonces.json';
/** More than this many nonces is not saved (the boot's params are then refused after the restart). */
export const MAX_SAVED_NONCES = 200_000;
/** Boots carried over a chain of clean restarts, at most (each lives ≤ PARAMS_EXPIRATION_BLOCKS). */
export const MAX_RESUMED_BOOTS = 16;
const MAX_FILE_BYTES = 32 * 1024 * 1024;
const FORMAT_VERSION = 1;

/** A run whose params may still be unexpired, and the block after which none are. */
export interface BootRecord {
  id: bigint;
  paramsExpireBy: bigint;
}

export interface ResumeState {
  /** This run's boot id (fresh, random, not one of `resumed`). */
  boot: bigint;
  /** Earlier boots whose params are taken: their complete nonce memory is `nonces`. */
  resumed: BootRecord[];
  nonces: NonceSnapshotEntry[];
  /** What the data dir held: no file (first start or a crash), a usable one, or one that was not. */
  found: 'none' | 'restored' | 'malformed';
}

const DEC = /^(0|[1-9][0-9]{0,77})$/;
const HEX32 = /^0x[0-9a-f]{64}$/;

function parse(text: string): { boots: BootRecord[]; nonces: NonceSnapshotEntry[] } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = v as { version?: unknown; boots?: unknown; nonces?: unknown } | null;
  if (!o || typeof o !== 'object' || o.version !== FORMAT_VERSION || !Array.isArray(o.boots) || !Array.isArray(o.nonces)) return undefined;
  const int = (x: unknown): bigint | undefined => (typeof x === 'string' && DEC.test(x) ? BigInt(x) : undefined);
  const boots: BootRecord[] = [];
  for (const b of o.boots as unknown[]) {
    const r = b as { id?: unknown; paramsExpireBy?: unknown } | null;
    const id = int(r?.id);
    const by = int(r?.paramsExpireBy);
    if (id === undefined || id < 1n || id > MAX_BOOT_ID || by === undefined) return undefined;
    boots.push({ id, paramsExpireBy: by });
  }
  const nonces: NonceSnapshotEntry[] = [];
  let total = 0;
  for (const e of o.nonces as unknown[]) {
    const r = e as { key?: unknown; expirationBlock?: unknown; nonces?: unknown } | null;
    const exp = int(r?.expirationBlock);
    if (typeof r?.key !== 'string' || !HEX32.test(r.key) || exp === undefined || !Array.isArray(r.nonces) || r.nonces.length > MAX_SENDER_NONCES) return undefined;
    const ns: bigint[] = [];
    for (const n of r.nonces as unknown[]) {
      const x = int(n);
      if (x === undefined) return undefined;
      ns.push(x);
    }
    total += ns.length;
    if (total > MAX_SAVED_NONCES) return undefined;
    nonces.push({ key: r.key, expirationBlock: exp, nonces: ns });
  }
  return { boots, nonces };
}

function readBounded(path: string): string | undefined {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return readOpenFile(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

function newBootId(taken: readonly BootRecord[]): bigint {
  for (;;) {
    const id = bytesToBigInt(randomBytes(8));
    if (id !== 0n && !taken.some((b) => b.id === id)) return id;
  }
}

/**
 * Claims and deletes the saved nonce state (before this run takes any ticket, so a crash of this
 * run cannot leave it for the next one), keeping the boots and entries unexpired at `latestBlock`.
 * Throws OrchestratorConfigError (reason NONCE_STATE_UNREMOVABLE) when the file cannot be claimed.
 */
export function takeNonceState(dataDir: string, latestBlock: bigint): ResumeState {
  const path = join(dataDir, NONCE_STATE_FILE);
  const claimed = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.taken`;
  try {
    renameSync(path, claimed);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { boot: newBootId([]), resumed: [], nonces: [], found: 'none' };
    throw new OrchestratorConfigError(`cannot take ${path}: ${(err as Error).message}; the data dir must be writable (a nonce memory that stays behind could be reused after a crash)`, { reason: 'NONCE_STATE_UNREMOVABLE', cause: err });
  }
  let parsed: ReturnType<typeof parse>;
  try {
    const text = readBounded(claimed);
    parsed = text === undefined ? undefined : parse(text);
  } catch {
    parsed = undefined;
  }
  try {
    unlinkSync(claimed);
    fsyncDir(dataDir);
  } catch (err) {
    throw new OrchestratorConfigError(`cannot delete ${claimed}: ${(err as Error).message}`, { reason: 'NONCE_STATE_UNREMOVABLE', cause: err });
  }
  if (!parsed) return { boot: newBootId([]), resumed: [], nonces: [], found: 'malformed' };
  const resumed = parsed.boots
    .filter((b) => b.paramsExpireBy > latestBlock)
    .sort((a, b) => (a.paramsExpireBy > b.paramsExpireBy ? -1 : a.paramsExpireBy < b.paramsExpireBy ? 1 : 0))
    .slice(0, MAX_RESUMED_BOOTS);
  const nonces = resumed.length === 0 ? [] : parsed.nonces.filter((e) => e.expirationBlock > latestBlock);
  return { boot: newBootId(resumed), resumed, nonces, found: 'restored' };
}

export type SaveOutcome = 'saved' | 'too-large' | 'exists';

/**
 * Writes a sealed Recipient's state (0600, atomic, never over an existing file — that would be
 * another node's on the same data dir). `boot` and `resumed` are the boots the state covers.
 */
export function saveNonceState(dataDir: string, boot: BootRecord, resumed: readonly BootRecord[], state: RecipientState): SaveOutcome {
  let total = 0;
  for (const e of state.nonces) total += e.nonces.length;
  if (total > MAX_SAVED_NONCES) return 'too-large';
  const boots = [boot, ...resumed].filter((b) => b.paramsExpireBy > state.latestBlock);
  const text = JSON.stringify({
    version: FORMAT_VERSION,
    boots: boots.map((b) => ({ id: b.id.toString(), paramsExpireBy: b.paramsExpireBy.toString() })),
    nonces: state.nonces.map((e) => ({ key: e.key, expirationBlock: e.expirationBlock.toString(), nonces: e.nonces.map(String) })),
  });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return writeNewFileAtomic(dataDir, join(dataDir, NONCE_STATE_FILE), `${text}\n`) ? 'saved' : 'exists';
}
