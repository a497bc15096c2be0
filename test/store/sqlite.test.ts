// The store contract on SQLite files, plus what only SQLite has: the file and its pragmas, two
// processes racing on one file, files that are not a store.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ticketHash } from '../../src/pm/index.js';
import { SQLITE_FILE, SqliteStore, openStore, type Migration } from '../../src/store/index.js';
import { txHash, winningTicket } from '../../src/store/testkit.js';
import { childArgs } from './child.js';
import { rejectsWith, storeContract, type DurableLocation } from './contract.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'livepeer-ts-store-'));
  dirs.push(d);
  return d;
}

function location(dataDir: string): DurableLocation {
  return {
    open: () => openStore({ backend: 'sqlite', dataDir }),
    openWith: ({ migrations }: { migrations: readonly Migration[] }) => openStore({ backend: 'sqlite', dataDir, migrations }),
    async sql(text: string) {
      const db = new Database(join(dataDir, SQLITE_FILE));
      try {
        const st = db.prepare(text);
        return st.reader ? (st.all() as Record<string, unknown>[]) : (st.run(), []);
      } finally {
        db.close();
      }
    },
  };
}

storeContract({ backend: 'sqlite', fresh: async () => location(tempDir()) });

describe('SQLite store', () => {
  it('lives in <dataDir>/livepeer-ts.sqlite, owner-only, in WAL mode with the durability asked for', async () => {
    const dir = join(tempDir(), 'new', 'datadir');
    const full = await openStore({ backend: 'sqlite', dataDir: dir });
    try {
      assert.ok(full instanceof SqliteStore);
      assert.equal(full.describe().location, join(dir, SQLITE_FILE));
      assert.equal(statSync(join(dir, SQLITE_FILE)).mode & 0o777, 0o600);
      assert.deepEqual(full.settings(), { journalMode: 'wal', synchronous: 'FULL' });
    } finally {
      await full.close();
    }
    const normal = await openStore({ backend: 'sqlite', dataDir: dir, durability: 'normal' });
    try {
      assert.deepEqual((normal as SqliteStore).settings(), { journalMode: 'wal', synchronous: 'NORMAL' });
      assert.match(normal.describe().durability, /synchronous=NORMAL.*not a power loss/);
    } finally {
      await normal.close();
    }
    // WAL mode is a property of the file: another connection sees it.
    assert.deepEqual(await location(dir).sql('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
  });

  it('a file that is not a SQLite database, or a data dir that cannot be made, is STORE_UNAVAILABLE', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SQLITE_FILE), 'this is not a database, it is a text file long enough to have a header '.repeat(20));
    await rejectsWith(openStore({ backend: 'sqlite', dataDir: dir }), 'STORE_UNAVAILABLE');
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    await rejectsWith(openStore({ backend: 'sqlite', dataDir: join(file, 'sub') }), 'STORE_UNAVAILABLE');
    await rejectsWith(openStore({ backend: 'sqlite', dataDir: dir, durability: 'sometimes' as never }), 'STORE_CONFIG_INVALID');
  });

  it('tickets handed over just before close are committed, not lost', async () => {
    const dir = tempDir();
    const s = await openStore({ backend: 'sqlite', dataDir: dir });
    const pending = Array.from({ length: 10 }, (_, i) => s.tickets.addWinning(winningTicket(i)));
    await s.close();
    assert.equal((await Promise.all(pending)).filter((r) => r.inserted).length, 10);
    const again = await openStore({ backend: 'sqlite', dataDir: dir });
    try {
      assert.equal((await again.tickets.totals()).pending.count, 10);
    } finally {
      await again.close();
    }
  });

  it('two processes racing markSubmitted on one file: each ticket is submitted by exactly one', async () => {
    // One round is correct or not on its own; it is only a race when both processes won some
    // tickets, which scheduling decides (a starved process may start after the other finished).
    // So rounds repeat, each checked, until one has really raced (bounded).
    const round = async (): Promise<boolean> => {
      const dir = tempDir();
      const N = 300;
      const s = await openStore({ backend: 'sqlite', dataDir: dir });
      try {
        for (let i = 0; i < N; i++) await s.tickets.addWinning(winningTicket(i));
      } finally {
        await s.close();
      }
      const kids = [1, 2].map((id) => {
        const child = spawn(process.execPath, childArgs(['race', dir, String(N), String(id)]), { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
        const exited = once(child, 'exit').finally(() => clearTimeout(killer));
        const ready = new Promise<void>((resolve, reject) => {
          const check = () => (out.includes('ready\n') ? resolve() : undefined);
          child.stdout.on('data', check);
          void exited.then(() => reject(new Error(`race child ${id} exited early: ${err}`)));
        });
        return { child, exited, ready, out: () => out, err: () => err };
      });
      try {
        await Promise.all(kids.map((k) => k.ready));
        // Both are open and waiting: start them together.
        for (const k of kids) k.child.stdin.end('go\n');
        const codes = await Promise.all(kids.map((k) => k.exited));
        assert.deepEqual(codes.map(([c]) => c), [0, 0], kids.map((k) => k.err()).join('\n'));
      } finally {
        for (const k of kids) if (k.child.exitCode === null) k.child.kill('SIGKILL');
      }
      const won = kids.map((k) => JSON.parse(k.out().trim().split('\n').at(-1)!) as { won: number[]; busy: number });
      const all = [...won[0]!.won, ...won[1]!.won].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: N }, (_, i) => i), 'every ticket won once, none twice');
      const check = await openStore({ backend: 'sqlite', dataDir: dir });
      try {
        for (const [k, id] of [[0, 1], [1, 2]] as const) {
          for (const i of won[k]!.won) assert.equal((await check.tickets.get(ticketHash(winningTicket(i).ticket)))?.txHash, txHash(id * 100_000 + i));
        }
        assert.equal((await check.tickets.totals()).submitted.count, N);
      } finally {
        await check.close();
      }
      return won[0]!.won.length > 0 && won[1]!.won.length > 0;
    };
    let raced = 0;
    for (let r = 0; r < 6 && raced === 0; r++) if (await round()) raced++;
    assert.equal(raced, 1, 'in 6 rounds the two processes never both won tickets: they never raced');
  });
});
