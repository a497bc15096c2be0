// Our gateway paying our orchestrator on the devnet, checked against the orchestrator's own ledger:
// the gateway keys its credit as the orchestrator does ((sender, "<cap>_<model>"), per
// orchestrator), so a session refresh and a gateway restart (same key, same -dataDir) strand no
// credit — no new tickets while the orchestrator holds enough — and concurrent jobs share the
// credit instead of each buying tickets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { startDevnet, type DevAccount, type Devnet } from '../src/eth/index.js';
import { Capability } from '../src/market/index.js';
import { Rat } from '../src/money/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';

const EV_TARGET = 10n ** 12n;
const PRICE = 25n * 10n ** 10n; // wei per token: a 1-token job costs about a quarter of a ticket's EV
const MODEL = 'credit-llm';
const MANIFEST = `${Capability.LLM}_${MODEL}`;

let dev: Devnet;
let runner: ReferenceRunner;
let orch: Orchestrator;
let gwAcct: DevAccount;
let dir: string;
const open: GatewayHandle[] = [];
const FEE = Rat.from(PRICE); // 1 token

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-credit-'));
  dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 400n });
  gwAcct = dev.accounts.find((a) => a.role === 'gateway')!;
  runner = await startReferenceRunner({ pipeline: 'llm', modelId: MODEL });
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    pollMs: 100,
    dataDir: join(dir, 'orch'),
    aiModels: JSON.stringify([{ pipeline: 'llm', model_id: MODEL, url: runner.url, price_per_unit: Number(PRICE), pixels_per_unit: 1, capacity: 64 }]),
    ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
    ticketEV: EV_TARGET,
    // Prices exactly as in aiModels, so the test computes the fees from its own table.
    autoAdjustPrice: false,
    logLevel: 'silent',
  });
});

after(async () => {
  for (const g of open) await g.close();
  await orch?.close();
  await runner?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function gateway(): Promise<GatewayHandle> {
  const g = await startGateway({
    httpAddr: '127.0.0.1:0',
    orchAddr: orch.url,
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: gwAcct.privateKey,
    dataDir: join(dir, 'gateway'),
    chainPollMs: 100,
    logLevel: 'silent',
  });
  open.push(g);
  return g;
}

async function job(g: GatewayHandle): Promise<void> {
  const res = await fetch(`${g.url}/llm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** The orchestrator's balance for the gateway (its ledger, not the gateway's view). */
const held = (): Rat => orch.balance(gwAcct.address, MANIFEST) ?? Rat.ZERO;
const ticketsAtOrch = (): number => orch.stats().tickets.received;
/** EV of one ticket, from what the orchestrator credited. */
const evPerTicket = (): Rat => orch.stats().evCredited.div(BigInt(orch.stats().tickets.valid));

/** Runs one job and checks it carried exactly the tickets the orchestrator's balance called for. */
async function jobExpectingTickets(g: GatewayHandle, label: string): Promise<number> {
  const bal = held();
  const t0 = ticketsAtOrch();
  await job(g);
  const sent = ticketsAtOrch() - t0;
  if (t0 > 0) {
    const ev = evPerTicket();
    const need = FEE.gt(ev) ? FEE : ev;
    const expected = bal.gte(need) ? 0 : Number(need.sub(bal).div(ev).ceil());
    assert.equal(sent, expected, `${label}: orchestrator held ${bal}, EV ${ev}: ${expected} tickets expected, ${sent} sent`);
  }
  return sent;
}

describe('gateway credit = the orchestrator’s balance', () => {
  it('a session refresh and a gateway restart strand no credit; concurrent jobs share it', async () => {
    const g1 = await gateway();
    assert.ok((await jobExpectingTickets(g1, 'first job')) > 0);
    await jobExpectingTickets(g1, 'second job');
    const ev = evPerTicket();
    assert.ok(held().gte(ev), `test precondition: the orchestrator holds ≥ one EV (${held()} vs ${ev})`);

    // Session refresh: the ticket params expire, the gateway asks GetOrchestrator again (new auth
    // session, new params) and still uses the credit the orchestrator holds.
    const discoveries = g1.stats().orchestrators[orch.url]!.discoveries;
    await dev.mine(41);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await jobExpectingTickets(g1, 'after refresh'), 0, 'no tickets while the credit lasts');
    assert.equal(g1.stats().orchestrators[orch.url]!.discoveries, discoveries + 1, 'the session was refreshed');

    // Restart: a second gateway process with the same key and data dir.
    await g1.close();
    assert.ok(held().gte(ev), `test precondition: the orchestrator holds ≥ one EV (${held()})`);
    const g2 = await gateway();
    assert.equal(await jobExpectingTickets(g2, 'after restart'), 0, 'the restarted gateway uses the credit the orchestrator holds');
    for (let i = 0; i < 6; i++) await jobExpectingTickets(g2, `after restart, job ${i + 2}`);

    // 32 concurrent jobs: they share the credit; the gateway buys what they need plus < one EV.
    const before = held();
    const t0 = ticketsAtOrch();
    const f0 = orch.stats().feesDebited;
    await Promise.all(Array.from({ length: 32 }, () => job(g2)));
    const tickets = ticketsAtOrch() - t0;
    const fees = orch.stats().feesDebited.sub(f0);
    assert.ok(fees.eq(FEE.mul(32n)));
    const maxTickets = Number(fees.add(ev).sub(before).div(ev).ceil()) + 1;
    assert.ok(tickets <= maxTickets, `32 concurrent jobs: ${tickets} tickets, at most ${maxTickets} needed`);

    // Nothing stranded: what the gateway sent, less what the orchestrator debited, is what it holds.
    const s = orch.stats();
    const gwEv = g2.stats().tickets.ev.add(g1.stats().tickets.ev);
    assert.ok(gwEv.eq(s.evCredited), `EV sent ${gwEv} = EV credited ${s.evCredited}`);
    assert.ok(held().eq(s.evCredited.sub(s.feesDebited)));
    assert.ok(held().lt(ev.mul(2n)), `left at the orchestrator: ${held()} < 2 EV`);
  });
});
