// npm run bench:select — selection over a discovery cache of 10,000 orchestrators: per job, the
// gates, the exact max-price filter, warm/cold tiers, go-livepeer's probabilities, one weighted
// draw and the rejection counts by reason, from the rejected list (built, as the gateway's job loop
// reads it every pick; the details stay lazy). Also measured, not in the JSON: the same with the price weight on, and
// a full listing (both lists built, every detail and note read), as GET /orchestrators does.
// Baseline in the same run: a straightforward version of the same work (exact Rat comparison for
// every price, every rejection's detail formatted eagerly), as the ratio the design buys.
// Progress lines first; the last line is one JSON object.
import os from 'node:os';
import { Rat, formatRatWei } from '../src/money/index.js';
import { DEFAULT_SELECTION_WEIGHTS, REJECT_REASONS, draw, evaluate, summarizeRejections, type Candidate, type SelectionWeights } from '../src/market/index.js';
import { seededRng } from '../src/market/selection/testkit.js';
import { round } from './lib/stats.js';

const N = 10_000;
const ITER = 2_000;
const WARMUP = 300;
const rng = seededRng(7);

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
      // wei per pixel with mixed denominators, around the max
      ...(priced ? { price: Rat.of(BigInt(Math.floor(rng() * 9_000_000)), BigInt(1 + Math.floor(rng() * 4))) } : {}),
      latencyMs: 5 + Math.floor(rng() * 400),
      warm: rng() < 0.7,
      gates,
    });
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(name: string, fn: () => unknown): { p50: number; p99: number; perSec: number } {
  for (let i = 0; i < WARMUP; i++) fn();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ITER; i++) {
    const u = process.cpuUsage();
    const s = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
    const du = process.cpuUsage(u);
    cpuTimes.push((du.user + du.system) / 1000);
  }
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  times.sort((a, b) => a - b);
  const r = { p50: percentile(times, 50), p99: percentile(times, 99), perSec: (ITER * 1000) / totalMs };
  // CPU time per selection (this process, all threads incl. GC): what the work costs on an idle core,
  // whatever the machine's load does to the wall-clock percentiles.
  const cpuMs = (cpu.user + cpu.system) / 1000 / ITER;
  cpuTimes.sort((a, b) => a - b);
  console.log(
    `select: ${name}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, min ${times[0]!.toFixed(3)} ms, ${Math.round(r.perSec)} selections/s; ` +
      `CPU ${cpuMs.toFixed(3)} ms each (p50 ${percentile(cpuTimes, 50).toFixed(3)}, p99 ${percentile(cpuTimes, 99).toFixed(3)}), load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  return r;
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
const weights = DEFAULT_SELECTION_WEIGHTS;
const e = evaluate(cands, { maxPrice }, weights);
const counts = summarizeRejections(e.rejected).counts;
console.log(`select: ${N} orchestrators: ${e.qualified.filter((q) => q.probability > 0).length} drawing, ${e.qualified.filter((q) => q.standby).length} in reserve, rejected ${JSON.stringify(counts)}`);

const base = measure('baseline (exact compares, eager details)', () => naive(cands, maxPrice, weights));
const ours = measure('evaluate + draw + reasons', () => {
  const ev = evaluate(cands, { maxPrice }, weights);
  draw(ev, rng);
  return summarizeRejections(ev.rejected);
});
const withPrice = measure('… with price weight 0.2 (exp per candidate)', () => {
  const ev = evaluate(cands, { maxPrice }, { ...weights, stakeWeight: 0.5, priceWeight: 0.2, priceExpFactor: 1e6 });
  return draw(ev, rng);
});
const listing = measure('evaluate + full listing (every detail read)', () => {
  const ev = evaluate(cands, { maxPrice }, weights);
  let chars = 0;
  for (const r of ev.rejected) chars += r.detail.length;
  for (const q of ev.qualified) chars += q.note?.length ?? 0;
  return chars;
});
console.log(`select: baseline/ours p50 ratio ${(base.p50 / ours.p50).toFixed(2)}; with price weight p99 ${withPrice.p99.toFixed(3)} ms; full listing p50 ${listing.p50.toFixed(3)} ms`);
console.log(JSON.stringify({ metric: 'select', orchestrators: N, p50Ms: round(ours.p50, 3), p99Ms: round(ours.p99, 3), perSec: Math.round(ours.perSec) }));
