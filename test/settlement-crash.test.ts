// Issue 10's crash acceptance with real processes: a `livepeer-ts orchestrator` on the anvil devnet
// takes a stream of paid jobs whose tickets win half the time, and is SIGKILLed at random points
// (and once while a redemption it sent is still unmined), four times, each time restarted on the
// same -dataDir (its SQLite store). Blocks come from the test (automine off, a block every 100 ms),
// so params expire and redemptions are sent, sit in the mempool and are mined while jobs go on.
//
// What the client knows, independently of the orchestrator's own accounts: every ticket it sent
// and whether the payment carrying it got a 200. Which tickets won is recomputed from the
// orchestrator's recipientRand secret in its data dir (checked against each ticket's
// recipientRandHash, so the derivation is the orchestrator's) and the lottery rule written out
// here. After the last, clean stop: every acknowledged winner is used in TicketBroker and
// `redeemed` in the store, each exactly once on chain (one WinningTicketRedeemed per ticket, in
// the transaction the store names), nothing is pending, dropped or expired, and the orchestrator's
// BondingManager fees grew by exactly the face value redeemed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { concat, hexToBigInt, keccak256, toHex, type Address, type Hex } from 'viem';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { bondingManagerAbi, connectChain, startDevnet, ticketBrokerAbi, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { newTicket, recipientRandBytes, ticketHash, type TicketBatch } from '../src/pm/index.js';
import { openStore, storeOptionsFromFlags, type Store } from '../src/store/index.js';
import { encodePaymentHeader, encodeSegmentHeader, paymentToWire } from '../src/wire/index.js';
import { SECRETS_FILE } from '../src/nodes/orchestrator/secrets.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';
import { spawnCli, type CliProcess } from './cli-process.js';

const KILLS = 4;
const WORKERS = 4;
const TICKETS_PER_JOB = 2;
// EV 5e14 on a face value capped at 1e15: each ticket wins with probability 1/2.
const FACE_VALUE = 10n ** 15n;
const EV = FACE_VALUE / 2n;
const BLOCK_MS = 100;

let dev: Devnet;
let chain: ChainAdapters;
let dir: string;
let dataDir: string;
let t2i: ReferenceRunner;
let orch: DevAccount;
let gw: DevAccount;
let mining = false;
let miner: Promise<void> | undefined;
const procs = new Set<CliProcess>();
const stores = new Set<Store>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const json = { 'content-type': 'application/json' };
const body = () => JSON.stringify({ prompt: 'a lighthouse', model_id: t2i.modelId, width: 32, height: 32 });
const rpc = (method: string, params: unknown[]) => dev.publicClient.request({ method, params } as never) as Promise<unknown>;

/** One block every BLOCK_MS while `mining` (bounded: the test stops it; 20 minutes at most). */
function startMining(): void {
  mining = true;
  miner = (async () => {
    for (let i = 0; mining && i < 12_000; i++) {
      await dev.mine(1).catch(() => undefined);
      await sleep(BLOCK_MS);
    }
  })();
}

interface SentTicket {
  hash: Hex;
  batch: TicketBatch;
  index: number;
  acked: boolean;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'settle-crash-'));
  dataDir = join(dir, 'orch');
  // Rounds of 200 blocks (20 s here): a ticket lives two rounds, its params 40 blocks, so a winner
  // left by a kill has well over the restart's time to be redeemed.
  dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 200n, gatewayDeposit: 5n * 10n ** 18n, gatewayReserve: 5n * 10n ** 18n });
  orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
  gw = dev.accounts.find((a) => a.role === 'gateway')!;
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  await rpc('evm_setAutomine', [false]);
  startMining();
});

after(async () => {
  mining = false;
  await miner;
  for (const p of procs) await p.stop('SIGKILL');
  for (const s of stores) await s.close();
  await t2i?.close();
  chain?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startOrch(): Promise<{ p: CliProcess; url: string }> {
  const models = JSON.stringify([{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, price_per_unit: 1, capacity: WORKERS }]);
  const p = spawnCli(
    ['orchestrator', '-serviceAddr', '127.0.0.1:0', '-network', 'devnet', '-ethUrl', dev.rpcUrl, '-ethController', dev.controller, '-dataDir', dataDir, '-aiModels', models,
      '-ticketEV', EV.toString(), '-maxFaceValue', FACE_VALUE.toString(), '-initializeRound', '-v', 'warn'],
    { env: { LIVEPEER_TS_PRIVATE_KEY: orch.privateKey }, timeoutMs: 120_000 },
  );
  procs.add(p);
  try {
    return { p, url: (JSON.parse(await p.firstLine()) as { url: string }).url };
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
}

/** A second handle on the orchestrator's SQLite store (WAL: reads while the process writes). */
async function storeHandle(): Promise<Store> {
  const s = await openStore(storeOptionsFromFlags({ dataDir }));
  stores.add(s);
  return s;
}

const used = (h: Hex) => dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [h] });
const fees = async () => dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orch.address, await dev.currentRound()] });

