// The orchestrator on a real devnet: GetOrchestrator over gRPC/TLS, paid AI jobs from a pm Sender
// built here (no gateway node), the refusal paths, capacity, and on-chain redemption of winners.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { bondingManagerAbi, connectChain, startDevnet, type ChainAdapters, type DevAccount, type Devnet } from '../src/eth/index.js';
import { Capability } from '../src/market/index.js';
import { Rat } from '../src/money/index.js';
import { localTicketSigner, ticketEV } from '../src/pm/index.js';
import { createOrchestratorClient, createOrchestratorRequest, encodePaymentHeader, emptyPayment, ticketParamsFromWire, priceInfoFromWire, refusalFromConnectError } from '../src/wire/index.js';
import { startOrchestrator, type Orchestrator } from '../src/nodes/orchestrator/index.js';
import { TestGateway, h2post } from '../src/nodes/orchestrator/testkit.js';
import { deadPeer, type DeadPeer } from './dead-peer.js';

let dev: Devnet;
let chain: ChainAdapters;
let dir: string;
let t2i: ReferenceRunner;
let llm: ReferenceRunner;
let late: ReferenceRunner | undefined;
let downRunner: DeadPeer;
let stalled: Server;
const held: ServerResponse[] = [];
let onStalled: (() => void) | undefined;
let locked: ReferenceRunner;
let orch: Orchestrator;
let orchB: Orchestrator;
let gw1: DevAccount;
let gw2: DevAccount;

const json = { 'content-type': 'application/json' };
const t2iBody = (model: string) => JSON.stringify({ prompt: 'a lighthouse', model_id: model, width: 64, height: 64 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-chain-'));
  dev = await startDevnet({ orchestrators: 2, gateways: 2, roundLength: 400n });
  const orchs = dev.accounts.filter((a) => a.role === 'orchestrator');
  [gw1, gw2] = dev.accounts.filter((a) => a.role === 'gateway') as [DevAccount, DevAccount];
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, pollMs: 100 });
  t2i = await startReferenceRunner({ pipeline: 'text-to-image' });
  llm = await startReferenceRunner({ pipeline: 'llm' });
  // A runner whose token the orchestrator has wrong (its 401 is the orchestrator's fault, not the client's).
  locked = await startReferenceRunner({ pipeline: 'text-to-image', modelId: 'locked-model', token: 'right-token' });
  downRunner = await deadPeer();
  // A runner that holds every job until the test answers it (GET /version etc. get a 404).
  stalled = createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') return void res.writeHead(404).end();
    held.push(res);
    onStalled?.();
  });
  await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
  const stalledUrl = `http://127.0.0.1:${(stalled.address() as { port: number }).port}`;
  const models = [
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true, capacity: 4, price_per_unit: 3, pixels_per_unit: 2 },
    { pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, warm: true, capacity: 4, gateway: gw2.address, price_per_unit: 5 },
    { pipeline: 'llm', model_id: llm.modelId, url: llm.url, price_per_unit: 1000 },
    { pipeline: 'text-to-image', model_id: 'down-model', url: `http://${downRunner.addr}`, price_per_unit: 1 },
    { pipeline: 'text-to-image', model_id: 'slow-model', url: stalledUrl, price_per_unit: 1 },
    { pipeline: 'text-to-image', model_id: 'locked-model', url: locked.url, token: 'wrong-token', price_per_unit: 1 },
  ];
  const common = { serviceAddr: '127.0.0.1:0', network: 'devnet', ethUrl: dev.rpcUrl, ethController: dev.controller, pollMs: 100 };
  orch = await startOrchestrator({ ...common, dataDir: join(dir, 'a'), aiModels: JSON.stringify(models), ethPrivateKey: orchs[0]!.privateKey });
  // High EV: face value capped at 2e15 with EV 1e15, so every ticket wins with probability 1/2.
  orchB = await startOrchestrator({
    ...common,
    dataDir: join(dir, 'b'),
    aiModels: JSON.stringify([{ pipeline: 'text-to-image', model_id: t2i.modelId, url: t2i.url, price_per_unit: 1 }]),
    ethPrivateKey: orchs[1]!.privateKey,
    ticketEV: 10n ** 15n,
    maxFaceValue: 2n * 10n ** 15n,
  });
});

