// `npm run bench:paid`: minimal llm jobs (max_tokens 1) through the paid path — client → gateway →
// orchestrator → CPU reference runner over loopback, the gateway paying with real tickets on an
// anvil devnet (HTTP/2 + TLS to the orchestrator, every ticket validated there, the price the
// orchestrator's own) — and the same jobs straight to the same runner, in the same run, at
// concurrency 1, 4, 16, 64.
//
// Every node is its own process (bench/lib/node-child.ts), as deployed, at its default log level
// (info); this process is only the client, and the same client (fetch, keep-alive) sends both the
// paid and the direct jobs. Paid and direct batches alternate (ABBA) so both see the same
// background load; a warm-up on its own model (its own balance) runs first, so what is measured is
// the steady state of long-running nodes, yet every level starts without credit and buys its own
// tickets.
//
// The same jobs also go through the floor (bench/lib/bare-hops.ts): a bare gateway and a bare
// orchestrator, each its own process, with the same sockets and protocols (HTTP/1 from the client,
// HTTP/2 + TLS between them, a kept-alive HTTP/1 agent to the runner) and none of the work. Its CPU
// per job is what node's HTTP stacks cost on this machine at that moment, the baseline the paid
// path's CPU is read against: the machine's speed changes by 1.5× within minutes, the ratio of the
// two in one run much less. Paid, floor and direct batches take turns (none always first).
//
// Per level: jobs/s paid and direct and their ratio, the floor's jobs/s and CPU per job, p50/p99
// of the paid jobs, server CPU per paid job (the gateway's plus the orchestrator's process CPU, user + system, over the paid batches),
// tickets per job, and evPerFee = EV sent / fees owed (the orchestrator must have debited exactly
// the fees the gateway counts; the bench fails otherwise). The last stdout line is one JSON object.
//
// Env: PAID_BENCH_JOBS (paid jobs per level, default 2000, at least 8 × concurrency), PAID_BENCH_EV
// (ticket EV, wei, default 8e9 = the -ticketEV default), PAID_BENCH_PRICE (wei per token, default
// EV / 4), PAID_BENCH_LEVELS (default 1,4,16,64), PAID_BENCH_WARMUP (jobs, default 6000),
// PAID_BENCH_PROF=<dir> (--cpu-prof profiles of
// the gateway and the orchestrator into <dir>/gateway and <dir>/orchestrator), LIVEPEER_TS_DIST=1
// (every node runs the compiled dist/, as installed, instead of the sources through tsx; `npm run
// bench:paid` builds and sets it; refused when dist/ is older than src/).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { startDevnet } from '../src/eth/index.js';
import { ensureTlsCert } from '../src/wire/index.js';
import { Capability } from '../src/market/index.js';
import { Rat } from '../src/money/index.js';
import { nodesCode } from './lib/dist.js';
import { spawnNode, type BenchNode } from './lib/nodes.js';
import type { NodeRole } from './lib/node-child.js';
import { round } from './lib/stats.js';

const LEVELS = (process.env.PAID_BENCH_LEVELS ?? '1,4,16,64').split(',').map((c) => Math.max(1, Math.floor(Number(c)) || 1));
const JOBS = Math.max(1, Math.floor(Number(process.env.PAID_BENCH_JOBS ?? 2000)) || 2000);
const EV = BigInt(process.env.PAID_BENCH_EV ?? '8000000000');
const PRICE = BigInt(process.env.PAID_BENCH_PRICE ?? (EV / 4n).toString());
const PROF = process.env.PAID_BENCH_PROF ? resolve(process.env.PAID_BENCH_PROF) : undefined;
// JIT tiers and the heap's young generation take thousands of jobs to settle: a warm-up of 1000
// left the first level measured at twice the CPU per job of the same level run again.
const WARMUP_JOBS = Math.max(0, Math.floor(Number(process.env.PAID_BENCH_WARMUP ?? 6000)) || 0);
/**
 * Batches per level: paid, floor and direct, three of each, in an order where none always goes
 * first (the floor: the same jobs through bare-hops.ts, the transport without the nodes' work).
 */
const ORDER = ['paid', 'floor', 'direct', 'direct', 'floor', 'paid', 'paid', 'floor', 'direct'] as const;
/** Batches of each kind per level. */
const BATCHES = ORDER.filter((k) => k === 'paid').length;

interface Level {
  concurrency: number;
  paidPerSec: number;
  directPerSec: number;
  ratio: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerJob: number;
  /** The floor: the same jobs through a bare gateway and orchestrator (transport only), jobs/s and their CPU per job. */
  floorPerSec: number;
  floorCpuMsPerJob: number;
  ticketsPerJob: number;
  evPerFee: number | null;
}

const log = (s: string) => console.error(`[bench:paid] ${s}`);

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

/** One llm job posted with fetch; anything but a 200 with an llm answer fails the bench. */
function llmJob(url: string, modelId: string): () => Promise<void> {
  const body = JSON.stringify({ model: modelId, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
  return async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('"choices"')) throw new Error(`job to ${url} failed: ${res.status} ${text.slice(0, 300)}`);
  };
}