/**
 * The lottery, written out rather than taken from the code under test: recipientRand is the HMAC
 * the orchestrator derives from its secret (checked against the ticket's recipientRandHash, which
 * the orchestrator committed to), and a ticket wins iff keccak256(sig ‖ recipientRand) < winProb.
 */
function winnerOf(secret: Uint8Array, s: SentTicket): { wins: boolean; recipientRand: bigint } {
  const { params, expirationParams, sender, senderParams } = s.batch;
  const rand32 = recipientRandBytes(secret, {
    seed: params.seed,
    sender,
    faceValue: params.faceValue,
    winProb: params.winProb,
    expirationBlock: params.expirationBlock,
    price: params.price,
    expirationParams,
  });
  assert.equal(keccak256(rand32), params.recipientRandHash.toLowerCase(), 'recipientRand derived as the orchestrator did');
  const sig = senderParams[s.index]!.sig;
  const wins = hexToBigInt(keccak256(concat([toHex(sig), toHex(rand32)]))) < params.winProb;
  return { wins, recipientRand: hexToBigInt(toHex(rand32)) };
}

it('SIGKILLed four times mid-stream: every acknowledged winning ticket is redeemed exactly once, fees grow by exactly their face value', async (t) => {
  const started = Date.now();
  const feesBefore = await fees();
  const fromBlock = await dev.publicClient.getBlockNumber({ cacheTime: 0 });
  const sent: SentTicket[] = [];
  let current: { url: string; epoch: number } | undefined;
  let streaming = true;
  const outcomes: Record<string, number> = {};

  // A worker pays jobs on the current process, opening a new session (GetOrchestrator) for each
  // process and every second (params live 40 blocks = 4 s here), and after any failure.
  const worker = async () => {
    let g: TestGateway | undefined;
    let gEpoch = -1;
    let opened = 0;
    for (let i = 0; streaming && i < 100_000; i++) {
      const cur = current;
      if (!cur) {
        await sleep(50);
        continue;
      }
      try {
        if (!g || gEpoch !== cur.epoch || Date.now() - opened > 1000) {
          g = new TestGateway(gw.privateKey, chain.view, chain.senders, cur.url, 'text-to-image', t2i.modelId);
          gEpoch = cur.epoch;
          await g.refresh();
          opened = Date.now();
        }
        const batch = await g.sender.createTicketBatch(g.sessionId, TICKETS_PER_JOB);
        const mine = batch.senderParams.map((sp, index): SentTicket => ({ hash: ticketHash(newTicket(batch.params, batch.expirationParams, batch.sender, sp.senderNonce)), batch, index, acked: false }));
        sent.push(...mine);
        const r = await h2post(cur.url, '/text-to-image', body(), {
          ...json,
          'livepeer-payment': encodePaymentHeader(paymentToWire(batch, { expectedPrice: g.info.priceInfo })),
          'livepeer-segment': encodeSegmentHeader(await g.segCreds()),
        });
        outcomes[r.status] = (outcomes[r.status] ?? 0) + 1;
        if (r.status === 200) for (const m of mine) m.acked = true;
        else g = undefined;
      } catch {
        outcomes.error = (outcomes.error ?? 0) + 1;
        g = undefined;
        await sleep(50);
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, () => worker());

  const reader = await storeHandle();
  const kills: string[] = [];
  try {
    for (let k = 0; k <= KILLS; k++) {
      const o = await startOrch();
      current = { url: o.url, epoch: k };
      if (k === KILLS) break;
      if (k === 2) {
        // This one dies with a redemption in flight: signed, recorded, broadcast, not yet mined
        // or not yet reconciled (bounded wait; a random point if none shows up).
        const end = Date.now() + 15_000;
        while (Date.now() < end && (await reader.tickets.list('submitted', 1)).length === 0) await sleep(20);
      } else {
        await sleep(1500 + Math.floor(Math.random() * 2500));
      }
      current = undefined;
      assert.equal(await o.p.stop('SIGKILL'), null, 'killed by the signal');
      procs.delete(o.p);
      const totals = await reader.tickets.totals();
      kills.push(`kill ${k + 1}: ${totals.pending.count} pending, ${totals.submitted.count} submitted, ${totals.redeemed.count} redeemed`);
    }
    // The last process runs until every winner it holds is redeemed; the stream stops first.
    streaming = false;
    await Promise.all(workers);
    const end = Date.now() + 45_000;
    for (;;) {
      const tt = await reader.tickets.totals();
      if (tt.pending.count + tt.submitted.count === 0) break;
      if (Date.now() > end) assert.fail(`not drained: ${JSON.stringify(tt, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      await sleep(250);
    }
  } finally {
    streaming = false;
    await Promise.all(workers);
  }
  const last = [...procs][0]!;
  assert.equal(await last.stop('SIGTERM'), 0, last.stderr());
  procs.delete(last);
  t.diagnostic(kills.join('; '));
  t.diagnostic(`payments: ${JSON.stringify(outcomes)}`);

  // Who won, by the client's own reckoning.
  const secret = Uint8Array.from(Buffer.from((JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')) as { recipientRand: string }).recipientRand, 'hex'));
  const byRand = new Map<string, SentTicket>();
  const winners: SentTicket[] = [];
  for (const s of sent) {
    const w = winnerOf(secret, s);
    if (!w.wins) continue;
    winners.push(s);
    byRand.set(`${w.recipientRand}|${s.batch.senderParams[s.index]!.senderNonce}`, s);
  }
  const ackedWinners = winners.filter((s) => s.acked);
  const acked = sent.filter((s) => s.acked).length;
  assert.ok(acked >= 40, `only ${acked} tickets acknowledged`);
  assert.ok(ackedWinners.length >= 10, `only ${ackedWinners.length} acknowledged winners`);

  // None lost: every acknowledged winner is used on chain and redeemed in the store.
  const store = await storeHandle();
  const unused = [];
  for (const s of ackedWinners) if (!(await used(s.hash))) unused.push(s.hash);
  assert.deepEqual(unused, [], 'acknowledged winners not used in TicketBroker');
  const rows = new Map<string, Awaited<ReturnType<Store['tickets']['get']>>>();
  for (const state of ['pending', 'submitted', 'redeemed', 'dropped', 'expired'] as const) {
    for (const r of await store.tickets.list(state, 100_000)) rows.set(r.ticketHash.toLowerCase(), r);
  }
  for (const s of ackedWinners) assert.equal(rows.get(s.hash.toLowerCase())?.state, 'redeemed', `acknowledged winner ${s.hash}`);
  // The store holds winners the client sent and nothing else (a winner in a payment cut by a kill
  // may be there too: committed before the answer that never came).
  const winnerHashes = new Set(winners.map((s) => s.hash.toLowerCase()));
  for (const [h, r] of rows) {
    assert.ok(winnerHashes.has(h), `stored ticket ${h} is not a winner the client sent`);
    assert.equal(r!.state, 'redeemed', `${h}: ${r!.state} ${r!.reasonCode ?? ''} ${r!.reason ?? ''}`);
  }

  // None twice: one WinningTicketRedeemed per ticket, in the transaction the store names, and
  // one `redeemed` line in each ticket's history.
  const logs = await dev.publicClient.getContractEvents({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, eventName: 'WinningTicketRedeemed', args: { recipient: orch.address as Address }, fromBlock, toBlock: 'latest' });
  const seen = new Set<string>();
  let redeemedFace = 0n;
  for (const l of logs) {
    const s = byRand.get(`${l.args.recipientRand}|${l.args.senderNonce}`);
    assert.ok(s, `redeemed a ticket the client did not send or that did not win (nonce ${l.args.senderNonce})`);
    assert.ok(!seen.has(s.hash), `${s.hash} redeemed twice`);
    seen.add(s.hash);
    assert.equal(rows.get(s.hash.toLowerCase())?.txHash?.toLowerCase(), l.transactionHash.toLowerCase(), `${s.hash}: the store names another transaction`);
    redeemedFace += l.args.faceValue!;
  }
  assert.equal(seen.size, rows.size, 'every stored ticket redeemed on chain, once');
  let requeued = 0;
  for (const h of rows.keys()) {
    const hist = await store.tickets.history(h as Hex);
    assert.equal(hist.filter((e) => e.kind === 'redeemed').length, 1, `${h}: ${hist.map((e) => e.kind).join(', ')}`);
    requeued += hist.filter((e) => e.kind === 'requeued').length;
  }
  assert.equal(redeemedFace, FACE_VALUE * BigInt(rows.size));
  assert.equal((await fees()) - feesBefore, redeemedFace, 'BondingManager fees grew by exactly the face value redeemed');
  t.diagnostic(
    `${sent.length} tickets sent, ${acked} acknowledged; ${winners.length} winners (${ackedWinners.length} acknowledged, ${rows.size - ackedWinners.length} more stored from cut payments); ` +
      `${logs.length} redeemed in ${new Set(logs.map((l) => l.transactionHash)).size} txs, ${requeued} requeued after kills; ${Date.now() - started} ms`,
  );
});
