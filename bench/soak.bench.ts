// `npm run bench:soak`: long-running state stays bounded. On an anvil devnet, all on loopback:
//  - 10,000 discovery refreshes: a gateway session pool (real gRPC client, real pm Sender on the
//    devnet chain) against the real orchestrator, each refresh dropping the session as a failed job
//    does, so each one is a new GetOrchestrator answer and a pm session;
//  - 10,000 llm jobs through a real gateway + orchestrator + CPU reference runners, with 1,000
//    distinct client-supplied model ids: half the jobs on the SERVED models (paid with tickets), half
//    on model ids no orchestrator serves (refused at discovery, cached as refusals).
// Heap used (after a forced GC) and every map's size are printed at the start (after a warm-up
// round, so JIT and lazily built caches are in) and at the end; the last stdout line is one JSON
// object. The refresh pool signs no tickets (it only discovers), so sharing the gateway's funded
// key with the gateway cannot reuse a nonce.
//
// Env: SOAK_REFRESHES (default 10000), SOAK_JOBS (default 10000), SOAK_MODELS (distinct model ids,
// default 1000), SOAK_SERVED (models with a runner, default 20), SOAK_CONCURRENCY (default 16).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { connectChain, startDevnet } from '../src/eth/index.js';
import { aiJobCapabilities, Capability } from '../src/market/index.js';
import { Sender, localTicketSigner } from '../src/pm/index.js';
import { createOrchestratorClient } from '../src/wire/index.js';
import { capabilitiesToWire } from '../src/nodes/common/index.js';
import { SessionPool, startGateway, type JobTarget } from '../src/nodes/gateway/index.js';
import { StatsRecorder } from '../src/nodes/gateway/stats.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { round } from './lib/stats.js';

const int = (name: string, dflt: number): number => Math.max(1, Math.floor(Number(process.env[name] ?? dflt)) || dflt);
const REFRESHES = int('SOAK_REFRESHES', 10_000);
const JOBS = int('SOAK_JOBS', 10_000);
const MODELS = int('SOAK_MODELS', 1_000);
const SERVED = Math.min(MODELS, int('SOAK_SERVED', 20));
const CONCURRENCY = int('SOAK_CONCURRENCY', 16);
// The warm-up (a fifth of each) sees every model id once, so the start figures are the steady state.
const WARMUP = 0.2;
const PRICE = 2_000_000_000n;

const log = (s: string) => console.error(`[bench:soak] ${s}`);
const gc = (globalThis as { gc?: () => void }).gc;

function heapMb(): number {
  gc?.();
  return round(process.memoryUsage().heapUsed / 2 ** 20, 1);
}

