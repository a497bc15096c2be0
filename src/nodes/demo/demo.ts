// `npm start`: a whole network on 127.0.0.1 — chain, contracts, orchestrator, CPU runners, gateway —
// then a stream of paid text-to-image and llm jobs with a progress display, then settlement: wait for
// the winning tickets' params to expire, redeem them on chain, and compare every figure.
import type { Writable } from 'node:stream';
import { initializeRoundIfNeeded } from './rounds.js';
import { runJobs, type JobKind, type JobOutcome, type JobSpec } from './jobs.js';
import { startLocalNetwork, type DemoModel } from './network.js';
import { Progress } from './progress.js';
import { formatSettlement, pendingFeesOf, settle, type Settlement } from './settlement.js';
import { PARAMS_EXPIRATION_BLOCKS } from '../../pm/index.js';

export interface DemoOptions {
  jobs?: number;
  concurrency?: number;
  out?: Writable;
  /** Draw the progress line in place (TTY) instead of printing periodic lines. */
  tty?: boolean;
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
];
export const DEMO_ORCHESTRATOR = { ticketEV: 140_000_000_000_000n, txCostMultiplier: 10n };
export const DEMO_GATEWAY = { maxTicketEV: '200000000000000', maxTotalEV: '20000000000000000', maxPricePerUnit: '0' };

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
    orchestrator: DEMO_ORCHESTRATOR,
    gateway: DEMO_GATEWAY,
    log: (l) => say(`[${elapsed()}] ${l}`),
  });
  try {
    const { devnet, gateway, orchestrators } = net;
    const feesBefore = await pendingFeesOf(devnet, orchestrators.map((o) => o.address!));
    const specs = demoJobs(opts.jobs ?? 120);
    say(`[${elapsed()}] sending ${specs.length} paid jobs (text-to-image and llm) through the gateway …`);
    const progress = new Progress(out, specs.length, opts.tty ?? false, () => gateway.stats());
    const outcomes: JobOutcome[] = await runJobs(gateway.url, specs, opts.concurrency ?? 4, (o) => progress.done(o));
    progress.finish();
    const failed = outcomes.filter((o) => !o.ok);
    for (const f of failed.slice(0, 5)) say(`  job ${f.spec.index} (${f.spec.kind}) failed: ${f.status} ${JSON.stringify(f.body).slice(0, 200)}`);

    // Winning tickets are redeemed only once their params expire (so the gateway can no longer use
    // the revealed recipientRand); on a local chain we mine those blocks instead of waiting.
    const pending = orchestrators.flatMap((o) => o.pendingRedemptions());
    say(`[${elapsed()}] ${pending.length} winning ticket(s) waiting for their params to expire; mining ${PARAMS_EXPIRATION_BLOCKS + 1n} blocks …`);
    await devnet.mine(PARAMS_EXPIRATION_BLOCKS + 1n);
    await initializeRoundIfNeeded(devnet);
    for (const o of orchestrators) await o.flushRedemptions();
    const s = await settle(devnet, gateway, orchestrators, feesBefore);
    say('');
    say(formatSettlement(s));
    const ok = s.checks.every((c) => c.ok) && s.jobsOk > 0 && failed.length === 0;
    say('');
    say(ok ? `done in ${elapsed()}: every check holds.` : `done in ${elapsed()}: SOME CHECKS FAILED (see above).`);
    return { ok, settlement: s };
  } finally {
    await net.close();
  }
}
