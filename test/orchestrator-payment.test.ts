// Hostile gateways against a real orchestrator on the devnet: every trick that used to buy work
// below the orchestrator's price (a ticketless payment claiming 0 or 1 wei, a refused ticket
// claiming 1 wei, zero-price params from a capability-less GetOrchestrator) is refused, and no job
// runs for less. The fees the orchestrator debits are checked against Σ jobs × its own prices,
// computed here from the aiModels table the test wrote.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { connectChain, startDevnet, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { Capability } from '../src/market/index.js';
import { Rat, type PriceInfo } from '../src/money/index.js';
import { newTicket, ticketEV, ticketHashBytes, type TicketParams } from '../src/pm/index.js';
import {
  createOrchestratorClient,
  createOrchestratorRequest,
  emptyPayment,
  encodePaymentHeader,
  encodeSegmentHeader,
  paymentToWire,
  priceInfoFromWire,
  ticketParamsFromWire,
  type OrchestratorInfo,
} from '../src/wire/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';

const EV_TARGET = 10n ** 12n;
// The orchestrator's own prices (wei per token), the ledger's reference.
const PRICES: Record<string, bigint> = { 'priced-llm': 10n ** 11n, 'dear-llm': 2n * 10n ** 11n, 'other-llm': 10n ** 11n, 'held-llm': 10n ** 11n };
const TOKENS = 3n;

let dev: Devnet;
let chain: ChainAdapters;
let dir: string;
let orch: Orchestrator;
const runners: ReferenceRunner[] = [];
let gw1: DevAccount;
let gw2: DevAccount;
/** Σ units × own price of every job that ran, computed here. */
let expectedFees = Rat.ZERO;
let expectedJobs = 0;
/** A runner in front of the real one that holds each job until the test lets it through. */
let holding: Server;
const held: (() => void)[] = [];

const json = { 'content-type': 'application/json' };
const llmBody = (model: string) => JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], model, max_tokens: Number(TOKENS) });
const manifest = (model: string) => `${Capability.LLM}_${model}`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-pay-'));
  dev = await startDevnet({ orchestrators: 1, gateways: 2 });
  [gw1, gw2] = dev.accounts.filter((a) => a.role === 'gateway') as [DevAccount, DevAccount];
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  const models = [];
  for (const [model, price] of Object.entries(PRICES)) {
    const r = await startReferenceRunner({ pipeline: 'llm', modelId: model });
    runners.push(r);
    let url = r.url;
    if (model === 'held-llm') {
      holding = createServer((req, res) => void forwardWhenReleased(r.url, req, res));
      await new Promise<void>((ok) => holding.listen(0, '127.0.0.1', ok));
      url = `http://127.0.0.1:${(holding.address() as { port: number }).port}`;
    }
    models.push({ pipeline: 'llm', model_id: model, url, price_per_unit: Number(price), pixels_per_unit: 1, capacity: 4 });
  }
  orch = await startOrchestrator({
    serviceAddr: '127.0.0.1:0',
    network: 'devnet',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    pollMs: 100,
    dataDir: dir,
    aiModels: JSON.stringify(models),
    ethPrivateKey: dev.accounts.find((a) => a.role === 'orchestrator')!.privateKey,
    ticketEV: EV_TARGET,
    // Prices exactly as in aiModels, so the test computes the fees from its own table.
    autoAdjustPrice: false,
    logLevel: 'silent',
  });
});

after(async () => {
  for (const h of held.splice(0)) h();
  await orch?.close();
  await new Promise<void>((ok) => (holding ? holding.close(() => ok()) : ok()));
  for (const r of runners) await r.close();
  chain?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function forwardWhenReleased(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (req.method === 'POST') await new Promise<void>((ok) => held.push(ok));
  const r = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) });
  res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await r.arrayBuffer()));
}

const gateway = (acct: DevAccount, model: string) => new TestGateway(acct.privateKey, chain.view, chain.senders, orch.url, 'llm', model);

/** Tickets signed by `g` on `params` (nonces `from`…), sent with `expectedPrice`. */
async function ticketsPayment(g: TestGateway, params: TicketParams, nonces: bigint[], expectedPrice: PriceInfo): Promise<string> {
  const senderParams = [];
  for (const n of nonces) {
    const hash = ticketHashBytes(newTicket(params, params.expirationParams, g.signer.address, n));
    senderParams.push({ senderNonce: n, sig: await g.signer.sign(hash) });
  }
  return encodePaymentHeader(paymentToWire({ params, expirationParams: params.expirationParams, sender: g.signer.address, senderParams }, { expectedPrice }));
}

async function post(g: TestGateway, model: string, payment: string) {
  return h2post(orch.url, '/llm', llmBody(model), { ...json, 'livepeer-payment': payment, 'livepeer-segment': encodeSegmentHeader(await g.segCreds()) });
}