type Cpu = { user: number; system: number };
type Snapshot = Map<string, Cpu>;

/** CPU time of each node (and of this process, the client) at one moment, µs. */
async function snapshot(nodes: BenchNode[]): Promise<Snapshot> {
  const m: Snapshot = new Map((await Promise.all(nodes.map(async (n) => [n.role, await n.cpu()] as const))).map(([k, v]) => [k, v]));
  m.set('client', process.cpuUsage());
  return m;
}

/** CPU spent per node over a set of batches, user and system apart. */
class CpuTally {
  private readonly t = new Map<string, Cpu>();
  add(before: Snapshot, after: Snapshot): void {
    for (const [k, a] of after) {
      const b = before.get(k)!;
      const t = this.t.get(k) ?? { user: 0, system: 0 };
      this.t.set(k, { user: t.user + a.user - b.user, system: t.system + a.system - b.system });
    }
  }
  total(k: string): number {
    const t = this.t.get(k);
    return t ? t.user + t.system : 0;
  }
  describe(jobs: number, keys: string[]): string {
    const ms = (us: number) => round(us / 1000 / jobs, 3);
    return keys.map((k) => `${k} ${ms(this.total(k))} (sys ${ms(this.t.get(k)?.system ?? 0)})`).join(', ');
  }
}

