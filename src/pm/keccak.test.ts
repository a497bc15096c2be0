import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { keccak256, keccak256Into, keccakBackend } from './keccak.js';

// The module under test picks hash-wasm unless LIVEPEER_TS_KECCAK=js; these tests check the one in use.
const wasm = keccak256;

test('the wasm Keccak-256 (hash-wasm) is available and in use', { skip: process.env.LIVEPEER_TS_KECCAK === 'js' }, () => {
  assert.equal(keccakBackend(), 'wasm');
});

test('known answers: empty string and "foo"', () => {
  assert.equal(Buffer.from(keccak256(new Uint8Array(0))).toString('hex'), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
  assert.equal(Buffer.from(keccak256(Buffer.from('foo'))).toString('hex'), '41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d');
});

test('the backend in use agrees with @noble/hashes on every length 0..700 and on large inputs', () => {
  let seed = createHash('sha256').update('keccak-test').digest();
  const data = Buffer.alloc(300_000);
  for (let off = 0; off < data.length; off += 32) {
    seed = createHash('sha256').update(seed).digest();
    seed.copy(data, off);
  }
  for (let n = 0; n <= 700; n++) {
    const d = data.subarray(n, n + n);
    assert.deepEqual(wasm(d), keccak_256(d), `length ${n}`);
  }
  for (const n of [131_071, 131_072, 200_000, 300_000]) {
    assert.deepEqual(wasm(data.subarray(0, n)), keccak_256(data.subarray(0, n)), `length ${n}`);
  }
});

test('keccak256Into writes at an offset and leaves the rest alone', () => {
  const out = new Uint8Array(40).fill(9);
  keccak256Into(Buffer.from('foo'), out, 4);
  assert.deepEqual(out.subarray(0, 4), new Uint8Array(4).fill(9));
  assert.deepEqual(out.subarray(36), new Uint8Array(4).fill(9));
  assert.equal(Buffer.from(out.subarray(4, 36)).toString('hex'), '41b1a0649752af1b28b3dc29a1556eee781e4a4c3a1f7f53f90fa834de098c4d');
});

test('results are independent copies', () => {
  const a = keccak256(Buffer.from('a'));
  const b = keccak256(Buffer.from('b'));
  assert.notDeepEqual(a, b);
  assert.equal(Buffer.from(a).toString('hex'), Buffer.from(keccak_256(Buffer.from('a'))).toString('hex'));
});
