// The block follower's L1 block number. Arbitrum reports the L1 block in each block header
// (`l1BlockNumber`, what ticket expiry counts in); anvil cannot produce such headers, so this test
// alone uses a stand-in client that serves Arbitrum-shaped blocks (the devnet behaviour, block
// number = L1 block, is covered on a real anvil in test/eth-watchers.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublicClient } from 'viem';
import { BlockFollower, l1BlockOf } from './follower.js';

const hash = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}` as const;

/** Blocks 0…head with L1 numbers 1000 + ⌊n / 4⌋, as an Arbitrum RPC returns them (hex strings). */
function arbitrumLike() {
  const c = { head: 100n, maxLogRange: 1_000_000n };
  const block = (n: bigint) => ({ number: n, hash: hash(n), l1BlockNumber: `0x${(1000n + n / 4n).toString(16)}` });
  const client = {
    getBlock: ({ blockTag, blockNumber }: { blockTag?: string; blockNumber?: bigint }) => Promise.resolve(block(blockTag === 'latest' ? c.head : blockNumber!)),
    getLogs: ({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) =>
      toBlock - fromBlock + 1n > c.maxLogRange ? Promise.reject(new Error('query exceeds max block range')) : Promise.resolve([]),
  };
  return { c, client: client as unknown as PublicClient };
}

describe('block follower: L1 block numbers', () => {
  it('l1BlockOf takes l1BlockNumber when the chain reports one, else the block number', () => {
    assert.equal(l1BlockOf({ number: 7n, hash: null, l1BlockNumber: '0x1f' }), 31n);
    assert.equal(l1BlockOf({ number: 7n, hash: null, l1BlockNumber: 40n }), 40n);
    assert.equal(l1BlockOf({ number: 7n, hash: null }), 7n);
    assert.equal(l1BlockOf({ number: 7n, hash: null, l1BlockNumber: 'garbage' }), 7n);
  });

  it('reports the L1 block as seen in the header while its checkpoint counts the chain\'s own blocks', async () => {
    const { c, client } = arbitrumLike();
    const f = new BlockFollower({ publicClient: client });
    const l1s: bigint[] = [];
    f.onBlock((l1) => l1s.push(l1));
    await f.init();
    assert.equal(f.lastSeenL1Block(), 1025n);
    c.head = 109n;
    await f.sync();
    assert.equal(f.lastSeenL1Block(), 1027n);
    assert.equal(f.status().processed, 109n);
    c.head = 110n; // same L1 block: no new block event
    await f.sync();
    c.head = 112n;
    await f.sync();
    assert.deepEqual(l1s, [1027n, 1028n]);
    f.stop();
  });

  it('asks for fewer blocks per eth_getLogs when the provider refuses a range, then catches up', async () => {
    const { c, client } = arbitrumLike();
    const errors: Error[] = [];
    const f = new BlockFollower({ publicClient: client, maxBlockRange: 1000, onError: (e) => errors.push(e) });
    f.subscribe({ addresses: ['0x0000000000000000000000000000000000000001'], onLogs: () => undefined });
    await f.init();
    c.maxLogRange = 100n; // e.g. a provider's cap
    c.head = 100n + 5000n;
    for (let i = 0; i < 10 && f.status().processed < c.head; i++) await f.refresh();
    assert.equal(f.status().processed, c.head);
    assert.ok(errors.length >= 4, 'halved from 1000 to under 100');
    f.stop();
  });
});
