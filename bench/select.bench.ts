// npm run bench:select — what one job's orchestrator selection costs on a gateway that knows 10,000
// orchestrators. The measured path is the gateway's own (src/nodes/gateway/market.ts): a Discovery
// registry of 10,000 entries (stakes from the source, 2 % blocklisted, 2 % stale), a SessionPool
// holding every orchestrator's GetOrchestrator answer (prices around the max with mixed
// denominators, 70 % warm, some without the model, some full, some failing and suspended), and per
// job GatewayMarket.pick() — the market's snapshot (rebuilt when something changed), this job's
// gates, the exact max-price filter, warm/cold tiers, go-livepeer's probabilities, the weighted draw —
// then the price-refusal count the job loop (run.ts) takes from every pick (JobPriceRefusals).
// Per-job gates in the loop: every 4th job is a retry with 2 orchestrators already tried, every 10th
// carries an exclude list of 3; every 200th job first changes the cache (alternately a fault
// suspends an orchestrator, or a success ends one's streak, which makes the next job ask it again),
// so 1 job in 200 (and the one after a success) pays a snapshot rebuild: in the percentiles, and
// reported on its own.
// The answers come from an in-process OrchestratorClient (10,000 gRPC servers do not fit here);
// they are taken before the measurement, which never waits on one except after a success above.
// Also measured, not in the JSON: evaluate() + draw + reasons on a prebuilt array of Candidates (the
// previous bench's figure) against a straightforward version of the same work in the same run, as
// the ratio the design buys, and a full listing (every detail read), as GET /orchestrators does.
// Progress lines first; the last line is one JSON object.
import os from 'node:os';
import { create } from '@bufbuild/protobuf';
import pino from 'pino';
import { Rat, formatRatWei } from '../src/money/index.js';
import {
  Capability,
  DEFAULT_SELECTION_WEIGHTS,
  Discovery,
  REJECT_REASONS,
  aiJobCapabilities,
  defaultCapabilities,
  draw,
  evaluate,
  makeCapabilities,
  mandatoryOCapabilities,
  summarizeRejections,
  type Candidate,
  type SelectionWeights,
  type SourceEntry,
} from '../src/market/index.js';
import { localTicketSigner } from '../src/pm/index.js';
import { OrchestratorInfoSchema, createAuthToken, priceInfoToWire, type OrchestratorClient } from '../src/wire/index.js';
import { capabilitiesToWire } from '../src/nodes/common/index.js';
import { GatewayMarket } from '../src/nodes/gateway/market.js';
import { SessionPool, type JobTarget } from '../src/nodes/gateway/sessions.js';
import { JobPriceRefusals, StatsRecorder } from '../src/nodes/gateway/stats.js';
import { seededRng } from '../src/market/selection/testkit.js';
import { round } from './lib/stats.js';

const N = 10_000;
const JOBS = 3_000;
const WARMUP = 300;
const ITER = 1_000;
const CHANGE_EVERY = 200;
const rng = seededRng(7);
const MODEL = 'stabilityai/sd-turbo';
const weights = DEFAULT_SELECTION_WEIGHTS;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Figures {
  p50: number;
  p99: number;
  perSec: number;
  cpuMs: number;
}

