// The store contract in memory (what tests and -dataDir none use), its eviction rule, and the
// factory and flag choices shared by every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Hex32 } from '../../src/pm/index.js';
import { MemoryStore, openStore, storeOptionsFromFlags } from '../../src/store/index.js';
import { txHash, winningTicket } from '../../src/store/testkit.js';
import { rejectsWith, storeContract } from './contract.js';

storeContract({
  backend: 'memory',
  fresh: async () => {
    const s = new MemoryStore();
    return { open: async () => s };
  },
});

describe('memory store', () => {
  it('forgets the oldest finished tickets past its bound, never an open one', async () => {
    const s = new MemoryStore({ maxFinished: 3 });
    const hs: Hex32[] = [];
    for (let i = 0; i < 8; i++) hs.push((await s.tickets.addWinning(winningTicket(i))).ticketHash);
    for (const i of [0, 1, 2, 3, 4]) await s.tickets.markRedeemed(hs[i]!, { txHash: txHash(i) });
    await s.tickets.markSubmitted([hs[5]!], { txHash: txHash(5), nonce: 5 });
    const t = await s.tickets.totals();
    assert.deepEqual([t.redeemed.count, t.submitted.count, t.pending.count], [3, 1, 2]);
    assert.equal(await s.tickets.get(hs[0]!), undefined);
    assert.equal(await s.tickets.get(hs[1]!), undefined);
    assert.equal((await s.tickets.get(hs[2]!))?.state, 'redeemed');
  });
});

describe('openStore and the store flags', () => {
  it('the flags choose postgres for -storeUrl, memory for -dataDir none, else SQLite in -dataDir', () => {
    assert.deepEqual(storeOptionsFromFlags({ dataDir: '/d' }), { backend: 'sqlite', dataDir: '/d', durability: 'full' });
    assert.deepEqual(storeOptionsFromFlags({ dataDir: '/d', storeDurability: 'normal' }), { backend: 'sqlite', dataDir: '/d', durability: 'normal' });
    assert.deepEqual(storeOptionsFromFlags({ dataDir: 'none' }), { backend: 'memory' });
    assert.deepEqual(storeOptionsFromFlags({ dataDir: '/d', storeUrl: 'postgres://u:p@h/db' }), { backend: 'postgres', connectionString: 'postgres://u:p@h/db', durability: 'full' });
    for (const bad of [{ dataDir: '/d', storeDurability: 'fast' }, { dataDir: '/d', storeUrl: 'mysql://h/db' }, {}]) {
      assert.throws(() => storeOptionsFromFlags(bad), (err: unknown) => (err as { code?: string }).code === 'STORE_CONFIG_INVALID');
    }
  });

  it('openStore refuses unknown backends and missing locations with STORE_CONFIG_INVALID', async () => {
    await rejectsWith(openStore({ backend: 'mongo' } as never), 'STORE_CONFIG_INVALID');
    await rejectsWith(openStore({ backend: 'sqlite', dataDir: '' }), 'STORE_CONFIG_INVALID');
    await rejectsWith(openStore({ backend: 'postgres', connectionString: 'localhost:5432' }), 'STORE_CONFIG_INVALID');
    const m = await openStore({ backend: 'memory' });
    assert.equal(m.describe().backend, 'memory');
    await m.close();
  });
});
