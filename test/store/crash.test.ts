// kill -9 while committing: a child process commits winning tickets in a loop (8 in flight) and
// prints each hash once addWinning resolved; it is SIGKILLed at a random point, three times on
// the same data dir; on reopening, every acknowledged hash is there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Hex32 } from '../../src/pm/index.js';
import { SQLITE_FILE, openStore, type StoreDurability } from '../../src/store/index.js';
import { childArgs } from './child.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the committing child until it has acknowledged `killAfter` tickets, then SIGKILLs it. */
async function commitAndKill(dataDir: string, durability: StoreDurability, from: number, killAfter: number): Promise<Hex32[]> {
  const child = spawn(process.execPath, childArgs(['commit', dataDir, durability, String(from)]), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = once(child, 'exit');
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const acks = out.split('\n').filter((l) => l.startsWith('0x')).length;
        if (acks >= killAfter && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      void exited.then(() => reject(new Error(`the child exited before it was killed: ${err}`)));
    });
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  // Only complete lines are acknowledgements; a torn last line is not.
  const lines = out.split('\n');
  lines.pop();
  return lines.filter((l) => /^0x[0-9a-f]{64}$/.test(l)) as Hex32[];
}

for (const durability of ['full', 'normal'] as const) {
  it(`SIGKILL mid-commit (durability ${durability}): every acknowledged winning ticket is in the store after a restart`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'livepeer-ts-crash-'));
    dirs.push(dataDir);
    const acked: Hex32[] = [];
    for (let round = 0; round < 3; round++) {
      const killAfter = 20 + Math.floor(Math.random() * 300);
      const got = await commitAndKill(dataDir, durability, round * 1_000_000, killAfter);
      assert.ok(got.length >= killAfter, `round ${round}: ${got.length} acknowledged`);
      acked.push(...got);
    }
    assert.equal(new Set(acked).size, acked.length);
    const store = await openStore({ backend: 'sqlite', dataDir });
    try {
      const missing: Hex32[] = [];
      for (const h of acked) if ((await store.tickets.get(h))?.state !== 'pending') missing.push(h);
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged tickets lost`);
      assert.ok((await store.tickets.totals()).pending.count >= acked.length);
    } finally {
      await store.close();
    }
    const db = new Database(join(dataDir, SQLITE_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });
}