/** The job must not have run: no job, no fee, no balance change. */
function assertNothingCharged(before: ReturnType<Orchestrator['stats']>, sender: DevAccount, model: string, balanceBefore: Rat | undefined) {
  const s = orch.stats();
  assert.equal(s.jobs.llm ?? 0, before.jobs.llm ?? 0, 'no job ran');
  assert.ok(s.feesDebited.eq(before.feesDebited), 'nothing debited');
  const bal = orch.balance(sender.address, manifest(model));
  assert.ok(bal === balanceBefore || (bal && balanceBefore && bal.eq(balanceBefore)), `balance unchanged: ${bal} vs ${balanceBefore}`);
}

function ran(model: string, tokens = TOKENS): void {
  expectedFees = expectedFees.add(Rat.from(tokens * PRICES[model]!));
  expectedJobs++;
}

describe('hostile payments', () => {
  it('params + zero tickets + expected price 0, twice: refused both times, nothing fixed, nothing run', async () => {
    const g = gateway(gw1, 'priced-llm');
    const info = await g.refresh();
    const params = ticketParamsFromWire(info.ticketParams!, { pricePerUnit: 0n, pixelsPerUnit: 1n });
    const before = orch.stats();
    for (let i = 0; i < 2; i++) {
      const r = await post(g, 'priced-llm', await ticketsPayment(g, params, [], { pricePerUnit: 0n, pixelsPerUnit: 1n }));
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /below this orchestrator's price/);
    }
    assert.equal((orch.stats().refusals.EXPECTED_PRICE_TOO_LOW ?? 0) - (before.refusals.EXPECTED_PRICE_TOO_LOW ?? 0), 2);
    assertNothingCharged(before, gw1, 'priced-llm', undefined);
    // And an honest ticketless payment right after finds no price fixed at 0: no credit → refused.
    const honest = await post(g, 'priced-llm', encodePaymentHeader(emptyPayment(gw1.address, info.priceInfo)));
    assert.equal(honest.status, 400);
    assert.equal(honest.text.trim(), 'Insufficient balance');
    assertNothingCharged(before, gw1, 'priced-llm', undefined);
  });

  it('expected price 1 wei with zero tickets: refused', async () => {
    const g = gateway(gw2, 'priced-llm');
    await g.refresh();
    const before = orch.stats();
    const r = await post(g, 'priced-llm', encodePaymentHeader(emptyPayment(gw2.address, { pricePerUnit: 1n, pixelsPerUnit: 1n })));
    assert.equal(r.status, 400, r.text);
    assertNothingCharged(before, gw2, 'priced-llm', undefined);
  });

  it('a refused ticket claiming 1 wei, then honest tickets on the same session: charged in full, stopped when the credit is spent', async () => {
    const g = gateway(gw1, 'priced-llm');
    const info = await g.refresh();
    const honestPrice = priceInfoFromWire(info.priceInfo!);
    assert.equal(honestPrice.pricePerUnit, PRICES['priced-llm']);
    const params = ticketParamsFromWire(info.ticketParams!, honestPrice);
    const before = orch.stats();
    const cheap = await post(g, 'priced-llm', await ticketsPayment(g, { ...params, price: { pricePerUnit: 1n, pixelsPerUnit: 1n } }, [1n], { pricePerUnit: 1n, pixelsPerUnit: 1n }));
    assert.equal(cheap.status, 400, cheap.text);
    assertNothingCharged(before, gw1, 'priced-llm', undefined);
    // Three honest tickets on the same params (next nonces): EV 3 × ev credited.
    const ev = ticketEV(params.faceValue, params.winProb);
    const paid = await post(g, 'priced-llm', await ticketsPayment(g, params, [2n, 3n, 4n], honestPrice));
    assert.equal(paid.status, 200, paid.text);
    ran('priced-llm');
    const fee = Rat.from(TOKENS * PRICES['priced-llm']!);
    // Then ticketless jobs run while the orchestrator holds ≥ one ticket's EV (go-livepeer's rule),
    // each charged the full price: simulate that here.
    let bal = ev.mul(3n).sub(fee);
    let expectedFree = 0;
    for (let b = bal; b.gte(ev); b = b.sub(fee)) expectedFree++;
    assert.ok(expectedFree >= 1, 'the test needs at least one ticketless job');
    let ok = 0;
    for (;;) {
      const r = await post(g, 'priced-llm', encodePaymentHeader(emptyPayment(gw1.address, info.priceInfo)));
      if (r.status !== 200) {
        assert.equal(r.status, 400);
        assert.equal(r.text.trim(), 'Insufficient balance');
        break;
      }
      ok++;
      ran('priced-llm');
      bal = bal.sub(fee);
      assert.ok(ok <= expectedFree, 'a job ran on credit that was spent');
    }
    assert.equal(ok, expectedFree);
    const s = orch.stats();
    assert.ok(s.evCredited.sub(before.evCredited).eq(ev.mul(3n)), 'only the honest tickets were credited');
    assert.ok(s.feesDebited.sub(before.feesDebited).eq(fee.mul(BigInt(ok + 1))), 'every job charged the full price');
    assert.ok(orch.balance(gw1.address, manifest('priced-llm'))!.eq(bal));
  });

  it('valid zero-price params from a capability-less GetOrchestrator buy nothing of a priced model', async () => {
    const g = gateway(gw2, 'other-llm');
    const c = createOrchestratorClient(orch.url);
    let info: OrchestratorInfo;
    try {
      info = await c.getOrchestrator(await createOrchestratorRequest(g.signer));
    } finally {
      c.close();
    }
    g.info = info;
    const quoted = priceInfoFromWire(info.priceInfo!);
    assert.equal(quoted.pricePerUnit, 0n, 'no capabilities, no base price: quoted 0');
    const params = ticketParamsFromWire(info.ticketParams!, quoted);
    const before = orch.stats();
    // As quoted (0): below the model's price.
    const asQuoted = await post(g, 'other-llm', await ticketsPayment(g, params, [1n, 2n], quoted));
    assert.equal(asQuoted.status, 400, asQuoted.text);
    assert.match(asQuoted.text, /below this orchestrator's price/);
    // Claiming the real price on the zero-price params: the params' HMAC does not match that price.
    const real = { pricePerUnit: PRICES['other-llm']!, pixelsPerUnit: 1n };
    const claimed = await post(g, 'other-llm', await ticketsPayment(g, { ...params, price: real }, [3n], real));
    assert.equal(claimed.status, 400, claimed.text);
    assertNothingCharged(before, gw2, 'other-llm', undefined);
    assert.ok(orch.stats().evCredited.eq(before.evCredited), 'no EV credited');
  });

  it("a claim above the orchestrator's price is charged (go-livepeer honours it); params quoted for another model do not lower it", async () => {
    // Params quoted for dear-llm (2e11) used for priced-llm (1e11): charged the higher claim.
    const dear = gateway(gw2, 'dear-llm');
    const info = await dear.refresh();
    const before = orch.stats();
    const g = gateway(gw2, 'priced-llm');
    g.info = info;
    const r = await h2post(orch.url, '/llm', llmBody('priced-llm'), { ...json, ...(await dear.headers(1)), 'livepeer-segment': encodeSegmentHeader(await g.segCreds()) });
    assert.equal(r.status, 200, r.text);
    expectedFees = expectedFees.add(Rat.from(TOKENS * PRICES['dear-llm']!));
    expectedJobs++;
    assert.ok(orch.stats().feesDebited.sub(before.feesDebited).eq(Rat.from(TOKENS * PRICES['dear-llm']!)));
    // The other way round: params quoted for priced-llm (1e11) used for dear-llm: refused.
    const cheap = gateway(gw2, 'priced-llm');
    await cheap.refresh();
    const g2 = gateway(gw2, 'dear-llm');
    g2.info = cheap.info;
    const r2 = await h2post(orch.url, '/llm', llmBody('dear-llm'), { ...json, ...(await cheap.headers(1)), 'livepeer-segment': encodeSegmentHeader(await g2.segCreds()) });
    assert.equal(r2.status, 400, r2.text);
    assert.match(r2.text, /below this orchestrator's price/);
  });

  it('concurrent jobs cannot overdraw: the fees of jobs in flight count as spent', async () => {
    const g = gateway(gw1, 'held-llm');
    const info = await g.refresh();
    const params = ticketParamsFromWire(info.ticketParams!, priceInfoFromWire(info.priceInfo!));
    const ev = ticketEV(params.faceValue, params.winProb);
    const fee = Rat.from(TOKENS * PRICES['held-llm']!);
    assert.ok(fee.lt(ev), 'one ticket covers one job');
    const before = orch.stats();
    const first = post(g, 'held-llm', await ticketsPayment(g, params, [1n], priceInfoFromWire(info.priceInfo!)));
    while (held.length === 0) await new Promise((ok) => setTimeout(ok, 10));
    // The orchestrator holds one EV, but the first job's fee is about to be debited from it.
    const second = post(g, 'held-llm', encodePaymentHeader(emptyPayment(gw1.address, info.priceInfo)));
    let answered = false;
    void second.then(() => (answered = true));
    while (!answered && held.length < 2) await new Promise((ok) => setTimeout(ok, 10));
    for (const h of held.splice(0)) h();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status, 200, a.text);
    ran('held-llm');
    assert.equal(b.status, 400, `the second job ran on credit the first one spends: ${b.status} ${b.text}`);
    assert.equal(b.text.trim(), 'Insufficient balance');
    assert.ok(orch.stats().feesDebited.sub(before.feesDebited).eq(fee));
    assert.ok(orch.balance(gw1.address, manifest('held-llm'))!.eq(ev.sub(fee)));
  });

  it('the ledger: fees debited = Σ jobs × the orchestrator’s own prices', () => {
    const s = orch.stats();
    assert.equal(s.jobs.llm, expectedJobs);
    assert.ok(s.feesDebited.eq(expectedFees), `${s.feesDebited} = ${expectedFees}`);
  });
});
