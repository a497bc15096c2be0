import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OrchestratorConfigError } from './errors.js';
import { OrchestratorSecretsError, SECRETS_FILE, loadOrCreateSecrets, writeNewFileAtomic, type SecretsErrorReason } from './secrets.js';

const root = mkdtempSync(join(tmpdir(), 'orch-secrets-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);
const posix = process.platform !== 'win32';

const refused = (reason: SecretsErrorReason, text: RegExp) => (e: unknown) =>
  e instanceof OrchestratorSecretsError && e instanceof OrchestratorConfigError && e.code === 'BAD_CONFIG' && e.reason === reason && text.test(e.message);

describe('loadOrCreateSecrets', () => {
  it('creates the data dir (0700) and an owner-only file (0600) with two distinct 32-byte secrets', { skip: !posix }, () => {
    const dir = join(freshDir(), 'nested');
    const s = loadOrCreateSecrets(dir);
    assert.equal(s.created, true);
    assert.equal(s.path, join(dir, SECRETS_FILE));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(s.path).mode & 0o777, 0o600);
    assert.equal(s.authToken.length, 32);
    assert.equal(s.recipientRand.length, 32);
    assert.notDeepEqual(s.authToken, s.recipientRand);
    // What is on disk is what was returned (not re-derived by the loader under test).
    const onDisk = JSON.parse(readFileSync(s.path, 'utf8'));
    assert.equal(onDisk.authToken, Buffer.from(s.authToken).toString('hex'));
    assert.equal(onDisk.recipientRand, Buffer.from(s.recipientRand).toString('hex'));
    // No temporary file left behind.
    assert.deepEqual(readdirSync(dir), [SECRETS_FILE]);
  });

  it('ignores a temporary file left by a crash mid-write', () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, `${SECRETS_FILE}.999.deadbeef.tmp`), '{"version":1,"authT', { mode: 0o600 });
    const s = loadOrCreateSecrets(dir);
    assert.equal(s.created, true);
    assert.deepEqual(loadOrCreateSecrets(dir).authToken, s.authToken);
  });

  it('leaves the mode of an existing data dir alone', { skip: !posix }, () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    loadOrCreateSecrets(dir);
    assert.equal(statSync(dir).mode & 0o777, 0o755);
  });

  it('returns the same secrets on every later load, and different ones for another data dir', () => {
    const dir = freshDir();
    const a = loadOrCreateSecrets(dir);
    const b = loadOrCreateSecrets(dir);
    const c = loadOrCreateSecrets(dir);
    assert.equal(b.created, false);
    assert.deepEqual(b.authToken, a.authToken);
    assert.deepEqual(b.recipientRand, a.recipientRand);
    assert.deepEqual(c.recipientRand, a.recipientRand);
    const other = loadOrCreateSecrets(freshDir());
    assert.notDeepEqual(other.authToken, a.authToken);
    assert.notDeepEqual(other.recipientRand, a.recipientRand);
  });

  it('loads a file written by hand in the documented format', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const auth = 'ab'.repeat(32);
    const rand = '0c'.repeat(32);
    writeFileSync(join(dir, SECRETS_FILE), JSON.stringify({ version: 1, recipientRand: rand, authToken: auth }), { mode: 0o600 });
    const s = loadOrCreateSecrets(dir);
    assert.equal(s.created, false);
    assert.deepEqual(s.authToken, new Uint8Array(32).fill(0xab));
    assert.deepEqual(s.recipientRand, new Uint8Array(32).fill(0x0c));
  });

  it('refuses a file others may read, and does not replace it', { skip: !posix }, () => {
    const dir = freshDir();
    const s = loadOrCreateSecrets(dir);
    const before = readFileSync(s.path);
    for (const mode of [0o640, 0o604, 0o660, 0o644]) {
      chmodSync(s.path, mode);
      assert.throws(() => loadOrCreateSecrets(dir), refused('SECRETS_PERMISSIONS', new RegExp(`mode ${mode.toString(8)}.*chmod 600`)));
    }
    assert.deepEqual(readFileSync(s.path), before);
    chmodSync(s.path, 0o600);
    assert.deepEqual(loadOrCreateSecrets(dir).authToken, s.authToken);
  });

  it('refuses a truncated, edited or wrong-size file, and does not replace it', () => {
    const dir = freshDir();
    const s = loadOrCreateSecrets(dir);
    const good = JSON.parse(readFileSync(s.path, 'utf8')) as Record<string, unknown>;
    const cases: [string, string | Buffer][] = [
      ['empty', ''],
      ['truncated', readFileSync(s.path, 'utf8').slice(0, 60)],
      ['not an object', '[1,2]'],
      ['short secret', JSON.stringify({ ...good, authToken: 'ab'.repeat(31) })],
      ['long secret', JSON.stringify({ ...good, recipientRand: 'ab'.repeat(33) })],
      ['uppercase hex', JSON.stringify({ ...good, authToken: 'AB'.repeat(32) })],
      ['not hex', JSON.stringify({ ...good, authToken: 'zz'.repeat(32) })],
      ['missing key', JSON.stringify({ version: 1, authToken: good.authToken })],
      ['extra key', JSON.stringify({ ...good, more: 1 })],
      ['other version', JSON.stringify({ ...good, version: 2 })],
      ['same key twice', JSON.stringify({ ...good, recipientRand: good.authToken })],
      ['huge', Buffer.alloc(10_000, 0x20)],
    ];
    for (const [name, body] of cases) {
      writeFileSync(s.path, body, { mode: 0o600 });
      assert.throws(() => loadOrCreateSecrets(dir), refused('SECRETS_MALFORMED', /not a valid secrets file.*restore it from a backup, or delete it/), name);
      assert.deepEqual(readFileSync(s.path), Buffer.from(body), `${name}: the file is left as it was`);
    }
    truncateSync(s.path, 0);
    assert.throws(() => loadOrCreateSecrets(dir), refused('SECRETS_MALFORMED', /not JSON/));
  });

  it('refuses a directory in place of the file', () => {
    const dir = freshDir();
    mkdirSync(join(dir, SECRETS_FILE), { recursive: true });
    assert.throws(() => loadOrCreateSecrets(dir), (e) => e instanceof OrchestratorSecretsError && (e.reason === 'SECRETS_PERMISSIONS' || e.reason === 'SECRETS_UNREADABLE'));
  });

  it('refuses an unreadable file as SECRETS_UNREADABLE (not as missing)', { skip: !posix || process.getuid?.() === 0 }, () => {
    const dir = freshDir();
    const s = loadOrCreateSecrets(dir);
    chmodSync(s.path, 0o000);
    assert.throws(() => loadOrCreateSecrets(dir), refused('SECRETS_UNREADABLE', /cannot read.*do not delete it/));
    chmodSync(s.path, 0o600);
  });

  it('answers SECRETS_WRITE_FAILED when the data dir cannot be created', () => {
    const file = join(freshDir());
    writeFileSync(file, 'a file, not a directory');
    assert.throws(() => loadOrCreateSecrets(join(file, 'sub')), refused('SECRETS_WRITE_FAILED', /cannot write.*writable/));
  });
});

describe('writeNewFileAtomic', () => {
  it('never overwrites an existing file and leaves no temporary file', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const p = join(dir, 'f');
    assert.equal(writeNewFileAtomic(dir, p, 'first'), true);
    assert.equal(writeNewFileAtomic(dir, p, 'second'), false);
    assert.equal(readFileSync(p, 'utf8'), 'first');
    assert.deepEqual(readdirSync(dir), ['f']);
    if (posix) assert.equal(statSync(p).mode & 0o777, 0o600);
  });

  it('a secrets file that appears between the read and the write wins (two nodes starting at once)', () => {
    const dir = freshDir();
    const first = loadOrCreateSecrets(dir);
    // A second creator: its link fails with EEXIST, so it must not clobber the first file.
    const fake = JSON.stringify({ version: 1, authToken: '11'.repeat(32), recipientRand: '22'.repeat(32) });
    assert.equal(writeNewFileAtomic(dir, first.path, fake), false);
    assert.deepEqual(loadOrCreateSecrets(dir).authToken, first.authToken);
  });
});