async function main(): Promise<void> {
  log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu?'}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ticket EV ${EV} wei, price ${PRICE} wei/token; nodes run ${nodesCode()}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-paid-'));
  if (PROF) mkdirSync(PROF, { recursive: true });
  const dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n, serviceURI: false });
  const nodes: BenchNode[] = [];
  const spawn = async (role: NodeRole, name: string, options: Record<string, unknown>, prof = false): Promise<BenchNode> => {
    const n = await spawnNode(role, options, { logFile: join(dir, `${name}.log`), ...(prof && PROF ? { cpuProfDir: join(PROF, name) } : {}) });
    nodes.push(n);
    return n;
  };
  try {
    const names = ['warm', ...LEVELS.map((c, i) => `l${i + 1}-c${c}`)];
    const runners = await Promise.all(names.map((n) => spawn('runner', `runner-${n}`, { pipeline: 'llm', modelId: `bench-llm-${n}` })));
    const models = runners.map((r, i) => ({ pipeline: 'llm', model_id: `bench-llm-${names[i]}`, url: r.url, price_per_unit: Number(PRICE), pixels_per_unit: 1, warm: true, capacity: 128 }));
    const orch = await spawn(
      'orchestrator',
      'orchestrator',
      {
        serviceAddr: '127.0.0.1:0',
        network: 'devnet',
        ethUrl: dev.rpcUrl,
        ethController: dev.controller,
        dataDir: join(dir, 'orch'),
        aiModels: JSON.stringify(models),
        ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
        ticketEV: EV.toString(),
        // Room for the 64 concurrent jobs of the last level (go-livepeer's default is 10).
        maxSessions: 256,
        logLevel: 'info',
      },
      true,
    );
    const gw = await spawn(
      'gateway',
      'gateway',
      {
        httpAddr: '127.0.0.1:0',
        orchAddr: orch.url,
        ethUrl: dev.rpcUrl,
        ethController: dev.controller,
        ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
        dataDir: join(dir, 'gateway'),
        logLevel: 'info',
      },
      true,
    );

    // The floor: a bare gateway and orchestrator in front of the same runners (bare-hops.ts).
    const cert = await ensureTlsCert(join(dir, 'bare'));
    const bareOrch = await spawn('bare-orchestrator', 'bare-orchestrator', { cert: cert.cert, key: cert.key });
    const bareGw = await spawn('bare-gateway', 'bare-gateway', { orchestratorUrl: bareOrch.url });
    const floorUrl = (runnerUrl: string): string => `${bareGw.url}/${new URL(runnerUrl).port}/llm`;

    // Warm-up of every process on the warm-up model (its own balance); nothing of it is counted.
    const t0 = performance.now();
    for (const c of [16, 64, 4]) {
      await pool(Math.ceil(WARMUP_JOBS / 3), c, llmJob(`${gw.url}/llm`, 'bench-llm-warm'));
      await pool(Math.ceil(WARMUP_JOBS / 3), c, llmJob(`${runners[0]!.url}/llm`, 'bench-llm-warm'));
      await pool(Math.ceil(WARMUP_JOBS / 3), c, llmJob(floorUrl(runners[0]!.url), 'bench-llm-warm'));
    }
    // Each level's runner too (direct jobs: no balance is touched), or the first batches of a level
    // would measure a cold runner on both sides.
    for (const [i, r] of runners.slice(1).entries()) await pool(Math.ceil(WARMUP_JOBS / 3), 16, llmJob(`${r.url}/llm`, `bench-llm-${names[i + 1]}`));
    log(`warm-up: ${WARMUP_JOBS} paid, ${WARMUP_JOBS} floor and ${WARMUP_JOBS} direct jobs, and ${Math.ceil(WARMUP_JOBS / 3)} direct jobs per level's runner, in ${round((performance.now() - t0) / 1000, 1)} s`);

    const levels: Level[] = [];
    for (const [i, concurrency] of LEVELS.entries()) {
      const runner = runners[i + 1]!;
      const modelId = `bench-llm-${names[i + 1]}`;
      const manifest = `${Capability.LLM}_${modelId}`;
      // PAID_BENCH_JOBS is split between the paid and the direct batches, as before the floor's.
      const batch = Math.ceil(Math.max(JOBS, 8 * concurrency) / 2 / BATCHES);
      const job = { paid: llmJob(`${gw.url}/llm`, modelId), direct: llmJob(`${runner.url}/llm`, modelId), floor: llmJob(floorUrl(runner.url), modelId) };
      const g0 = await gw.stats();
      const o0 = await orch.stats();
      const ms = { paid: 0, direct: 0, floor: 0 };
      const cpu = { paid: new CpuTally(), direct: new CpuTally(), floor: new CpuTally() };
      const watched = { paid: [gw, orch, runner], direct: [runner], floor: [bareGw, bareOrch, runner] };
      const latencies: number[] = [];
      for (const kind of ORDER) {
        const before = await snapshot(watched[kind]);
        const res = await pool(batch, concurrency, job[kind]);
        const after = await snapshot(watched[kind]);
        cpu[kind].add(before, after);
        ms[kind] += res.ms;
        if (kind === 'paid') latencies.push(...res.latencies);
      }
      const jobs = batch * BATCHES;
      const g1 = await gw.stats();
      const o1 = await orch.stats({ sender: gw.address!, manifest });
      const ev = Rat.parse(g1.ticketEv!).sub(Rat.parse(g0.ticketEv!));
      const fees = Rat.parse(g1.fees!).sub(Rat.parse(g0.fees!));
      const debited = Rat.parse(o1.feesDebited!).sub(Rat.parse(o0.feesDebited!));
      const tickets = g1.ticketsSent! - g0.ticketsSent!;
      const okJobs = g1.jobsOk! - g0.jobsOk!;
      if (okJobs !== jobs || g1.jobsFailed !== g0.jobsFailed) throw new Error(`c=${concurrency}: the gateway counts ${okJobs} jobs done of ${jobs}, ${g1.jobsFailed! - g0.jobsFailed!} failed`);
      if (!fees.eq(debited)) throw new Error(`c=${concurrency}: the gateway owes ${fees} wei but the orchestrator debited ${debited} wei`);
      if (tickets === 0 || fees.isZero()) throw new Error(`c=${concurrency}: nothing was paid (${tickets} tickets, fees ${fees})`);
      const paidPerSec = (jobs * 1000) / ms.paid;
      const directPerSec = (jobs * 1000) / ms.direct;
      const floorCpu = (cpu.floor.total('bare-gateway') + cpu.floor.total('bare-orchestrator')) / 1000 / jobs;
      const level: Level = {
        concurrency,
        paidPerSec: round(paidPerSec, 1),
        directPerSec: round(directPerSec, 1),
        ratio: round(paidPerSec / directPerSec, 3),
        p50Ms: round(percentile(latencies, 50), 2),
        p99Ms: round(percentile(latencies, 99), 2),
        cpuMsPerJob: round((cpu.paid.total('gateway') + cpu.paid.total('orchestrator')) / 1000 / jobs, 3),
        floorPerSec: round((jobs * 1000) / ms.floor, 1),
        floorCpuMsPerJob: round(floorCpu, 3),
        ticketsPerJob: round(tickets / jobs, 4),
        evPerFee: round(Number(ev.mul(10_000n).div(fees).floor()) / 10_000, 4),
      };
      log(
        `c=${concurrency}: ${level.paidPerSec} paid jobs/s (direct ${level.directPerSec}/s, ratio ${level.ratio}), p50 ${level.p50Ms} ms, p99 ${level.p99Ms} ms, ` +
          `server CPU ${level.cpuMsPerJob} ms/job (${cpu.paid.describe(jobs, ['gateway', 'orchestrator', 'runner', 'client'])}; direct: ${cpu.direct.describe(jobs, ['runner', 'client'])}), ` +
          `floor ${level.floorPerSec} jobs/s, ${level.floorCpuMsPerJob} ms/job (${cpu.floor.describe(jobs, ['bare-gateway', 'bare-orchestrator', 'runner', 'client'])}), ` +
          `${tickets} tickets for ${jobs} jobs, EV sent ≈${ev.floor()} wei / fees ${fees.floor()} wei = ${level.evPerFee}; left at the orchestrator ≈${o1.balance ? Rat.parse(o1.balance).floor() : 0n} wei`,
      );
      levels.push(level);
    }
    console.log(JSON.stringify({ metric: 'paid', levels }));
  } finally {
    // Gateway and orchestrator first (they write their profiles on a normal exit), then the runners.
    for (const n of [...nodes].reverse()) await n.close().catch(() => {});
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
