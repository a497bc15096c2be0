// The orchestrator's two HMAC secrets — one signs auth tokens, one derives recipientRand for the
// ticket params it issues — kept in the data dir so params and tokens handed out before a restart
// stay valid until they expire. go-livepeer draws both at random on every start, so a restart
// breaks every session (the first job after it gets 403 and the gateway suspends the orchestrator).
// Params survive only a clean restart: their nonce memory must come along (nonce-state.ts).
//
// A missing file is created; a file that exists but is unreadable, malformed or readable by others
// is refused, never replaced: replacing it would silently invalidate every outstanding session, and
// a secret others could read lets them mint auth tokens and predict recipientRand.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OrchestratorConfigError } from './errors.js';

export const SECRETS_FILE = 'orchestrator-secrets.json';
export const SECRET_LEN = 32;
const FORMAT_VERSION = 1;
/** Bound before reading: the real file is ~170 bytes. */
const MAX_FILE_BYTES = 4096;

export interface OrchestratorSecrets {
  /** HMAC key of auth tokens (GetOrchestrator → segment credentials). */
  authToken: Uint8Array;
  /** HMAC key of recipientRand (pm Recipient). */
  recipientRand: Uint8Array;
  path: string;
  /** True when this call drew and wrote new secrets. */
  created: boolean;
}

export type SecretsErrorReason =
  /** Not a secrets file of this format: wrong JSON, keys, hex or length (e.g. truncated). */
  | 'SECRETS_MALFORMED'
  /** Group/other permission bits set, or not a regular file. */
  | 'SECRETS_PERMISSIONS'
  /** The file exists but cannot be read (EACCES, EIO, …). */
  | 'SECRETS_UNREADABLE'
  /** Creating the data dir or writing the new file failed. */
  | 'SECRETS_WRITE_FAILED';

/** A startup refusal (code BAD_CONFIG); `reason` is the stable code of what is wrong. */
export class OrchestratorSecretsError extends OrchestratorConfigError {
  override name = 'OrchestratorSecretsError';
  declare readonly reason: SecretsErrorReason;
  constructor(reason: SecretsErrorReason, message: string, opts: { cause?: unknown } = {}) {
    super(message, { ...opts, reason });
  }
}

const consequence = 'it holds the keys of the auth tokens and ticket params this orchestrator issued';

function malformed(path: string, what: string): OrchestratorSecretsError {
  return new OrchestratorSecretsError(
    'SECRETS_MALFORMED',
    `${path} is not a valid secrets file (${what}); ${consequence}: restore it from a backup, or delete it to draw new secrets (tokens and params issued before stop working; gateways fetch new ones)`,
  );
}

const HEX64 = /^[0-9a-f]{64}$/;

function parse(path: string, text: string): { authToken: Uint8Array; recipientRand: Uint8Array } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw malformed(path, 'not JSON: truncated or edited?');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(path, 'not a JSON object');
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'authToken,recipientRand,version') throw malformed(path, `keys ${keys || '(none)'}, expected version, authToken, recipientRand`);
  if (o.version !== FORMAT_VERSION) throw malformed(path, `version ${JSON.stringify(o.version)}, expected ${FORMAT_VERSION}`);
  const out: Record<'authToken' | 'recipientRand', Uint8Array> = { authToken: new Uint8Array(), recipientRand: new Uint8Array() };
  for (const k of ['authToken', 'recipientRand'] as const) {
    const h = o[k];
    if (typeof h !== 'string' || !HEX64.test(h)) throw malformed(path, `${k} must be ${SECRET_LEN} bytes as 64 lowercase hex digits`);
    out[k] = Uint8Array.from(Buffer.from(h, 'hex'));
  }
  if (Buffer.from(out.authToken).equals(out.recipientRand)) throw malformed(path, 'authToken and recipientRand are the same key');
  return out;
}

/** Owner-only is not checkable on Windows (no POSIX mode bits); elsewhere any group/other bit is refused. */
const checkMode = process.platform !== 'win32';

function readExisting(path: string): { authToken: Uint8Array; recipientRand: Uint8Array } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a path component is a file — missing; creating the data dir then fails with the cause.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new OrchestratorSecretsError('SECRETS_UNREADABLE', `cannot read ${path}: ${(err as Error).message}; ${consequence}: fix its owner or permissions (chmod 600), do not delete it`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new OrchestratorSecretsError('SECRETS_PERMISSIONS', `${path} is not a regular file; ${consequence}: put the secrets file there, or move it away to draw new secrets`);
    if (checkMode && (st.mode & 0o077) !== 0) {
      throw new OrchestratorSecretsError(
        'SECRETS_PERMISSIONS',
        `${path} has mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}: other users may read it; ${consequence}. Run chmod 600 ${path} (and consider the secrets leaked if others did read it: delete it and restart)`,
      );
    }
    if (st.size > MAX_FILE_BYTES) throw malformed(path, `${st.size} bytes, far more than a secrets file`);
    return parse(path, readOpenFile(fd, st.size));
  } finally {
    closeSync(fd);
  }
}

/** The first `size` bytes of an open file as UTF-8 (fewer if it is shorter): `size` is checked by the caller. */
export function readOpenFile(fd: number, size: number): string {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off).toString('utf8');
}

/**
 * Writes `data` as `path` with mode 0600 atomically: a temporary file, fsync, then a hard link to
 * the final name (which, unlike rename, fails when the name exists — so two nodes started on the
 * same data dir at once cannot overwrite each other's secrets), then fsync of the directory.
 * Returns false when `path` appeared meanwhile (the caller loads that one).
 */
export function writeNewFileAtomic(dir: string, path: string, data: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  let open = true;
  let linked = false;
  try {
    const buf = Buffer.from(data, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    open = false;
    try {
      linkSync(tmp, path);
      linked = true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // Filesystems without hard links: rename is still atomic, only not exclusive.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
      renameSync(tmp, path);
      linked = true;
    }
  } finally {
    if (open) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // renamed away
    }
  }
  fsyncDir(dir);
  return linked;
}

export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The data dir's secrets: loaded when the file exists (refused with OrchestratorSecretsError when it
 * is malformed, unreadable or not owner-only), drawn and written when it does not. A data dir this
 * creates gets mode 0700.
 */
export function loadOrCreateSecrets(dataDir: string): OrchestratorSecrets {
  const path = join(dataDir, SECRETS_FILE);
  const existing = readExisting(path);
  if (existing) return { ...existing, path, created: false };
  const authToken = Uint8Array.from(randomBytes(SECRET_LEN));
  const recipientRand = Uint8Array.from(randomBytes(SECRET_LEN));
  const text = `${JSON.stringify({ version: FORMAT_VERSION, authToken: Buffer.from(authToken).toString('hex'), recipientRand: Buffer.from(recipientRand).toString('hex') })}\n`;
  let written: boolean;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    written = writeNewFileAtomic(dataDir, path, text);
  } catch (err) {
    throw new OrchestratorSecretsError('SECRETS_WRITE_FAILED', `cannot write ${path}: ${(err as Error).message} (check that the data dir is writable)`, { cause: err });
  }
  if (written) return { authToken, recipientRand, path, created: true };
  // Another process created it between our read and our link: use theirs.
  const theirs = readExisting(path);
  if (!theirs) throw new OrchestratorSecretsError('SECRETS_WRITE_FAILED', `${path} appeared and vanished while it was being created`);
  return { ...theirs, path, created: false };
}
