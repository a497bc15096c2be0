// The saved nonce memory file: round trip, claimed once (gone after it is taken), expiry and size
// bounds, malformed files never resume anything, no clobbering.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { RecipientState } from '../../pm/index.js';
import { MAX_RESUMED_BOOTS, MAX_SAVED_NONCES, NONCE_STATE_FILE, saveNonceState, takeNonceState } from './nonce-state.js';

const root = mkdtempSync(join(tmpdir(), 'nonce-state-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `d${n++}`);

const KEY_A = `0x${'a1'.repeat(32)}`;
const KEY_B = `0x${'b2'.repeat(32)}`;
const state = (over: Partial<RecipientState> = {}): RecipientState => ({
  latestBlock: 100n,
  paramsExpireBy: 140n,
  nonces: [
    { key: KEY_A, expirationBlock: 130n, nonces: [1n, 2n, 4294967295n] },
    { key: KEY_B, expirationBlock: 110n, nonces: [7n] },
  ],
  ...over,
});

it('nothing saved: no resumed boots, a fresh nonzero boot id each time', () => {
  const d = fresh();
  const a = takeNonceState(d, 0n);
  const b = takeNonceState(d, 0n);
  assert.equal(a.found, 'none');
  assert.deepEqual(a.resumed, []);
  assert.deepEqual(a.nonces, []);
  assert.ok(a.boot > 0n && a.boot < 1n << 64n);
  assert.notEqual(a.boot, b.boot);
});

it('round trip: saved at close, taken once at start (the file is gone), owner-only', () => {
  const d = fresh();
  const older = { id: 5n, paramsExpireBy: 120n };
  assert.equal(saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [older], state()), 'saved');
  const path = join(d, NONCE_STATE_FILE);
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  const t = takeNonceState(d, 105n);
  assert.equal(t.found, 'restored');
  assert.deepEqual(t.resumed, [{ id: 9n, paramsExpireBy: 140n }, older]);
  assert.deepEqual(t.nonces, state().nonces);
  assert.ok(![9n, 5n].includes(t.boot));
  assert.equal(existsSync(path), false);
  // Taken once: a run that then crashes leaves nothing for the next.
  assert.equal(takeNonceState(d, 105n).found, 'none');
});

it('expired boots and entries are dropped when taken; with no boot left, no nonces', () => {
  const d = fresh();
  saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [{ id: 5n, paramsExpireBy: 120n }], state());
  const t = takeNonceState(d, 120n);
  assert.deepEqual(t.resumed.map((b) => b.id), [9n]);
  assert.deepEqual(t.nonces.map((e) => e.key), [KEY_A]);
  saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [], state());
  const late = takeNonceState(d, 140n);
  assert.deepEqual(late.resumed, []);
  assert.deepEqual(late.nonces, []);
  // Boots already expired at close are not even written.
  saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [{ id: 5n, paramsExpireBy: 100n }], state());
  assert.deepEqual(JSON.parse(readFileSync(join(d, NONCE_STATE_FILE), 'utf8')).boots, [{ id: '9', paramsExpireBy: '140' }]);
});

it(`at most ${MAX_RESUMED_BOOTS} boots resume (the latest-expiring), and the new id is none of them`, () => {
  const d = fresh();
  const chainOf = Array.from({ length: 20 }, (_, i) => ({ id: BigInt(i + 1), paramsExpireBy: 200n + BigInt(i) }));
  saveNonceState(d, { id: 99n, paramsExpireBy: 300n }, chainOf, state());
  const t = takeNonceState(d, 100n);
  assert.equal(t.resumed.length, MAX_RESUMED_BOOTS);
  assert.deepEqual(t.resumed[0], { id: 99n, paramsExpireBy: 300n });
  assert.equal(t.resumed.some((b) => b.id <= 5n), false);
});

it('too many nonces: not saved (that run\'s params are refused after the restart)', () => {
  const d = fresh();
  const big = Array.from({ length: MAX_SAVED_NONCES + 1 }, (_, i) => BigInt(i));
  assert.equal(saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [], state({ nonces: [{ key: KEY_A, expirationBlock: 130n, nonces: big }] })), 'too-large');
  assert.equal(existsSync(join(d, NONCE_STATE_FILE)), false);
});

it('an existing file (another node on this data dir) is not overwritten', () => {
  const d = fresh();
  assert.equal(saveNonceState(d, { id: 9n, paramsExpireBy: 140n }, [], state()), 'saved');
  assert.equal(saveNonceState(d, { id: 10n, paramsExpireBy: 140n }, [], state({ nonces: [] })), 'exists');
  assert.deepEqual(takeNonceState(d, 100n).resumed.map((b) => b.id), [9n]);
});

it('a malformed file resumes nothing and is removed', () => {
  const bad = [
    'not json',
    '{"version":2,"boots":[],"nonces":[]}',
    '{"version":1,"boots":[{"id":"0","paramsExpireBy":"140"}],"nonces":[]}',
    '{"version":1,"boots":[{"id":"9","paramsExpireBy":"140"}],"nonces":[{"key":"0x12","expirationBlock":"130","nonces":["1"]}]}',
    `{"version":1,"boots":[{"id":"9","paramsExpireBy":"140"}],"nonces":[{"key":"${KEY_A}","expirationBlock":"130","nonces":[1]}]}`,
  ];
  for (const text of bad) {
    const d = fresh();
    saveNonceState(d, { id: 1n, paramsExpireBy: 140n }, [], state({ nonces: [] }));
    writeFileSync(join(d, NONCE_STATE_FILE), text);
    const t = takeNonceState(d, 100n);
    assert.equal(t.found, 'malformed', text);
    assert.deepEqual(t.resumed, [], text);
    assert.equal(existsSync(join(d, NONCE_STATE_FILE)), false);
  }
});