after(async () => {
  for (const r of held) r.destroy();
  await orch?.close();
  await orchB?.close();
  await new Promise<void>((r) => (stalled ? stalled.close(() => r()) : r()));
  await t2i?.close();
  await llm?.close();
  await locked?.close();
  await late?.close();
  await downRunner?.close();
  chain?.close();
  await dev?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const gateway = (acct: DevAccount, o: Orchestrator, pipeline: 'text-to-image' | 'llm', model: string) =>
  new TestGateway(acct.privateKey, chain.view, chain.senders, o.url, pipeline, model);

describe('GetOrchestrator', () => {
  it('verifies the gateway signature', async () => {
    const c = createOrchestratorClient(orch.url);
    const other = localTicketSigner(gw2.privateKey);
    const good = await createOrchestratorRequest(localTicketSigner(gw1.privateKey));
    const forged = await createOrchestratorRequest(undefined, { address: gw1.address, sig: await other.sign(new Uint8Array(32)) });
    await assert.rejects(
      c.getOrchestrator(forged),
      (e) => e instanceof ConnectError && e.code === Code.PermissionDenied && refusalFromConnectError(e).code === 'WIRE_INVALID_SIGNATURE',
    );
    const info = await c.getOrchestrator(good);
    c.close();
    assert.equal(info.transcoder, orch.url);
    // Without capabilities: base price (none configured → 0) and one capabilities_prices entry per model.
    const prices = new Map(info.capabilitiesPrices.map((p) => [`${p.capability}/${p.constraint}`, `${p.pricePerUnit}/${p.pixelsPerUnit}`]));
    assert.equal(prices.get(`${Capability.TextToImage}/${t2i.modelId}`), '3/2');
    assert.equal(prices.get(`${Capability.LLM}/${llm.modelId}`), '1000/1');
  });

  it('issues ticket params per sender and prices per requested model (sender-specific first)', async () => {
    const a = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    const b = gateway(gw2, orch, 'text-to-image', t2i.modelId);
    const l = gateway(gw1, orch, 'llm', llm.modelId);
    // The orchestrator's reward() at start mines a block at some point: bound its view around the issue.
    const viewBefore = orch.chain!.view.lastSeenL1Block();
    const [ia, ib, il] = [await a.refresh(), await b.refresh(), await l.refresh()];
    const viewAfter = orch.chain!.view.lastSeenL1Block();
    // -autoAdjustPrice (default on): × (1 + 1/100), the face value being 100 × the redemption cost
    // (uncapped: the devnet gateways' reserves are large), to 0.001 wei: 3/2 → 1.515, 5 → 5.05, 1000 → 1010.
    assert.deepEqual([ia.priceInfo?.pricePerUnit, ia.priceInfo?.pixelsPerUnit], [303n, 200n]);
    assert.deepEqual([ib.priceInfo?.pricePerUnit, ib.priceInfo?.pixelsPerUnit], [101n, 20n]);
    assert.deepEqual([il.priceInfo?.pricePerUnit, il.priceInfo?.pixelsPerUnit], [1010n, 1n]);
    const pa = ticketParamsFromWire(ia.ticketParams!, priceInfoFromWire(ia.priceInfo!));
    const pb = ticketParamsFromWire(ib.ticketParams!, priceInfoFromWire(ib.priceInfo!));
    assert.equal(pa.recipient, orch.address);
    assert.notEqual(pa.recipientRandHash, pb.recipientRandHash);
    assert.ok(pa.faceValue > 0n && pa.winProb > 0n);
    assert.ok(pa.expirationBlock >= viewBefore + 40n && pa.expirationBlock <= viewAfter + 40n, `${pa.expirationBlock} vs ${viewBefore}..${viewAfter} + 40`);
    assert.equal(ia.capabilities?.constraints?.PerCapability[Capability.TextToImage]?.models[t2i.modelId]?.capacity, 4);
  });
});

describe('paid AI jobs', () => {
  it('runs a paid text-to-image job: EV credited, units × price debited exactly', async () => {
    const g = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    await g.refresh();
    const before = orch.stats();
    const r = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...(await g.headers(1)) });
    assert.equal(r.status, 200, r.text);
    assert.match(JSON.parse(r.text).images[0].url, /^data:image\/png/);
    const params = ticketParamsFromWire(g.info.ticketParams!, priceInfoFromWire(g.info.priceInfo!));
    const ev = ticketEV(params.faceValue, params.winProb);
    // Charged what was quoted: 64 × 64 px at 1.515 wei (3/2 adjusted).
    const fee = Rat.of(64n * 64n * 1515n, 1000n);
    const s = orch.stats();
    assert.ok(s.evCredited.sub(before.evCredited).eq(ev));
    assert.ok(s.feesDebited.sub(before.feesDebited).eq(fee));
    assert.equal(s.tickets.received - before.tickets.received, 1);
    assert.equal(s.tickets.valid - before.tickets.valid, 1);
    const bal = orch.balance(gw1.address, `${Capability.TextToImage}_${t2i.modelId}`)!;
    assert.ok(bal.eq(ev.sub(fee)), `${bal} vs ${ev.sub(fee)}`);
  });

  it('runs a paid llm job (streamed)', async () => {
    const g = gateway(gw1, orch, 'llm', llm.modelId);
    await g.refresh();
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], model: llm.modelId, max_tokens: 10, stream: true });
    const r = await h2post(orch.url, '/llm', body, { ...json, ...(await g.headers(1)) });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /"finish_reason":"(stop|length)"/);
    assert.equal(orch.stats().units.llm, 10n);
  });

  it('refuses a missing or garbled Livepeer-Payment with 402', async () => {
    const g = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    await g.refresh();
    const h = await g.headers(1);
    const missing = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, 'livepeer-segment': h['livepeer-segment']! });
    assert.equal(missing.status, 402);
    assert.equal(missing.headers['livepeer-error-code'], 'PAYMENT_INVALID', 'the code rides in a header next to go-livepeer\'s status and text');
    assert.equal(missing.headers['livepeer-error-reason'], 'WIRE_MISSING_HEADER');
    const garbled = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...h, 'livepeer-payment': '***not base64***' });
    assert.equal(garbled.status, 402);
    assert.equal(garbled.headers['livepeer-error-code'], 'PAYMENT_INVALID');
    const junk = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...h, 'livepeer-payment': Buffer.from([0xff, 0xff, 0xff]).toString('base64') });
    assert.equal(junk.status, 402);
    assert.equal(orch.stats().refusals.PAYMENT_INVALID, 3);
  });

  it('refuses segment credentials not signed by the payment sender with 403', async () => {
    const g = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    await g.refresh();
    const r = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...(await g.headers(1, { segSigner: localTicketSigner(gw2.privateKey) })) });
    assert.equal(r.status, 403);
    assert.match(r.text, /signature/);
    assert.equal(r.headers['livepeer-error-code'], 'BAD_SEGMENT_SIGNATURE');
    assert.equal(orch.stats().refusals.BAD_SEGMENT_SIGNATURE, 1);
  });

  it('refuses a replayed ticket with 400 and the nonce reason', async () => {
    const g = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    await g.refresh();
    const h = await g.headers(1);
    const first = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...h });
    assert.equal(first.status, 200, first.text);
    const replay = await h2post(orch.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...h });
    assert.equal(replay.status, 400);
    assert.match(replay.text, /invalid ticket senderNonce: already seen/);
    assert.equal(replay.headers['livepeer-error-code'], 'PAYMENT_REJECTED');
    assert.equal(replay.headers['livepeer-error-reason'], 'NONCE_ALREADY_SEEN');
    assert.equal(orch.stats().refusals.NONCE_ALREADY_SEEN, 1);
  });

  it('refuses a priced job without enough credit (400 Insufficient balance)', async () => {
    const g = gateway(gw2, orch, 'llm', llm.modelId);
    await g.refresh();
    const payment = encodePaymentHeader(emptyPayment(gw2.address, g.info.priceInfo));
    const h = await g.headers(0);
    const r = await h2post(orch.url, '/llm', JSON.stringify({ messages: [{ role: 'user', content: 'x' }], model: llm.modelId, max_tokens: 10 }), { ...json, ...h, 'livepeer-payment': payment });
    assert.equal(r.status, 400);
    assert.equal(r.text.trim(), 'Insufficient balance');
    assert.equal(r.headers['livepeer-error-code'], 'INSUFFICIENT_BALANCE');
  });

  it('answers 503 when the runner is down, releases the slot, and serves again once it is back', async () => {
    const g = gateway(gw1, orch, 'text-to-image', 'down-model');
    await g.refresh();
    const r = await h2post(orch.url, '/text-to-image', t2iBody('down-model'), { ...json, ...(await g.headers(1)) });
    assert.equal(r.status, 503);
    assert.equal(r.headers['livepeer-error-code'], 'RUNNER_UNAVAILABLE');
    assert.equal(orch.stats().inFlight, 0);
    assert.equal(orch.capabilities().perCapability.get(Capability.TextToImage)?.get('down-model')?.capacityInUse, 0);
    late = await startReferenceRunner({ pipeline: 'text-to-image', port: 0, modelId: 'down-model' });
    downRunner.forwardTo(Number(new URL(late.url).port));
    const ok = await h2post(orch.url, '/text-to-image', t2iBody('down-model'), { ...json, ...(await g.headers(1)) });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a runner 4xx about the request is RUNNER_REJECTED; a runner 401 (our token wrong) is RUNNER_FAILED', async () => {
    const g = gateway(gw1, orch, 'text-to-image', t2i.modelId);
    await g.refresh();
    const bad = await h2post(orch.url, '/text-to-image', JSON.stringify({ prompt: 'x', model_id: t2i.modelId, width: 60, height: 60 }), { ...json, ...(await g.headers(1)) });
    assert.equal(bad.headers['livepeer-error-code'], 'RUNNER_REJECTED', `${bad.status} ${bad.text}`);
    assert.match(bad.text, /divisible by 8/);
    const l = gateway(gw1, orch, 'text-to-image', 'locked-model');
    await l.refresh();
    const denied = await h2post(orch.url, '/text-to-image', t2iBody('locked-model'), { ...json, ...(await l.headers(1)) });
    assert.equal(denied.status, 500);
    assert.equal(denied.headers['livepeer-error-code'], 'RUNNER_FAILED');
  });

  it('answers 503 "insufficient capacity" when every slot of the model is taken', async () => {
    const g = gateway(gw1, orch, 'text-to-image', 'slow-model');
    await g.refresh();
    const arrived = new Promise<void>((r) => (onStalled = r));
    const first = h2post(orch.url, '/text-to-image', t2iBody('slow-model'), { ...json, ...(await g.headers(1)) });
    await arrived;
    assert.equal(orch.capabilities().perCapability.get(Capability.TextToImage)?.get('slow-model')?.capacityInUse, 1);
    const second = await h2post(orch.url, '/text-to-image', t2iBody('slow-model'), { ...json, ...(await g.headers(1)) });
    assert.equal(second.status, 503);
    assert.equal(second.text, 'insufficient capacity\n', 'go-livepeer http.Error text');
    assert.match(String(second.headers['content-type']), /^text\/plain/);
    assert.equal(second.headers['livepeer-error-code'], 'INSUFFICIENT_CAPACITY');
    held.shift()!.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: { msg: 'boom' } }));
    const failed = await first;
    assert.equal(failed.status, 500);
    assert.equal(failed.headers['livepeer-error-code'], 'RUNNER_FAILED');
    assert.equal(orch.stats().inFlight, 0);
  });
});