/** Wall and CPU time per call of fn (awaited when it returns a promise). */
async function measure(name: string, iter: number, warmup: number, fn: (i: number) => unknown): Promise<Figures & { times: number[] }> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iter; i++) {
    const u = process.cpuUsage();
    const s = process.hrtime.bigint();
    const r = fn(warmup + i);
    if (r instanceof Promise) await r;
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
    const du = process.cpuUsage(u);
    cpuTimes.push((du.user + du.system) / 1000);
  }
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  const sorted = [...times].sort((a, b) => a - b);
  // CPU time per call (this process, all threads incl. GC): what the work costs on an idle core,
  // whatever the machine's load does to the wall-clock percentiles.
  const cpuMs = (cpu.user + cpu.system) / 1000 / iter;
  cpuTimes.sort((a, b) => a - b);
  const r = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSec: (iter * 1000) / totalMs, cpuMs, times };
  console.log(
    `select: ${name}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, p99.9 ${percentile(sorted, 99.9).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms, ${Math.round(r.perSec)}/s; ` +
      `CPU ${cpuMs.toFixed(3)} ms each (p50 ${percentile(cpuTimes, 50).toFixed(3)}, p99 ${percentile(cpuTimes, 99).toFixed(3)}), load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  return r;
}

// ---- the gateway: registry, session pool, market ----

const jobCaps = aiJobCapabilities('text-to-image', MODEL);
const job: JobTarget = { pipeline: 'text-to-image', modelId: MODEL, capability: Capability.TextToImage, capabilities: jobCaps, capabilitiesWire: capabilitiesToWire(jobCaps), maxPrice: Rat.from(3_000_000n) };
const orchCaps = (model: string, warm: boolean, capacity: number, inUse: number) =>
  capabilitiesToWire(
    makeCapabilities({
      capabilities: [...defaultCapabilities(), Capability.TextToImage],
      mandatories: mandatoryOCapabilities(),
      capacities: [[Capability.TextToImage, capacity]],
      perCapability: [[Capability.TextToImage, [[model, { warm, capacity, capacityInUse: inUse }]]]],
    }),
  );
const CAPS = { warm: orchCaps(MODEL, true, 4, 0), cold: orchCaps(MODEL, false, 4, 0), otherModel: orchCaps('other/model', true, 4, 0), full: orchCaps(MODEL, true, 0, 2) };
const secret = new Uint8Array(32).fill(7);
const hexAddr = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}` as const;
const addrBytes = (i: number) => Uint8Array.from(Buffer.from(hexAddr(i).slice(2), 'hex'));

type Kind = 'warm' | 'cold' | 'otherModel' | 'full' | 'failing';
const urls: string[] = [];
const kinds: Kind[] = [];
const prices: { pricePerUnit: bigint; pixelsPerUnit: bigint }[] = [];
const stakes: bigint[] = [];
const blocked = new Set<string>();
for (let i = 0; i < N; i++) {
  urls.push(`https://orch-${i}.example:8935`);
  const r = rng();
  kinds.push(r < 0.03 ? 'otherModel' : r < 0.05 ? 'full' : r < 0.07 ? 'failing' : rng() < 0.7 ? 'warm' : 'cold');
  // wei per pixel with mixed denominators, around the max; a quarter above it
  prices.push({ pricePerUnit: BigInt(Math.floor(rng() * 9_000_000)), pixelsPerUnit: BigInt(1 + Math.floor(rng() * 4)) });
  stakes.push(BigInt(Math.floor(rng() * 1e6)) * 10n ** 15n);
  if (rng() < 0.02) blocked.add(hexAddr(i).slice(2));
}
const byUrl = new Map(urls.map((u, i) => [u, i]));

let clockOffset = 0;
const now = () => Date.now() + clockOffset;
// Source A lists 98 %; source B the rest, and fails after its first list: its entries turn stale.
let bFails = false;
const entriesOf = (from: number, to: number): SourceEntry[] => urls.slice(from, to).map((url, k) => ({ url, address: hexAddr(from + k), stake: stakes[from + k]! }));
const split = Math.floor(N * 0.98);
const discovery = new Discovery({
  sources: [
    { kind: 'webhook', description: 'bench A', list: () => Promise.resolve(entriesOf(0, split)) },
    { kind: 'signer', description: 'bench B', list: () => (bFails ? Promise.reject(new Error('bench: B is down')) : Promise.resolve(entriesOf(split, N))) },
  ],
  blocklist: blocked,
  refreshMs: 0,
  ttlMs: 600_000, // longer than the bench runs: only B's entries turn stale
  now,
});

function client(url: string): OrchestratorClient {
  const i = byUrl.get(url)!;
  return {
    baseUrl: url,
    close: () => {},
    getOrchestrator: () => {
      if (kinds[i] === 'failing') return Promise.reject(new Error('bench: connection refused'));
      return Promise.resolve(
        create(OrchestratorInfoSchema, {
          transcoder: url,
          priceInfo: priceInfoToWire(prices[i]!),
          address: addrBytes(i),
          capabilities: CAPS[kinds[i] as Exclude<Kind, 'failing'>],
          authToken: createAuthToken(secret),
        }),
      );
    },
  } as unknown as OrchestratorClient;
}

const stats = new StatsRecorder();
const pool = new SessionPool({
  discovery,
  client,
  signer: localTicketSigner(`0x${'01'.repeat(32)}`),
  sender: undefined,
  chain: undefined,
  stats,
  log: pino({ level: 'silent' }),
  // suspensions outlast the bench: the failing ones stay suspended, not asked again every second
  suspendMs: 3_600_000,
  suspendBaseMs: 3_600_000,
  discoveryTimeoutMs: 1000,
  now,
});
const market = new GatewayMarket({ discovery, pool, weights, rng });

await discovery.refresh();
clockOffset = 601_000;
bFails = true;
await discovery.refresh();
const first = await market.view(job); // asks every listed orchestrator once
const counts = summarizeRejections(first.evaluation.rejected).counts;
console.log(
  `select: gateway with ${discovery.size} orchestrators: ${first.evaluation.qualified.filter((q) => q.probability > 0).length} drawing, ` +
    `${first.evaluation.qualified.filter((q) => q.standby).length} in reserve, rejected ${JSON.stringify(counts)}; ${pool.sizes().cached} cached answers`,
);

let suspendedUrl: string | undefined;
let chosen = 0;
const rebuildsBefore = () => market.rebuilds + market.patches;
const rebuildTimes: number[] = [];
async function gatewayJob(i: number): Promise<void> {
  let changed = false;
  if (i % CHANGE_EVERY === 0) {
    changed = true;
    if (suspendedUrl === undefined) {
      suspendedUrl = urls[Math.floor(rng() * split)]!;
      pool.suspend(suspendedUrl, job.capability, 'BENCH_FAULT');
    } else {
      pool.succeeded(suspendedUrl, job.capability);
      suspendedUrl = undefined;
    }
  }
  const tried = i % 4 === 1 ? new Set([urls[Math.floor(rng() * N)]!, urls[Math.floor(rng() * N)]!]) : undefined;
  const filter = i % 10 === 3 ? { exclude: [urls[Math.floor(rng() * N)]!, urls[Math.floor(rng() * N)]!, urls[Math.floor(rng() * N)]!] } : undefined;
  const r0 = rebuildsBefore();
  const s = process.hrtime.bigint();
  const pick = await market.pick(job, { ...(tried ? { tried } : {}), ...(filter ? { filter } : {}) });
  // what run.ts does with every pick (a job of one attempt here)
  new JobPriceRefusals(stats).count(pick.evaluation);
  if (pick.chosen) chosen++;
  if (rebuildsBefore() !== r0 || changed) rebuildTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
}

const rebuilds0 = market.rebuilds;
const patches0 = market.patches;
const ours = await measure(`gateway job (market.pick over ${N}, per-job gates, a cache change every ${CHANGE_EVERY})`, JOBS, WARMUP, gatewayJob);
const rebuilt = market.rebuilds - rebuilds0;
const patched = market.patches - patches0;
rebuildTimes.sort((a, b) => a - b);
console.log(
  `select: ${chosen} of ${JOBS + WARMUP} jobs got an orchestrator; ${rebuilt} snapshot rebuilds and ${patched} patches in ${JOBS + WARMUP} jobs; jobs with a cache change, patch or rebuild: ` +
    `${rebuildTimes.length}, p50 ${percentile(rebuildTimes, 50).toFixed(3)} ms, max ${rebuildTimes.at(-1)?.toFixed(3)} ms`,
);

// ---- evaluate() on a prebuilt array (the previous bench's figure) and its baseline ----

function cache(): Candidate[] {
  const gateNames = REJECT_REASONS.filter((r) => r !== 'price-above-max');
  const out: Candidate[] = [];
  for (let i = 0; i < N; i++) {
    const gates: Candidate['gates'] = {};
    if (rng() < 0.15) gates[gateNames[Math.floor(rng() * gateNames.length)]!] = 'gated in the bench';
    const priced = rng() < 0.97;
    out.push({
      key: `https://orch-${i}.example:8935`,
      stake: BigInt(Math.floor(rng() * 1e6)) * 10n ** 15n,
      ...(priced ? { price: Rat.of(BigInt(Math.floor(rng() * 9_000_000)), BigInt(1 + Math.floor(rng() * 4))) } : {}),
      latencyMs: 5 + Math.floor(rng() * 400),
      warm: rng() < 0.7,
      gates,
    });
  }
  return out;
}

/** The same work without the design's shortcuts: exact comparisons, eager details, Rat→float each time. */
function naive(cands: readonly Candidate[], maxPrice: Rat, w: SelectionWeights): string | undefined {
  const rejected: { key: string; reason: string; detail: string }[] = [];
  const ok: Candidate[] = [];
  for (const c of cands) {
    const gate = REJECT_REASONS.find((r) => r !== 'price-above-max' && c.gates[r as Exclude<typeof r, 'price-above-max'>] !== undefined);
    if (gate) rejected.push({ key: c.key, reason: gate, detail: c.gates[gate as Exclude<typeof gate, 'price-above-max'>]! });
    else if (c.price === undefined || (!c.price.isZero() && c.price.gt(maxPrice))) rejected.push({ key: c.key, reason: 'price-above-max', detail: `price ${c.price ? formatRatWei(c.price, 6) : 'none'} above ${formatRatWei(maxPrice, 6)}` });
    else ok.push(c);
  }
  const warm = ok.some((c) => c.warm) ? ok.filter((c) => c.warm) : ok;
  const stakeSum = warm.reduce((a, c) => a + Number(c.stake), 0);
  const p = warm.map((c) => w.stakeWeight * (Number(c.stake) / stakeSum) + w.randWeight / warm.length);
  let r = rng();
  for (let i = 0; i < p.length; i++) if ((r -= p[i]!) < 0) return warm[i]!.key;
  return warm.at(-1)?.key;
}

const cands = cache();
const maxPrice = Rat.from(3_000_000n);
const base = await measure('baseline on a prebuilt array (exact compares, eager details)', ITER, 100, () => naive(cands, maxPrice, weights));
const prebuilt = await measure('evaluate() + draw + reasons on a prebuilt array', ITER, 100, () => {
  const ev = evaluate(cands, { maxPrice }, weights);
  draw(ev, rng);
  return summarizeRejections(ev.rejected);
});
const listing = await measure('gateway view + full listing (every detail read)', 200, 20, async () => {
  const v = await market.view(job);
  let chars = 0;
  for (const r of v.evaluation.rejected) chars += r.detail.length;
  for (const q of v.evaluation.qualified) chars += q.note?.length ?? 0;
  return chars;
});
console.log(
  `select: baseline/prebuilt-evaluate p50 ratio ${(base.p50 / prebuilt.p50).toFixed(2)}; baseline/gateway-job p50 ratio ${(base.p50 / ours.p50).toFixed(2)}, CPU ratio ${(base.cpuMs / ours.cpuMs).toFixed(2)}; ` +
    `full listing p50 ${listing.p50.toFixed(3)} ms; ${stats.snapshot().refusals.GW_PRICE_TOO_HIGH} price refusals counted`,
);
console.log(JSON.stringify({ metric: 'select', orchestrators: N, p50Ms: round(ours.p50, 3), p99Ms: round(ours.p99, 3), perSec: Math.round(ours.perSec) }));
