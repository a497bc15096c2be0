// `npm start`: a whole network on 127.0.0.1 — chain, contracts, four orchestrators with different
// stakes and prices, CPU runners, a gateway that finds them on chain — then the gateway's market
// table, a stream of paid text-to-image and llm jobs with a progress display, the jobs each
// orchestrator got, then settlement: wait for the winning tickets' params to expire, redeem them on
// chain, and compare every figure.
import type { Writable } from 'node:stream';
import { initializeRoundIfNeeded } from './rounds.js';
import { runJobs, type JobKind, type JobOutcome, type JobSpec } from './jobs.js';
import { startLocalNetwork, type DemoModel } from './network.js';
import { Progress } from './progress.js';
import { formatSettlement, pendingFeesOf, settle, type Settlement } from './settlement.js';
import { PARAMS_EXPIRATION_BLOCKS } from '../../pm/index.js';
import { DEMO_LIVE, formatLiveSettlement, runLiveDemo } from './live.js';
import { parseEther } from 'viem';
import { formatOrchestratorsTable } from '../gateway/index.js';

export interface DemoOptions {
  jobs?: number;
  concurrency?: number;
  out?: Writable;
  /** Draw the progress line in place (TTY) instead of printing periodic lines. */
  tty?: boolean;
  /** Also run a live video-to-video stream next to the batch jobs (default true). */
  live?: boolean;
}

/**
 * Prices and ticket economics of the demo. Anvil's gas price is ~1 gwei, so a redemption costs
 * ~3.5e14 wei; face value = 10 × that, and the ticket EV is 1/25 of the face value so that a run of
 * a hundred-odd jobs sees a handful of winning tickets (go-livepeer's defaults would make winners
 * ~1 in 4 million, and a demo would show none).
 */
export const DEMO_MODELS: DemoModel[] = [
  { pipeline: 'text-to-image', modelId: 'stabilityai/sdxl-turbo', pricePerUnit: '1000000000' }, // 1 gwei per pixel
  { pipeline: 'llm', modelId: 'meta-llama/llama-3.1-8B-Instruct', pricePerUnit: '3000000000000' }, // 3000 gwei per token
  { pipeline: 'live-video-to-video', modelId: DEMO_LIVE.modelId, pricePerUnit: DEMO_LIVE.weiPerSecond.toString() }, // wei per second
];
export const DEMO_ORCHESTRATOR = { ticketEV: 140_000_000_000_000n, txCostMultiplier: 10n, livePaymentInterval: DEMO_LIVE.paymentInterval };
export const DEMO_GATEWAY = { maxTicketEV: '200000000000000', maxTotalEV: '20000000000000000', maxPricePerUnit: '0', livePaymentInterval: DEMO_LIVE.paymentInterval };
/**
 * Four orchestrators: stakes 1:2:3:4 (thousands of LPT) and prices 100 %, 80 %, 120 %, 90 % of the
 * models' prices. With go-livepeer's default weights (stake 0.7, price 0, random 0.3) orchestrator i
 * gets about 0.7·i/10 + 0.3/4 of the jobs: 14.5 %, 21.5 %, 28.5 %, 35.5 %.
 */
export const DEMO_STAKES = [1000n, 2000n, 3000n, 4000n].map((lpt) => parseEther(String(lpt)));
export const DEMO_PRICE_PERCENT = [100, 80, 120, 90];

export function demoJobs(n: number): JobSpec[] {
  const kinds: JobKind[] = ['text-to-image', 'llm'];
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % 2]!;
    const model = DEMO_MODELS.find((m) => m.pipeline === kind)!;
    return { kind, index: i, modelId: model.modelId };
  });
}

