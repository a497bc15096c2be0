// The signer high-water-mark store on every backend: create is insert-if-absent, advance is a
// compare-and-set on the sequence number (two handles racing: exactly one wins), prune by age.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type SignerStateRecord, type Store } from './index.js';
import { startTestPostgres, type TestPostgres } from './testkit.js';

const rec = (id: string, seq: bigint, at = 1_000): SignerStateRecord => ({ stateId: id, sequence: seq, state: `{"StateID":"${id}","SequenceNumber":${seq}}`, spent: `${seq * 7n}/3`, updatedAt: at });

function suite(name: string, open: () => Promise<[Store, Store]>) {
  describe(`signer states on ${name}`, () => {
    it('create once, advance by compare-and-set, read back exactly', async () => {
      const [a, b] = await open();
      try {
        const s = a.signerStates!;
        assert.equal(await s.create(rec('s1', 0n)), true);
        assert.equal(await s.create(rec('s1', 5n)), false, 'a second create of one StateID writes nothing');
        assert.deepEqual(await s.get('s1'), rec('s1', 0n));
        assert.deepEqual(await s.advance('s1', 0n, rec('s1', 1n, 2_000)), { ok: true });
        const stale = await b.signerStates!.advance('s1', 0n, rec('s1', 1n, 3_000));
        assert.deepEqual(stale, { ok: false, current: rec('s1', 1n, 2_000) }, 'the other handle sees the row the first wrote');
        assert.deepEqual(await s.advance('missing', 0n, rec('missing', 1n)), { ok: false, current: undefined });
        const big = (1n << 62n) + 3n;
        assert.deepEqual(await s.advance('s1', 1n, rec('s1', big, 2_500)), { ok: true });
        assert.equal((await b.signerStates!.get('s1'))!.sequence, big);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('two handles racing one compare-and-set: exactly one wins', async () => {
      const [a, b] = await open();
      try {
        await a.signerStates!.create(rec('race', 0n));
        for (let i = 0n; i < 20n; i++) {
          const [x, y] = await Promise.all([a.signerStates!.advance('race', i, rec('race', i + 1n, 10)), b.signerStates!.advance('race', i, rec('race', i + 1n, 11))]);
          assert.equal([x, y].filter((r) => r.ok).length, 1, `round ${i}: one winner`);
          const loser = x.ok ? y : x;
          assert.ok(!loser.ok && loser.current?.sequence === i + 1n, 'the loser is told the winner’s sequence');
        }
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('writes issued together (one group commit on SQLite) each get their own answer; a bad one rejects alone', async () => {
      const [a, b] = await open();
      try {
        const s = a.signerStates!;
        await Promise.all([s.create(rec('g1', 0n)), s.create(rec('g2', 0n)), s.create(rec('g3', 0n))]);
        // All issued in one turn of the event loop.
        const [adv1, stale2, dup3, bad, adv3, fresh] = await Promise.allSettled([
          s.advance('g1', 0n, rec('g1', 1n, 2_000)),
          s.advance('g2', 4n, rec('g2', 5n, 2_000)),
          s.create(rec('g3', 9n)),
          s.advance('g2', 0n, { ...rec('g2', 1n), spent: 'not a rat' }),
          s.advance('g3', 0n, rec('g3', 1n, 2_000)),
          s.create(rec('g4', 0n, 2_000)),
        ]);
        assert.deepEqual(adv1, { status: 'fulfilled', value: { ok: true } });
        assert.equal(stale2.status === 'fulfilled' && !stale2.value.ok && stale2.value.current?.sequence, 0n, 'the stale compare-and-set is told the sequence as it is');
        assert.deepEqual(dup3, { status: 'fulfilled', value: false });
        assert.equal(bad.status === 'rejected' && (bad.reason as { code?: string }).code, 'STORE_INVALID_INPUT');
        assert.deepEqual(adv3, { status: 'fulfilled', value: { ok: true } });
        assert.deepEqual(fresh, { status: 'fulfilled', value: true });
        // Committed: the other handle reads them.
        assert.deepEqual([(await b.signerStates!.get('g1'))?.sequence, (await b.signerStates!.get('g2'))?.sequence, (await b.signerStates!.get('g3'))?.sequence, (await b.signerStates!.get('g4'))?.sequence], [1n, 0n, 1n, 0n]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('prune deletes only records older than the cut', async () => {
      const [a, b] = await open();
      try {
        await a.signerStates!.create(rec('old', 0n, 100));
        await a.signerStates!.create(rec('new', 0n, 5_000));
        assert.equal(await a.signerStates!.prune(1_000), 1);
        assert.equal(await b.signerStates!.get('old'), undefined);
        assert.ok(await b.signerStates!.get('new'));
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}

suite('memory', async () => {
  const m = await openStore({ backend: 'memory' });
  // One memory store seen through two handles (there is no second process to share it with).
  return [m, Object.assign(Object.create(m) as Store, { close: async () => undefined })] as [Store, Store];
});

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
suite('sqlite (two handles on one file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpts-signer-states-'));
  dirs.push(dir);
  return [await openStore({ backend: 'sqlite', dataDir: dir }), await openStore({ backend: 'sqlite', dataDir: dir })];
});

let pg: TestPostgres | undefined;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
});
suite('postgres (two pools on one database)', async () => {
  const url = await pg!.createDatabase();
  return [await openStore({ backend: 'postgres', connectionString: url }), await openStore({ backend: 'postgres', connectionString: url })];
});
