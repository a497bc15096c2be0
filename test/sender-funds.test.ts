// The sender monitor end to end, with real nodes on the devnet: our gateway pays our orchestrator
// with tickets that (almost) always win, so each paid job leaves a winner waiting for redemption
// (the devnet mines no blocks, so its params never expire). The gateway's deposit is 3 face values
// and its reserve 2: after two winners the deposit is under 3× the pending face value, its reserve
// share less the pending is 0, and the third job's tickets are refused — 402 with
// Livepeer-Error-Code INSUFFICIENT_SENDER_FUNDS, reason RESERVE_EXHAUSTED — and the gateway's client
// gets 402 GW_SENDER_FUNDS naming the reserve, without the orchestrator being suspended. Topping the
// reserve up reopens the sender as soon as the orchestrator's watcher has processed that block.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, ticketBrokerAbi, type DevAccount, type Devnet } from '../src/eth/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startOrchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';
import { priceInfoFromWire, ticketParamsFromWire } from '../src/wire/index.js';

type Orch = Awaited<ReturnType<typeof startOrchestrator>>;

const F = 1_000_000_000_000n; // face value, wei (-maxFaceValue)
const EV = F - 1n; // winProb ≈ 1 − 1e-12: every ticket wins
// 64 × 64 pixels at this price is 0.9 EV: one ticket per job.
const PRICE = 219_726_562n;

let dev: Devnet;
let runner: ReferenceRunner;
let orch: Orch;
let gw: GatewayHandle;
let gwAcct: DevAccount;
let dataDir: string;

before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1, gatewayDeposit: 3n * F, gatewayReserve: 2n * F });
  gwAcct = dev.accounts.find((a) => a.role === 'gateway')!;
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  dataDir = mkdtempSync(join(tmpdir(), 'lpts-sender-funds-'));
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    dataDir,
    aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: runner.modelId, price_per_unit: Number(PRICE), pixels_per_unit: 1, warm: true, url: runner.url, capacity: 4 }]),
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
    ticketEV: EV,
    maxFaceValue: F,
    // A redemption cost far below the face value, whatever anvil's gas price.
    redeemGas: 1n,
    pollMs: 50,
    logLevel: 'silent',
  });
  gw = await startGateway({ httpAddr: '127.0.0.1:0', orchAddr: orch.url, ethUrl: dev.rpcUrl, ethController: dev.controller, ethPrivateKey: gwAcct.privateKey, logLevel: 'silent' });
});

after(async () => {
  await gw?.close();
  await orch?.close();
  await runner?.close();
  await dev?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const job = (i: number) =>
  fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `job ${i}`, width: 64, height: 64 }) });

const pendingFaceValue = async () => (await orch.pendingRedemptions()).reduce((s, r) => s + r.faceValue, 0n);

describe('sender monitor (devnet, real nodes)', () => {
  it('refuses a sender whose reserve allocation is exhausted with INSUFFICIENT_SENDER_FUNDS / RESERVE_EXHAUSTED; a top-up reopens it at once', async () => {
    // A second, direct client on a session opened while the sender was still covered.
    const direct = new TestGateway(gwAcct.privateKey, orch.chain!.view, orch.chain!.senders, orch.url, 'text-to-image', runner.modelId);
    await direct.refresh();
    assert.equal(ticketParamsFromWire(direct.info.ticketParams!, priceInfoFromWire(direct.info.priceInfo!)).faceValue, F);

    for (let i = 0; i < 2; i++) {
      const r = await job(i);
      assert.equal(r.status, 200, await r.text());
    }
    assert.equal(await pendingFaceValue(), 2n * F, 'two winners wait for redemption');

    // Deposit 3F < 3 × pending 2F: the reserve share (2F, one orchestrator) less the pending is 0.
    const refused = await job(2);
    assert.equal(refused.status, 402);
    const body = (await refused.json()) as { error: { message: string; code: string; reason: string } };
    assert.equal(body.error.code, 'GW_SENDER_FUNDS');
    assert.equal(body.error.reason, 'RESERVE_EXHAUSTED');
    assert.match(body.error.message, /reserve/);
    assert.match(body.error.message, /fund-reserve/);
    assert.equal(orch.stats().refusals.INSUFFICIENT_SENDER_FUNDS, 1);
    assert.equal(gw.stats().refusals.GW_ORCH_SENDER_FUNDS, 1);
    assert.equal(await pendingFaceValue(), 2n * F, 'the refused tickets were not taken');

    // On the wire: the orchestrator's own answer to tickets it cannot count on.
    const wire = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'direct', width: 64, height: 64 }), { 'content-type': 'application/json', ...(await direct.headers(1)) });
    assert.equal(wire.status, 402);
    assert.equal(wire.headers['livepeer-error-code'], 'INSUFFICIENT_SENDER_FUNDS');
    assert.equal(wire.headers['livepeer-error-reason'], 'RESERVE_EXHAUSTED');
    assert.match(wire.text, /reserve share .* below the ticket face value/);

    // Fresh params are refused too (the share cannot carry one ticket): still 402, naming the reserve.
    const again = await job(3);
    assert.equal(again.status, 402);
    const againBody = (await again.json()) as { error: { code: string; reason: string } };
    assert.equal(againBody.error.code, 'GW_SENDER_FUNDS');
    assert.equal(againBody.error.reason, 'INSUFFICIENT_SENDER_RESERVE');

    // Top up the reserve: as soon as the orchestrator's watcher has processed the block, it takes
    // the sender's tickets again (no TTL, no wait), and the gateway never suspended it.
    await dev.send(gwAcct, { address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'fundReserve', args: [], value: 10n * F });
    await orch.chain!.view.sync();
    const reopened = await job(4);
    assert.equal(reopened.status, 200, await reopened.text());
    assert.equal(await pendingFaceValue(), 3n * F);
    const wire2 = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'direct 2', width: 64, height: 64 }), { 'content-type': 'application/json', ...(await direct.headers(1)) });
    assert.equal(wire2.status, 200, wire2.text);
  });
});