describe('winning tickets', () => {
  it('redeems winners only after their params expire; BondingManager fees grow by the face value', async () => {
    const g = gateway(gw1, orchB, 'text-to-image', t2i.modelId);
    await g.refresh();
    for (let i = 0; i < 10 && orchB.stats().tickets.winning === 0; i++) {
      const r = await h2post(orchB.url, '/text-to-image', t2iBody(t2i.modelId), { ...json, ...(await g.headers(4)) });
      assert.equal(r.status, 200, r.text);
    }
    const winners = orchB.stats().tickets.winning;
    assert.ok(winners > 0, 'no winning ticket in 40 tickets at win probability 1/2');
    assert.equal((await orchB.pendingRedemptions()).length, winners);
    // Not yet: the gateway could still use these params.
    await orchB.flushRedemptions();
    assert.equal(orchB.stats().redeemed.count, 0);
    const round = await dev.currentRound();
    const fees = () => dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [orchB.address!, round] });
    const before = await fees();
    await dev.mine(41);
    assert.equal(await dev.currentRound(), round);
    await orchB.flushRedemptions();
    const s = orchB.stats();
    assert.equal(s.redeemed.count, winners);
    assert.equal(s.redeemed.txHashes.length, winners);
    assert.equal((await orchB.pendingRedemptions()).length, 0);
    const params = ticketParamsFromWire(g.info.ticketParams!, priceInfoFromWire(g.info.priceInfo!));
    assert.equal(s.redeemed.faceValue, params.faceValue * BigInt(winners));
    assert.equal((await fees()) - before, s.redeemed.faceValue);
  });
});
