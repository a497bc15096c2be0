// The gateway on the devnet paying a recording orchestrator with real tickets: every ticket is
// signed by the gateway's funded account, the price is echoed exactly, the EV the gateway reports
// equals the EV of the tickets that arrived, fees are units × price, and params the gateway will not
// pay with (EV above -maxTicketEV) keep the job away from that orchestrator.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, type Devnet } from '../src/eth/index.js';
import { Rat } from '../src/money/index.js';
import { ticketEV } from '../src/pm/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';

const PRICE = { pricePerUnit: 1_000_000_000n, pixelsPerUnit: 1n };
const FACE_VALUE = 100_000_000_000_000n; // 1e14
const TARGET_EV = 1_000_000_000_000n; // 1e12

let dev: Devnet;
let runner: ReferenceRunner;
let orch: FakeOrchestrator;
const gateways: GatewayHandle[] = [];

before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1 });
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  const o = dev.accounts.find((a) => a.role === 'orchestrator')!;
  orch = await startFakeOrchestrator({
    runners: { 'text-to-image': runner.url },
    models: { 'text-to-image': runner.modelId },
    price: PRICE,
    privateKey: o.privateKey,
    chain: { publicClient: dev.publicClient, roundsManager: dev.contracts.RoundsManager, faceValue: FACE_VALUE, ev: TARGET_EV },
  });
});

after(async () => {
  for (const g of gateways) await g.close();
  await orch?.close();
  await runner?.close();
  await dev?.stop();
});

function gatewayKey(): `0x${string}` {
  return dev.accounts.find((a) => a.role === 'gateway')!.privateKey;
}

describe('gateway on-chain payments', () => {
  it('pays each job with tickets signed by its account; EV and fees add up exactly', async () => {
    const gw = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: orch.url,
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      ethPrivateKey: gatewayKey(),
      logLevel: 'silent',
    });
    gateways.push(gw);
    assert.equal(gw.offchain, false);
    const jobs = 4;
    for (let i = 0; i < jobs; i++) {
      const res = await fetch(`${gw.url}/text-to-image`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `job ${i}`, width: 64, height: 64 }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    assert.equal(orch.jobs.length, jobs);
    let evArrived = Rat.ZERO;
    let tickets = 0;
    let faceValue = 0n;
    const nonces = new Set<bigint>();
    for (const job of orch.jobs) {
      assert.equal(job.payment.sender, gw.address);
      assert.ok(job.ticketsSignedBySender, 'every ticket signature recovers to the gateway');
      assert.equal(job.payment.expectedPriceWire?.pricePerUnit, PRICE.pricePerUnit);
      assert.equal(job.payment.expectedPriceWire?.pixelsPerUnit, PRICE.pixelsPerUnit);
      for (const { ticket } of job.payment.tickets) {
        assert.equal(ticket.recipient, orch.address);
        assert.ok(!nonces.has(ticket.senderNonce), 'nonces never repeat');
        nonces.add(ticket.senderNonce);
        evArrived = evArrived.add(ticketEV(ticket.faceValue, ticket.winProb));
        faceValue += ticket.faceValue;
        tickets++;
      }
    }
    const s = gw.stats();
    assert.ok(tickets > 0);
    assert.equal(s.tickets.sent, tickets);
    assert.ok(s.tickets.ev.eq(evArrived), `${s.tickets.ev} = ${evArrived}`);
    assert.equal(s.tickets.faceValue, faceValue);
    const units = 64n * 64n * BigInt(jobs);
    assert.equal(s.units, units);
    assert.ok(s.fees.eq(units * PRICE.pricePerUnit), 'fees = units × price exactly');
    // The credit sent always covers what was owed: Σ EV ≥ fees, and less than one ticket more.
    assert.ok(evArrived.gte(s.fees));
    assert.ok(evArrived.sub(s.fees).lt(ticketEV(FACE_VALUE, orch.jobs[0]!.payment.tickets[0]!.ticket.winProb)));
  });

  it('refuses ticket params with an EV above -maxTicketEV: no job is sent, the client gets 503', async () => {
    const before = orch.jobs.length;
    const gw = await startGateway({
      httpAddr: '127.0.0.1:0',
      orchAddr: orch.url,
      ethUrl: dev.rpcUrl,
      ethController: dev.controller,
      ethPrivateKey: gatewayKey(),
      maxTicketEV: '1000',
      logLevel: 'silent',
    });
    gateways.push(gw);
    const res = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x' }) });
    assert.equal(res.status, 503);
    assert.equal(orch.jobs.length, before);
    assert.equal(gw.stats().refusals.PM_EV_TOO_HIGH, 1);
  });
});
