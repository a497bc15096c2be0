// Settlement under load (issue 10's throughput acceptance), shared by `npm run bench:settle` and its
// short version in test/settlement-load.test.ts. On an anvil devnet with automine off and a block
// every `blockMs` (the chain's pace, as on Arbitrum), short rounds and an orchestrator that
// initialises them: `concurrency` clients send minimal llm jobs (max_tokens 1, priced at one
// ticket's EV, so about one ticket a job) through a real gateway (in this process) to a real
// `livepeer-ts orchestrator` child process, whose tickets win 1 in `winEvery`. After `durationMs`
// the jobs stop and the chain runs on until the orchestrator's store holds no open ticket (bounded).
//
// Every figure is read from outside the orchestrator: its SQLite store through a second handle
// (winners and their final states), TicketBroker's WinningTicketRedeemed logs and the receipts of
// the transactions that carry them (redeemed, batch sizes, gas), BondingManager's pendingFees.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { startReferenceRunner, type ReferenceRunner } from '../../src/ai/index.js';
import { bondingManagerAbi, roundsManagerAbi, startDevnet, ticketBrokerAbi, type Devnet } from '../../src/eth/index.js';
import { openStore, storeOptionsFromFlags, type Store, type StoredTicket, type TicketState } from '../../src/store/index.js';
import { startGateway, type GatewayHandle } from '../../src/nodes/gateway/index.js';
import { spawnCli, type CliProcess } from '../../test/cli-process.js';
import { round } from './stats.js';

export interface SettleLoadOptions {
  concurrency: number;
  durationMs: number;
  /** One ticket in this many wins (default 25). */
  winEvery?: number;
  /** A block every this many ms (default 250, Arbitrum's pace). */
  blockMs?: number;
  /** Blocks per round (default 100; a ticket lives ticketValidityPeriod = 2 rounds, its params 40 blocks). */
  roundLength?: bigint;
  /** Ticket face value, wei (the orchestrator's -maxFaceValue; default 1e15). */
  faceValue?: bigint;
  /** Extra orchestrator flags (e.g. -redeemBatchSize 1). */
  orchestratorFlags?: string[];
  log?: (line: string) => void;
}

export interface SettleLoadResult {
  concurrency: number;
  durationMs: number;
  blockMs: number;
  roundLength: number;
  jobs: { ok: number; failed: number; perSec: number };
  ticketsSent: number;
  /** Winning tickets the orchestrator stored. */
  winners: number;
  /** In the store, by final state; `open` = still pending or submitted when the drain gave up. */
  redeemed: number;
  expired: number;
  dropped: number;
  open: number;
  /** Why tickets expired or were dropped (reason code → count). */
  lost: Record<string, number>;
  /** Tickets sent back to `pending` after a transaction carried them (reason code → count): reverts, drops. */
  requeued: Record<string, number>;
  /** WinningTicketRedeemed logs for the orchestrator, and the transactions that carry them. */
  redeemedOnChain: number;
  txs: number;
  /** Tickets redeemed (and transactions mined) per second, from the first redemption's block to the last's. */
  ticketsPerSec: number;
  txPerSec: number;
  /** Winners stored per second of load. */
  winnersPerSec: number;
  gasPerTicket: number;
  gasPerTx: number;
  batch: { min: number; median: number; max: number; mean: number };
  /** Blocks from a ticket's params expiry (the first block it may be redeemed in) to its redemption. */
  delayBlocks: { median: number; max: number };
  /** Fewest blocks any redeemed ticket had left before it would have expired. */
  minMarginBlocks: number;
  /** From the end of the load until nothing was open. */
  drainMs: number;
  /** Round boundaries the run crossed (each initialised by the orchestrator, -initializeRound). */
  rounds: number;
  /** BondingManager fees grew by exactly the face value redeemed. */
  feesMatch: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number): number => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
};

