import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { getAddress } from 'viem';
import { checksumAddress, toChecksumAddress } from './bytes.js';

test('checksumAddress is EIP-55 (as viem computes it), the same when asked again, and past its cache bound', () => {
  // The EIP-55 spec's own examples.
  for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359', '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
    assert.equal(toChecksumAddress(a.toLowerCase()), a);
  }
  const addrs = Array.from({ length: 5000 }, () => randomBytes(20));
  for (const round of [1, 2]) {
    for (const b of addrs) assert.equal(checksumAddress(b), getAddress(`0x${b.toString('hex')}`), `round ${round}`);
  }
  // A view into a larger buffer reads only its 20 bytes.
  const big = Buffer.concat([Buffer.alloc(7, 0xff), addrs[0]!, Buffer.alloc(5, 0xee)]);
  assert.equal(checksumAddress(big.subarray(7, 27)), getAddress(`0x${addrs[0]!.toString('hex')}`));
});