export async function runDemo(opts: DemoOptions = {}): Promise<{ ok: boolean; settlement: Settlement }> {
  const out = opts.out ?? process.stdout;
  const say = (l: string) => out.write(`${l}\n`);
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  say('livepeer-ts demo: a whole Livepeer network on 127.0.0.1 (nothing leaves this machine)');
  const net = await startLocalNetwork({
    models: DEMO_MODELS,
    orchestrators: DEMO_STAKES.length,
    stakes: DEMO_STAKES,
    pricePercent: DEMO_PRICE_PERCENT,
    discovery: 'chain',
    orchestrator: DEMO_ORCHESTRATOR,
    gateway: DEMO_GATEWAY,
    log: (l) => say(`[${elapsed()}] ${l}`),
  });
  try {
    const { devnet, gateway, orchestrators } = net;
    const feesBefore = await pendingFeesOf(devnet, orchestrators.map((o) => o.address!));
    say(`[${elapsed()}] the gateway's market (GET /orchestrators; also: livepeer-ts gateway orchestrators -httpAddr … -pipeline …):`);
    // The market table is the batch pipelines' (a live stream's orchestrator is in its status).
    for (const m of DEMO_MODELS.filter((x) => x.pipeline !== 'live-video-to-video')) {
      say('');
      for (const line of formatOrchestratorsTable(await gateway.orchestrators(m.pipeline, m.modelId)).split('\n')) say(`  ${line}`);
    }
    say('');
    const specs = demoJobs(opts.jobs ?? 120);
    say(`[${elapsed()}] sending ${specs.length} paid jobs (text-to-image and llm) through the gateway …`);
    const live = opts.live ?? true;
    if (live) say(`[${elapsed()}] and a ${DEMO_LIVE.seconds} s live stream (generated video → CPU live runner, ${JSON.stringify(DEMO_LIVE.params)}), paid per second …`);
    const liveRun = live ? runLiveDemo(gateway.url, (l) => say(`[${elapsed()}] ${l}`)) : undefined;
    const progress = new Progress(out, specs.length, opts.tty ?? false, () => gateway.stats());
    const outcomes: JobOutcome[] = await runJobs(gateway.url, specs, opts.concurrency ?? 4, (o) => progress.done(o));
    progress.finish();
    const liveResult = await liveRun;
    const failed = outcomes.filter((o) => !o.ok);
    for (const f of failed.slice(0, 5)) say(`  job ${f.spec.index} (${f.spec.kind}) failed: ${f.status} ${JSON.stringify(f.body).slice(0, 200)}`);
    const perOrch = gateway.stats().orchestrators;
    const total = orchestrators.reduce((a, o) => a + (perOrch[o.url]?.ok ?? 0), 0);
    say(`[${elapsed()}] jobs per orchestrator (stake-weighted draw):`);
    orchestrators.forEach((o, i) => {
      const ok = perOrch[o.url]?.ok ?? 0;
      const share = total > 0 ? ((100 * ok) / total).toFixed(1) : '0';
      say(`  ${o.url}  ${o.address}  stake ${DEMO_STAKES[i]! / 10n ** 18n} LPT, price ${DEMO_PRICE_PERCENT[i]} %: ${ok} jobs (${share} %)`);
    });

    // Winning tickets are redeemed only once their params expire (so the gateway can no longer use
    // the revealed recipientRand); on a local chain we mine those blocks instead of waiting.
    const pending = (await Promise.all(orchestrators.map((o) => o.pendingRedemptions()))).flat();
    say(`[${elapsed()}] ${pending.length} winning ticket(s) waiting for their params to expire; mining ${PARAMS_EXPIRATION_BLOCKS + 1n} blocks …`);
    await devnet.mine(PARAMS_EXPIRATION_BLOCKS + 1n);
    await initializeRoundIfNeeded(devnet);
    for (const o of orchestrators) await o.flushRedemptions();
    const s = await settle(devnet, gateway, orchestrators, feesBefore, liveResult ? { sentEV: liveResult.sentEV, pricePerPixel: liveResult.pricePerPixel } : undefined);
    say('');
    say(formatSettlement(s));
    if (liveResult) {
      say('');
      say(formatLiveSettlement(liveResult));
    }
    const ok = s.checks.every((c) => c.ok) && s.jobsOk > 0 && failed.length === 0 && (liveResult?.ok ?? true);
    say('');
    say(ok ? `done in ${elapsed()}: every check holds.` : `done in ${elapsed()}: SOME CHECKS FAILED (see above).`);
    return { ok, settlement: s };
  } finally {
    await net.close();
  }
}