export async function runSettleLoad(o: SettleLoadOptions): Promise<SettleLoadResult> {
  const log = o.log ?? (() => {});
  const winEvery = BigInt(o.winEvery ?? 25);
  const blockMs = o.blockMs ?? 250;
  const roundLength = o.roundLength ?? 100n;
  const faceValue = o.faceValue ?? 10n ** 15n;
  const ev = faceValue / winEvery;
  const dir = mkdtempSync(join(os.tmpdir(), 'settle-load-'));
  const dataDir = join(dir, 'orch');
  const closers: (() => Promise<unknown>)[] = [];
  let mining = false;
  let miner: Promise<void> | undefined;
  let dev: Devnet | undefined;
  try {
    // Deposit and reserve far above what the run can win: funds are not what is measured.
    dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength, gatewayDeposit: 100n * 10n ** 18n, gatewayReserve: 100n * 10n ** 18n });
    const d = dev;
    const orchAccount = d.accounts.find((a) => a.role === 'orchestrator')!;
    const gwAccount = d.accounts.find((a) => a.role === 'gateway')!;
    const runner: ReferenceRunner = await startReferenceRunner({ pipeline: 'llm', modelId: 'settle-llm' });
    closers.push(() => runner.close());

    // The chain's clock: automine off, one block every blockMs (bounded by an hour of blocks).
    await d.publicClient.request({ method: 'evm_setAutomine', params: [false] } as never);
    const startBlock = await d.publicClient.getBlockNumber({ cacheTime: 0 });
    const blockAt = new Map<bigint, number>([[startBlock, performance.now()]]);
    let head = startBlock;
    mining = true;
    miner = (async () => {
      const limit = Math.ceil(3_600_000 / blockMs);
      for (let i = 0; mining && i < limit; i++) {
        const t0 = performance.now();
        try {
          await d.mine(1);
          head++;
          blockAt.set(head, performance.now());
        } catch {
          // a busy node: the next tick mines
        }
        await sleep(Math.max(0, blockMs - (performance.now() - t0)));
      }
    })();

    const models = JSON.stringify([{ pipeline: 'llm', model_id: runner.modelId, url: runner.url, price_per_unit: Number(ev), pixels_per_unit: 1, warm: true, capacity: o.concurrency * 2 }]);
    const orch: CliProcess = spawnCli(
      ['orchestrator', '-serviceAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', d.rpcUrl, '-ethController', d.controller, '-dataDir', dataDir, '-aiModels', models,
        '-ticketEV', ev.toString(), '-maxFaceValue', faceValue.toString(), '-initializeRound', '-v', 'warn', ...(o.orchestratorFlags ?? [])],
      { env: { LIVEPEER_TS_PRIVATE_KEY: orchAccount.privateKey }, timeoutMs: 3_600_000 },
    );
    closers.unshift(() => orch.stop('SIGKILL'));
    const orchUrl = (JSON.parse(await orch.firstLine()) as { url: string }).url;
    const gw: GatewayHandle = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: orchUrl,
      ethUrl: d.rpcUrl,
      ethController: d.controller,
      ethPrivateKey: gwAccount.privateKey,
      dataDir: join(dir, 'gateway'),
      maxTicketEV: (ev * 2n).toString(),
      maxTotalEV: (ev * BigInt(o.concurrency) * 4n).toString(),
      chainPollMs: Math.max(50, Math.min(500, blockMs)),
      logLevel: 'silent',
    });
    closers.unshift(() => gw.close());
    const store: Store = await openStore(storeOptionsFromFlags({ dataDir }));
    closers.unshift(() => store.close());
    const fees = async () =>
      d.publicClient.readContract({ address: d.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orchAccount.address, await d.currentRound()] });
    const feesBefore = await fees();
    const roundBefore = await d.currentRound();
    log(`devnet: a block every ${blockMs} ms, rounds of ${roundLength} blocks; tickets win 1 in ${winEvery} (face value ${faceValue} wei); ${o.concurrency} concurrent jobs for ${o.durationMs} ms`);

    // The load.
    const body = JSON.stringify({ model: runner.modelId, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 });
    const jobs = { ok: 0, failed: 0 };
    const failures = new Map<string, number>();
    const t0 = performance.now();
    const deadline = t0 + o.durationMs;
    const beforeStats = gw.stats();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (performance.now() < deadline) {
          try {
            const res = await fetch(`${gw.url}/llm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            const text = await res.text();
            if (res.status === 200) jobs.ok++;
            else {
              jobs.failed++;
              const k = `${res.status} ${text.slice(0, 80)}`;
              failures.set(k, (failures.get(k) ?? 0) + 1);
            }
          } catch (err) {
            jobs.failed++;
            const k = (err as Error).message.slice(0, 80);
            failures.set(k, (failures.get(k) ?? 0) + 1);
          }
        }
      }),
    );
    const loadMs = performance.now() - t0;
    const ticketsSent = gw.stats().tickets.sent - beforeStats.tickets.sent;
    const loadEnd = await store.tickets.totals();
    log(`load: ${jobs.ok} jobs ok, ${jobs.failed} failed in ${Math.round(loadMs)} ms; ${ticketsSent} tickets sent; ${openOf(loadEnd)} winners open, ${loadEnd.redeemed.count} redeemed so far`);
    for (const [k, n] of failures) log(`  failed ×${n}: ${k}`);

    // The drain: params of the last tickets expire 40 blocks on; then at most two rounds more.
    const drainStart = performance.now();
    const drainBound = (40 + 2 * Number(roundLength) + 40) * blockMs + 30_000;
    let totals = loadEnd;
    while (openOf(totals) > 0 && performance.now() - drainStart < drainBound) {
      await sleep(250);
      totals = await store.tickets.totals();
    }
    const drainMs = performance.now() - drainStart;
    await gw.close();
    const stopCode = await orch.stop('SIGTERM');
    if (stopCode !== 0) log(`orchestrator exited with ${stopCode}: ${orch.stderr().slice(-2000)}`);
    mining = false;
    await miner;

    // What happened, from the store and the chain.
    const rows: StoredTicket[] = [];
    for (const s of ['pending', 'submitted', 'redeemed', 'dropped', 'expired'] as TicketState[]) rows.push(...(await store.tickets.list(s, 1_000_000)));
    const byState = (s: TicketState) => rows.filter((r) => r.state === s).length;
    const lost: Record<string, number> = {};
    for (const r of rows) if (r.state === 'expired' || r.state === 'dropped') lost[r.reasonCode ?? '?'] = (lost[r.reasonCode ?? '?'] ?? 0) + 1;
    const requeued: Record<string, number> = {};
    for (const r of rows) for (const e of await store.tickets.history(r.ticketHash)) if (e.kind === 'requeued') requeued[e.code ?? '?'] = (requeued[e.code ?? '?'] ?? 0) + 1;
    const logs = await d.publicClient.getContractEvents({ address: d.contracts.TicketBroker, abi: ticketBrokerAbi, eventName: 'WinningTicketRedeemed', args: { recipient: orchAccount.address }, fromBlock: startBlock, toBlock: 'latest' });
    const perTx = new Map<Hex, { block: bigint; n: number; face: bigint }>();
    for (const l of logs) {
      const e = perTx.get(l.transactionHash) ?? { block: l.blockNumber, n: 0, face: 0n };
      e.n++;
      e.face += l.args.faceValue!;
      perTx.set(l.transactionHash, e);
    }
    let gas = 0n;
    for (const h of perTx.keys()) gas += (await d.publicClient.getTransactionReceipt({ hash: h })).gasUsed;
    const face = [...perTx.values()].reduce((a, e) => a + e.face, 0n);
    const feesMatch = (await fees()) - feesBefore === face;
    const sizes = [...perTx.values()].map((e) => e.n);
    const blocks = [...perTx.values()].map((e) => e.block);
    const first = blocks.length ? blocks.reduce((a, b) => (b < a ? b : a)) : 0n;
    const last = blocks.length ? blocks.reduce((a, b) => (b > a ? b : a)) : 0n;
    const spanSec = Math.max(blockMs, (blockAt.get(last) ?? 0) - (blockAt.get(first) ?? 0)) / 1000;

    // Per redeemed ticket: how long after its params expired, and how close to its own expiry.
    const [curRound, curStart, validity] = await Promise.all([
      d.publicClient.readContract({ address: d.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'currentRound' }),
      d.publicClient.readContract({ address: d.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'currentRoundStartBlock' }),
      d.publicClient.readContract({ address: d.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'ticketValidityPeriod' }),
    ]);
    const txBlock = new Map([...perTx].map(([h, e]) => [h.toLowerCase(), e.block]));
    const delays: number[] = [];
    const margins: number[] = [];
    for (const r of rows) {
      const b = r.state === 'redeemed' && r.txHash ? txBlock.get(r.txHash.toLowerCase()) : undefined;
      if (b === undefined) continue;
      const t = r.ticket.ticket;
      delays.push(Number(b - t.paramsExpirationBlock));
      // Redeemable while mined before the first block of round creationRound + validity.
      const endStart = curStart - (curRound - (t.creationRound + validity)) * roundLength;
      margins.push(Number(endStart - 1n - b));
    }
    return {
      concurrency: o.concurrency,
      durationMs: o.durationMs,
      blockMs,
      roundLength: Number(roundLength),
      jobs: { ...jobs, perSec: round((jobs.ok * 1000) / loadMs, 1) },
      ticketsSent,
      winners: rows.length,
      redeemed: byState('redeemed'),
      expired: byState('expired'),
      dropped: byState('dropped'),
      open: byState('pending') + byState('submitted'),
      lost,
      requeued,
      redeemedOnChain: logs.length,
      txs: perTx.size,
      ticketsPerSec: round(logs.length / spanSec, 2),
      txPerSec: round(perTx.size / spanSec, 2),
      winnersPerSec: round((rows.length * 1000) / loadMs, 2),
      gasPerTicket: logs.length ? Math.round(Number(gas) / logs.length) : 0,
      gasPerTx: perTx.size ? Math.round(Number(gas) / perTx.size) : 0,
      batch: { min: sizes.length ? Math.min(...sizes) : 0, median: quantile(sizes, 0.5), max: sizes.length ? Math.max(...sizes) : 0, mean: sizes.length ? round(logs.length / sizes.length, 2) : 0 },
      delayBlocks: { median: quantile(delays, 0.5), max: delays.length ? Math.max(...delays) : 0 },
      minMarginBlocks: margins.length ? Math.min(...margins) : 0,
      drainMs: Math.round(drainMs),
      rounds: Number(curRound - roundBefore),
      feesMatch,
    };
  } finally {
    mining = false;
    await miner;
    for (const c of closers) await c().catch(() => {});
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function openOf(t: Record<TicketState, { count: number }>): number {
  return t.pending.count + t.submitted.count;
}