async function inParallel(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function main(): Promise<void> {
  if (!gc) log('run with --expose-gc (npm run bench:soak does) for comparable heap figures');
  log(`node ${process.version}; ${REFRESHES} refreshes, ${JOBS} jobs over ${MODELS} model ids (${SERVED} served), concurrency ${CONCURRENCY}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-soak-'));
  const dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
  const runners: ReferenceRunner[] = [];
  const closers: (() => Promise<unknown> | void)[] = [];
  try {
    const served: string[] = [];
    for (let i = 0; i < SERVED; i++) {
      const r = await startReferenceRunner({ pipeline: 'llm', modelId: `soak-served-${i}` });
      runners.push(r);
      served.push(r.modelId);
    }
    const unserved = Array.from({ length: MODELS - SERVED }, (_, i) => `soak-unknown-${i}`);
    const orch = await startOrchestrator({
      serviceAddr: '127.0.0.1:0',
      network: 'devnet',
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      dataDir: join(dir, 'orch'),
      aiModels: JSON.stringify(runners.map((r) => ({ pipeline: 'llm', model_id: r.modelId, url: r.url, price_per_unit: Number(PRICE), pixels_per_unit: 1, warm: true, capacity: 64 }))),
      ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
      maxSessions: 256,
      logLevel: 'silent',
    });
    closers.push(() => orch.close());
    const gwKey = dev.accounts.find((a) => a.role === 'gateway')!.privateKey;
    const gw = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: orch.url,
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      ethPrivateKey: gwKey,
      dataDir: join(dir, 'gateway'),
      logLevel: 'silent',
    });
    closers.unshift(() => gw.close());

    // The refresh pool: the gateway's SessionPool and pm Sender, on their own chain connection.
    const chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 500 });
    closers.push(() => chain.close());
    const signer = localTicketSigner(gwKey);
    const sender = new Sender({ signer, chain: chain.view, senders: chain.senders });
    const client = createOrchestratorClient(orch.url);
    closers.push(() => client.close());
    const refreshPool = new SessionPool({
      discovery: [orch.url],
      client: () => client,
      signer,
      sender,
      chain: chain.view,
      stats: new StatsRecorder(),
      log: pino({ level: 'silent' }),
      suspendMs: 60_000,
      discoveryTimeoutMs: 10_000,
    });
    const refreshJob = (modelId: string): JobTarget => {
      const caps = aiJobCapabilities('llm', modelId);
      return { pipeline: 'llm', modelId, capability: Capability.LLM, capabilities: caps, capabilitiesWire: capabilitiesToWire(caps), maxPrice: undefined };
    };
    const refreshTargets = served.map(refreshJob);
    let refreshFailures = 0;
    const refresh = async (i: number) => {
      const job = refreshTargets[i % refreshTargets.length]!;
      const s = await refreshPool.select(job, new Set());
      if (!s) {
        refreshFailures++;
        return;
      }
      refreshPool.invalidate(s, job);
    };

    const statuses: Record<string, number> = {};
    const job = async (i: number) => {
      // Even jobs on a served model (paid), odd ones on a model id nobody serves: 1,000 ids in all.
      const model = i % 2 === 0 || unserved.length === 0 ? served[(i >> 1) % served.length]! : unserved[(i >> 1) % unserved.length]!;
      const res = await fetch(`${gw.url}/llm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
      });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    };

    const sizes = () => ({ gateway: gw.sizes(), orchestrator: orch.sizes(), refreshPool: { ...refreshPool.sizes(), senderSessions: sender.sessionCount } });
    const phase = async (from: number, to: number, total: number, fn: (i: number) => Promise<void>) => {
      const n = Math.floor(total * to) - Math.floor(total * from);
      const base = Math.floor(total * from);
      await inParallel(n, CONCURRENCY, (i) => fn(base + i));
    };

    const t0 = performance.now();
    await phase(0, WARMUP, REFRESHES, refresh);
    await phase(0, WARMUP, JOBS, job);
    const start = { heapUsedMb: heapMb(), sizes: sizes() };
    log(`start (after a ${WARMUP * 100} % warm-up): heap ${start.heapUsedMb} MB, ${JSON.stringify(start.sizes)}`);
    const c0 = process.cpuUsage();
    await Promise.all([phase(WARMUP, 1, REFRESHES, refresh), phase(WARMUP, 1, JOBS, job)]);
    const cpu = process.cpuUsage(c0);
    const end = { heapUsedMb: heapMb(), sizes: sizes() };
    const seconds = round((performance.now() - t0) / 1000, 1);
    log(`end: heap ${end.heapUsedMb} MB, ${JSON.stringify(end.sizes)}`);
    const st = gw.stats();
    log(`${seconds} s; job statuses ${JSON.stringify(statuses)}; refresh failures ${refreshFailures}; tickets sent ${st.tickets.sent}; CPU ${round((cpu.user + cpu.system) / 1e6, 1)} s`);
    console.log(
      JSON.stringify({
        metric: 'soak',
        refreshes: REFRESHES,
        jobs: JOBS,
        modelIds: MODELS,
        servedModels: SERVED,
        statuses,
        refreshFailures,
        seconds,
        start,
        end,
        heapGrowthMb: round(end.heapUsedMb - start.heapUsedMb, 1),
      }),
    );
  } finally {
    for (const c of closers) await Promise.resolve(c()).catch(() => {});
    for (const r of runners) await r.close();
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
