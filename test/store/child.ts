// A store user in its own process, for the tests that need a second process on one SQLite file:
//   commit <dataDir> <durability> <from>: commits winning tickets from index <from> on, 8 at a
//     time, and prints each ticket's hash once its addWinning resolved (the acknowledgement),
//     until it is killed (bounded: 200 000 tickets at most);
//   race <dataDir> <n> <id>: prints "ready", waits for a line on stdin, then tries markSubmitted
//     on tickets 0..n-1 one by one (tx hash id·100000+i) — id 1 upwards, id 2 downwards, so the
//     two meet and fight over the same tickets wherever they cross — and prints the indices it
//     won as JSON.
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ticketHash } from '../../src/pm/index.js';
import { openStore, type StoreDurability } from '../../src/store/index.js';
import { txHash, winningTicket } from '../../src/store/testkit.js';

export const CHILD = fileURLToPath(import.meta.url);

/** node arguments to run this file with `args`. */
export function childArgs(args: string[]): string[] {
  return ['--import', 'tsx', CHILD, ...args];
}

async function commit(dataDir: string, durability: StoreDurability, from: number): Promise<void> {
  const store = await openStore({ backend: 'sqlite', dataDir, durability });
  process.stdout.write('ready\n');
  let next = from;
  const end = from + 200_000;
  const lane = async () => {
    while (next < end) {
      const r = await store.tickets.addWinning(winningTicket(next++));
      // stdout to a pipe is synchronous on Linux: the line is out before the next commit starts.
      process.stdout.write(`${r.ticketHash}\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  await store.close();
}

async function race(dataDir: string, n: number, id: number): Promise<void> {
  const store = await openStore({ backend: 'sqlite', dataDir, busyTimeoutMs: 30_000 });
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
  const won: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = id === 1 ? k : n - 1 - k;
    const h = ticketHash(winningTicket(i).ticket);
    const r = await store.tickets.markSubmitted([h], { txHash: txHash(id * 100_000 + i), nonce: i });
    if (r.skipped.length === 0) won.push(i);
  }
  await store.close();
  process.stdout.write(`${JSON.stringify({ won })}\n`);
}

if (process.argv[1] === CHILD) {
  const [mode, dataDir, a, b] = process.argv.slice(2);
  const run = mode === 'commit' ? commit(dataDir!, a as StoreDurability, Number(b)) : mode === 'race' ? race(dataDir!, Number(a), Number(b)) : Promise.reject(new Error(`unknown mode ${mode}`));
  run.catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
