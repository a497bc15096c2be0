// `npm run bench:settle [-- --concurrency 64 --duration 60 --winEvery 25 --blockMs 250 --roundLength 100]`:
// issue 10's throughput acceptance — paid llm jobs through a real gateway and a real
// `livepeer-ts orchestrator` process on the anvil devnet (short rounds, a block every blockMs),
// tickets winning 1 in winEvery; then the queue drains. Reports winners, redeemed, expired (the
// acceptance wants 0), the redemption rate, gas per ticket from the receipts and the batch sizes
// (bench/lib/settle-load.ts says how each is measured). Extra orchestrator flags after `--orch`,
// e.g. `-- --orch -redeemBatchSize 1`. `--compare 1` runs the same load a second time with
// redemption made serial (-redeemBatchSize 1 -redeemMaxInFlight 1: one ticket per transaction,
// each mined before the next is sent, as before the queue) and reports both, with the ratios.
// The last stdout line is one JSON object.
import os from 'node:os';
import { runSettleLoad, type SettleLoadResult } from './lib/settle-load.js';
import { round } from './lib/stats.js';

const log = (s: string) => console.error(`[bench:settle] ${s}`);

function args(argv: string[]): { opts: Record<string, string>; orch: string[] } {
  const at = argv.indexOf('--orch');
  const own = at < 0 ? argv : argv.slice(0, at);
  const orch = at < 0 ? [] : argv.slice(at + 1);
  const opts: Record<string, string> = {};
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), own[++i]];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    opts[k!] = v;
  }
  return { opts, orch };
}

function positive(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

async function main(): Promise<void> {
  const { opts, orch } = args(process.argv.slice(2));
  const known = new Set(['concurrency', 'duration', 'winEvery', 'blockMs', 'roundLength', 'compare']);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown flag --${k} (known: ${[...known].join(', ')}, --orch …)`);
  const concurrency = Math.floor(positive(opts.concurrency, 64, 'concurrency'));
  const durationMs = Math.round(positive(opts.duration, 60, 'duration') * 1000);
  const winEvery = Math.floor(positive(opts.winEvery, 25, 'winEvery'));
  const blockMs = Math.round(positive(opts.blockMs, 250, 'blockMs'));
  const roundLength = BigInt(Math.floor(positive(opts.roundLength, 100, 'roundLength')));
  log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu?'}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const report = (name: string, r: SettleLoadResult) => {
    log(`${name} — jobs: ${r.jobs.ok} ok (${r.jobs.perSec}/s), ${r.jobs.failed} failed; ${r.ticketsSent} tickets sent; ${r.rounds} round boundaries crossed`);
    log(`${name} — winners ${r.winners} (${r.winnersPerSec}/s): redeemed ${r.redeemed}, expired ${r.expired}, dropped ${r.dropped}, open ${r.open}${Object.keys(r.lost).length ? ` — ${JSON.stringify(r.lost)}` : ''}; requeued ${JSON.stringify(r.requeued)}`);
    log(`${name} — on chain: ${r.redeemedOnChain} tickets in ${r.txs} txs — ${r.ticketsPerSec} tickets/s, ${r.txPerSec} tx/s; batch min ${r.batch.min} / median ${r.batch.median} / max ${r.batch.max} (mean ${r.batch.mean})`);
    log(`${name} — gas: ${r.gasPerTicket} per ticket, ${r.gasPerTx} per tx; delay after params expiry ${r.delayBlocks.median} blocks median, ${r.delayBlocks.max} max; least margin to expiry ${r.minMarginBlocks} blocks; drained in ${r.drainMs} ms; fees match: ${r.feesMatch}`);
  };
  const base = { concurrency, durationMs, winEvery, blockMs, roundLength, log };
  const r = await runSettleLoad({ ...base, orchestratorFlags: orch });
  report('queue', r);
  let serial: SettleLoadResult | undefined;
  if (opts.compare !== undefined && opts.compare !== '0') {
    serial = await runSettleLoad({ ...base, orchestratorFlags: [...orch, '-redeemBatchSize', '1', '-redeemMaxInFlight', '1'] });
    report('serial', serial);
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 2) : null);
    log(`queue / serial: redeemed share ${ratio(r.redeemed / Math.max(1, r.winners), serial.redeemed / Math.max(1, serial.winners))}, gas per ticket ${ratio(r.gasPerTicket, serial.gasPerTicket)}`);
  }
  console.log(JSON.stringify({ metric: 'settle', ...r, winEvery, ...(serial ? { serial } : {}) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
