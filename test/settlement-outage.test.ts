// Issue 10's RPC-outage acceptance on a running orchestrator: its chain endpoint (-ethUrl, through a
// TCP proxy on loopback in front of anvil) goes away while winning tickets wait for their params to
// expire; blocks go on without it. Nothing is redeemed, dropped or lost meanwhile; once the endpoint
// is back the same process (no restart) catches up and redeems every winner before it expires, and
// BondingManager's fees grow by exactly their face value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { bondingManagerAbi, connectChain, startDevnet, ticketBrokerAbi, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';

// EV 5e14 on a face value capped at 1e15: each ticket wins with probability 1/2.
const FACE_VALUE = 10n ** 15n;
const EV = FACE_VALUE / 2n;

let dev: Devnet;
let chain: ChainAdapters;
let proxy: DeadPeer;
let dir: string;
let t2i: ReferenceRunner;
let o: Orchestrator | undefined;
let gw: DevAccount;
let orchAddr: `0x${string}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !(await cond()); ) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'settle-outage-'));
  dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
  const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
  orchAddr = orch.address;
  gw = dev.accounts.find((a) => a.role === 'gateway')!;
  proxy = await deadPeer();
  proxy.forwardTo(Number(new URL(dev.rpcUrl).port));
  // The gateway side reads the chain directly: only the orchestrator's endpoint goes away.
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  o = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    network: 'devnet',
    ethUrl: `http://${proxy.addr}`,
    ethController: dev.controller,
    pollMs: 100,
    dataDir: join(dir, 'orch'),
    ethPrivateKey: orch.privateKey,
    ticketEV: EV,
    maxFaceValue: FACE_VALUE,
    aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, price_per_unit: 1 }]),
  });
});

after(async () => {
  await o?.close();
  await t2i?.close();
  chain?.close();
  await proxy?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the chain endpoint goes away: winners wait in the store; when it is back they are redeemed before expiry, once each', async () => {
  const g = new TestGateway(gw.privateKey, chain.view, chain.senders, o!.url, 'text-to-image', t2i.modelId);
  await g.refresh();
  const body = JSON.stringify({ prompt: 'a lighthouse', model_id: t2i.modelId, width: 32, height: 32 });
  // Paid jobs until at least four tickets have won (1 in 2; bounded).
  for (let i = 0; i < 60 && (await o!.pendingRedemptions()).length < 4; i++) {
    const r = await h2post(o!.url, '/text-to-image', body, { 'content-type': 'application/json', ...(await g.headers(2)) });
    assert.equal(r.status, 200, r.text);
  }
  const winners = await o!.pendingRedemptions();
  assert.ok(winners.length >= 4, `${winners.length} winners`);
  const face = winners.reduce((a, w) => a + w.faceValue, 0n);
  const feesBefore = await dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orchAddr, await chain.view.refresh().then(() => chain.view.lastInitializedRound())] });

  // The outage: the endpoint refuses and resets; the chain moves past every winner's params expiry.
  proxy.cut();
  const expiry = winners.reduce((m, w) => (w.paramsExpirationBlock > m ? w.paramsExpirationBlock : m), 0n);
  const now = await dev.publicClient.getBlockNumber();
  await dev.mine(expiry - now + 2n);
  await sleep(3000); // several of the node's polls fail meanwhile
  const during = await o!.pendingRedemptions();
  assert.deepEqual(during.map((w) => w.ticketHash).sort(), winners.map((w) => w.ticketHash).sort(), 'every winner still waits, none dropped');
  for (const w of winners) {
    assert.equal(await dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [w.ticketHash] }), false);
  }

  // Back: the same process catches up and redeems them (a block every 100 ms, as a live chain).
  proxy.forwardTo(Number(new URL(dev.rpcUrl).port));
  let mining = true;
  const miner = (async () => {
    for (let i = 0; mining && i < 600; i++) {
      await dev.mine(1);
      await sleep(100);
    }
  })();
  try {
    await until('every winner redeemed', async () => (await o!.pendingRedemptions()).length === 0, 40_000);
  } finally {
    mining = false;
    await miner;
  }
  for (const w of winners) {
    assert.equal(await dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [w.ticketHash] }), true, w.ticketHash);
  }
  const s = o!.stats();
  assert.equal(s.redemptionsExpired, 0);
  assert.equal(s.redemptionsDropped, 0);
  assert.equal(s.redeemed.faceValue, face);
  const round = await chain.view.refresh().then(() => chain.view.lastInitializedRound());
  const feesAfter = await dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orchAddr, round] });
  assert.equal(feesAfter - feesBefore, face);
});
