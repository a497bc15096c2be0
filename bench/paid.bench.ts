// `npm run bench:paid`: minimal llm jobs (max_tokens 1) through the paid path — client → gateway →
// orchestrator → CPU reference runner, all on loopback, paying with real tickets on an anvil devnet —
// and straight to the runner in the same run, at concurrency 1, 4, 16, 64. Per level: jobs/s (paid
// and direct), p50/p99 of the paid jobs, CPU per paid job (this whole process: client, gateway,
// orchestrator and runner share it, so it is an upper bound of the servers' CPU), tickets per job,
// and evPerFee = EV sent / fees owed (exact ratio, printed as a decimal). Each level pays for its
// own model (its own (sender, manifest) balance), so it starts with no credit and what it leaves
// at the orchestrator counts against it. The last stdout line is one JSON object.
//
// Env: PAID_BENCH_JOBS (jobs per level, default 200, at least 4 × concurrency),
// PAID_BENCH_EV (orchestrator ticket EV, wei, default 8e9 = the -ticketEV default),
// PAID_BENCH_PRICE (wei per token, default EV / 4).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { RunnerClient, startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet } from '../src/eth/index.js';
import { Capability } from '../src/market/index.js';
import { Rat } from '../src/money/index.js';
import { startGateway } from '../src/nodes/gateway/index.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { round } from './lib/stats.js';

const LEVELS = [1, 4, 16, 64];
const JOBS = Math.max(1, Math.floor(Number(process.env.PAID_BENCH_JOBS ?? 200)) || 200);
const EV = BigInt(process.env.PAID_BENCH_EV ?? '8000000000');
const PRICE = BigInt(process.env.PAID_BENCH_PRICE ?? (EV / 4n).toString());

interface Level {
  concurrency: number;
  jobs: number;
  paidPerSec: number;
  directPerSec: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerJob: number;
  ticketsPerJob: number;
  evPerFee: string;
}

const log = (s: string) => console.error(`[bench:paid] ${s}`);

/** An exact ratio as a decimal with `digits` places (truncated). */
function decimal(r: Rat, digits = 4): string {
  const scaled = (r.num * 10n ** BigInt(digits)) / r.den;
  const s = scaled.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Runs `n` calls of `fn` with `concurrency` in flight; returns the wall time and each call's latency. */
async function pool(n: number, concurrency: number, fn: () => Promise<void>): Promise<{ ms: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const s = performance.now();
        await fn();
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { ms: performance.now() - t0, latencies };
}

async function main(): Promise<void> {
  log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu?'}; ticket EV ${EV} wei, price ${PRICE} wei/token`);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-paid-'));
  const dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
  const runners: ReferenceRunner[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const models = [];
    for (const c of LEVELS) {
      const r = await startReferenceRunner({ pipeline: 'llm', modelId: `bench-llm-c${c}` });
      runners.push(r);
      models.push({ pipeline: 'llm', model_id: r.modelId, url: r.url, price_per_unit: Number(PRICE), pixels_per_unit: 1, warm: true, capacity: 128 });
    }
    const orch = await startOrchestrator({
      serviceAddr: '127.0.0.1:0',
      network: 'devnet',
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      dataDir: join(dir, 'orch'),
      aiModels: JSON.stringify(models),
      ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
      ticketEV: EV,
      // Room for the 64 concurrent jobs of the last level (go-livepeer's default is 10).
      maxSessions: 256,
      logLevel: 'silent',
    });
    closers.push(() => orch.close());
    const gw = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: orch.url,
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
      dataDir: join(dir, 'gateway'),
      logLevel: 'silent',
    });
    closers.unshift(() => gw.close());

    const levels: Level[] = [];
    for (const [i, concurrency] of LEVELS.entries()) {
      const runner = runners[i]!;
      const jobs = Math.max(JOBS, 4 * concurrency);
      const body = JSON.stringify({ model: runner.modelId, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
      const paidJob = async () => {
        const res = await fetch(`${gw.url}/llm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`paid job failed: ${res.status} ${text}`);
      };
      // No warm-up: the level's first jobs buy its first tickets, which belong in its EV / fees.
      const before = gw.stats();
      const c0 = process.cpuUsage();
      const paid = await pool(jobs, concurrency, paidJob);
      const cpu = process.cpuUsage(c0);
      const after = gw.stats();
      const direct = new RunnerClient({ url: runner.url });
      const directBody = { model: runner.modelId, messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 1 };
      const straight = await pool(jobs, concurrency, async () => {
        await direct.run('llm', directBody);
      });
      const ev = after.tickets.ev.sub(before.tickets.ev);
      const fees = after.fees.sub(before.fees);
      const tickets = after.tickets.sent - before.tickets.sent;
      const paidPerSec = (jobs * 1000) / paid.ms;
      const directPerSec = (jobs * 1000) / straight.ms;
      const level: Level = {
        concurrency,
        jobs,
        paidPerSec: round(paidPerSec, 1),
        directPerSec: round(directPerSec, 1),
        ratio: round(paidPerSec / directPerSec, 3),
        p50Ms: round(percentile(paid.latencies, 50), 2),
        p99Ms: round(percentile(paid.latencies, 99), 2),
        cpuMsPerJob: round((cpu.user + cpu.system) / 1000 / jobs, 3),
        ticketsPerJob: round(tickets / jobs, 4),
        evPerFee: fees.isZero() ? 'n/a' : decimal(ev.div(fees)),
      };
      log(
        `c=${concurrency}: ${level.paidPerSec} paid jobs/s (direct ${level.directPerSec}/s, ratio ${level.ratio}), p50 ${level.p50Ms} ms, p99 ${level.p99Ms} ms, ` +
          `${level.cpuMsPerJob} ms CPU/job, ${tickets} tickets for ${jobs} jobs, EV sent ≈${ev.floor()} wei / fees ${fees} wei = ${level.evPerFee}; ` +
          `left at the orchestrator ≈${(orch.balance(gw.address, `${Capability.LLM}_${runner.modelId}`) ?? Rat.ZERO).floor()} wei`,
      );
      levels.push(level);
    }
    console.log(JSON.stringify({ metric: 'paid', ticketEV: EV.toString(), pricePerToken: PRICE.toString(), levels }));
  } finally {
    for (const c of closers) await c().catch(() => {});
    for (const r of runners) await r.close();
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
