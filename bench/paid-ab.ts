// A/B of the paid path's server CPU in ONE run, for comparing two checkouts under the same load
// (separate bench:paid runs on a shared 2-core machine differ by up to 2× in CPU per job):
//   PAID_AB_A=<checkout A>/bench/lib/node-child.ts PAID_AB_B=<checkout B>/bench/lib/node-child.ts \
//     node --import tsx bench/paid-ab.ts
// Two (gateway, orchestrator) pairs, each forked from its checkout's node-child.ts (so each runs
// that checkout's code), both in front of the same CPU reference runner on one devnet; after a
// warm-up of each pair, paid batches alternate A B B A … at PAID_AB_CONCURRENCY (default 16),
// PAID_AB_BATCH jobs each (default 1000) for PAID_AB_ROUNDS rounds (default 8). Prints the
// gateway's and the orchestrator's CPU per job for each pair; run it again with A and B swapped,
// since the pair started second tends to measure a few % cheaper.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startDevnet } from '../src/eth/index.js';
import { spawnNode, type BenchNode } from './lib/nodes.js';

const A = process.env.PAID_AB_A;
const B = process.env.PAID_AB_B;
const C = Math.max(1, Number(process.env.PAID_AB_CONCURRENCY ?? 16) || 16);
const BATCH = Math.max(C, Number(process.env.PAID_AB_BATCH ?? 1000) || 1000);
const ROUNDS = Math.max(2, Number(process.env.PAID_AB_ROUNDS ?? 8) || 8);
const WARMUP = 6000;
const EV = 8_000_000_000n;
const PRICE = EV / 4n;

async function pool(n: number, concurrency: number, fn: () => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
}

function llmJob(url: string): () => Promise<void> {
  const body = JSON.stringify({ model: 'ab-llm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
  return async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('"choices"')) throw new Error(`job to ${url} failed: ${res.status} ${text.slice(0, 300)}`);
  };
}

async function main(): Promise<void> {
  if (!A || !B) throw new Error('set PAID_AB_A and PAID_AB_B to the bench/lib/node-child.ts of the two checkouts');
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-paid-ab-'));
  const dev = await startDevnet({ orchestrators: 2, gateways: 2, roundLength: 400n, serviceURI: false });
  const nodes: BenchNode[] = [];
  try {
    const runner = await spawnNode('runner', { pipeline: 'llm', modelId: 'ab-llm' }, { logFile: join(dir, 'runner.log') });
    nodes.push(runner);
    const orchKeys = dev.accounts.filter((a) => a.role === 'orchestrator').map((a) => a.privateKey);
    const gwKeys = dev.accounts.filter((a) => a.role === 'gateway').map((a) => a.privateKey);
    const models = [{ pipeline: 'llm', model_id: 'ab-llm', url: runner.url, price_per_unit: Number(PRICE), pixels_per_unit: 1, warm: true, capacity: 128 }];
    const pairs: { name: string; gw: BenchNode; orch: BenchNode }[] = [];
    for (const [i, child] of [A, B].entries()) {
      const name = i === 0 ? 'A' : 'B';
      const orch = await spawnNode(
        'orchestrator',
        { serviceAddr: '127.0.0.1:0', network: 'devnet', ethUrl: dev.rpcUrl, ethController: dev.controller, dataDir: join(dir, `orch-${name}`), aiModels: JSON.stringify(models), ethPrivateKey: orchKeys[i], ticketEV: EV.toString(), maxSessions: 256, logLevel: 'info' },
        { logFile: join(dir, `orch-${name}.log`), child },
      );
      nodes.push(orch);
      const gw = await spawnNode(
        'gateway',
        { httpAddr: '127.0.0.1:0', orchAddr: orch.url, ethUrl: dev.rpcUrl, ethController: dev.controller, ethPrivateKey: gwKeys[i], dataDir: join(dir, `gw-${name}`), logLevel: 'info' },
        { logFile: join(dir, `gw-${name}.log`), child },
      );
      nodes.push(gw);
      pairs.push({ name, gw, orch });
    }
    for (const p of pairs) for (const c of [16, 64, 4]) await pool(Math.ceil(WARMUP / 3), c, llmJob(`${p.gw.url}/llm`));
    const cpu = async (n: BenchNode): Promise<number> => {
      const u = await n.cpu();
      return u.user + u.system;
    };
    const tally = new Map<string, { gw: number; orch: number; runner: number; ms: number; jobs: number }>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const p of r % 2 === 0 ? pairs : [...pairs].reverse()) {
        const [g0, o0, r0] = await Promise.all([cpu(p.gw), cpu(p.orch), cpu(runner)]);
        const t0 = performance.now();
        await pool(BATCH, C, llmJob(`${p.gw.url}/llm`));
        const ms = performance.now() - t0;
        const [g1, o1, r1] = await Promise.all([cpu(p.gw), cpu(p.orch), cpu(runner)]);
        const t = tally.get(p.name) ?? { gw: 0, orch: 0, runner: 0, ms: 0, jobs: 0 };
        tally.set(p.name, { gw: t.gw + g1 - g0, orch: t.orch + o1 - o0, runner: t.runner + r1 - r0, ms: t.ms + ms, jobs: t.jobs + BATCH });
      }
    }
    const perJob = (us: number, n: number): string => (us / 1000 / n).toFixed(3);
    for (const [k, t] of tally) {
      console.log(
        `${k} (${k === 'A' ? A : B}) c=${C}: gateway ${perJob(t.gw, t.jobs)} + orchestrator ${perJob(t.orch, t.jobs)} = ${perJob(t.gw + t.orch, t.jobs)} ms CPU/job ` +
          `(runner ${perJob(t.runner, t.jobs)}), ${((t.jobs * 1000) / t.ms).toFixed(0)} jobs/s; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
      );
    }
  } finally {
    for (const n of [...nodes].reverse()) await n.close().catch(() => {});
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
