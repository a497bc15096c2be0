import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PmError, cryptoBackend, getCryptoBackend, jsBackend, keccak256, nativeCryptoAvailable, setCryptoBackend } from './index.js';

const before = cryptoBackend();
after(() => setCryptoBackend(before));

test('setCryptoBackend switches and reports; auto prefers native', () => {
  assert.equal(setCryptoBackend('js'), 'js');
  assert.equal(cryptoBackend(), 'js');
  assert.equal(getCryptoBackend(), jsBackend);
  assert.equal(setCryptoBackend('auto'), nativeCryptoAvailable() ? 'native' : 'js');
  assert.throws(() => setCryptoBackend('fast' as 'js'), (e: unknown) => e instanceof PmError && e.code === 'CRYPTO_BACKEND_UNAVAILABLE');
});

test('both backends sign identically (RFC 6979, low s) and recover each other', () => {
  if (!nativeCryptoAvailable()) return;
  const key = keccak256(Buffer.from('crypto-test-key'));
  for (let i = 0; i < 50; i++) {
    const digest = keccak256(Buffer.from(`msg-${i}`));
    setCryptoBackend('native');
    const n = getCryptoBackend().sign(digest, key);
    const nPub = Uint8Array.from(getCryptoBackend().recover(digest, n.sig64, n.recid)!);
    setCryptoBackend('js');
    const j = getCryptoBackend().sign(digest, key);
    assert.deepEqual(Uint8Array.from(j.sig64), Uint8Array.from(n.sig64));
    assert.equal(j.recid, n.recid);
    assert.deepEqual(getCryptoBackend().recover(digest, n.sig64, n.recid), nPub);
    assert.ok(n.sig64[32]! < 0x80, 'low s');
  }
});

test('recovery failures return null on both backends (r = 0)', () => {
  const digest = keccak256(Buffer.from('x'));
  const zero = new Uint8Array(64);
  for (const b of nativeCryptoAvailable() ? (['native', 'js'] as const) : (['js'] as const)) {
    setCryptoBackend(b);
    assert.equal(getCryptoBackend().recover(digest, zero, 0), null);
  }
});

test('LIVEPEER_TS_CRYPTO selects the backend at startup', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const script = "const m = await import('./src/pm/index.ts'); console.log(m.cryptoBackend());";
  for (const want of ['js', 'native']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      env: { ...process.env, LIVEPEER_TS_CRYPTO: want },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), want);
  }
});
