// GetOrchestrator over real gRPC + TLS on loopback, served by orchestratorService with a real pm
// Recipient (in-memory chain view and sender info), CapacityTracker and OrchestratorPricing.
// Requests are built in the shapes go-livepeer's gateway and livepeer-python-gateway send
// (live-signer-wire §3.3, §7 item 7).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import Fastify, { type FastifyInstance } from 'fastify';
import { AiPriceTable, Capability, aiJobCapabilities, parseAiModelsJson } from '../../market/index.js';
import { MemoryChainView, MemorySenderInfo, Recipient, localTicketSigner } from '../../pm/index.js';
import type { Capabilities as WireCapabilities } from '../../wire/index.js';
import {
  CapabilitiesSchema,
  createOrchestratorClient,
  createOrchestratorRequest,
  ensureTlsCert,
  orchestratorServerOptions,
  priceInfoFromWire,
  registerOrchestratorService,
  ticketParamsFromWire,
} from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { CapacityTracker } from './capacity.js';
import { OrchestratorPricing } from './pricing.js';
import { ORCHESTRATOR_CAPPED_MESSAGE, orchestratorService } from './rpc.js';

const O = localTicketSigner(`0x${'0d'.repeat(32)}`);
const G = localTicketSigner(`0x${'0e'.repeat(32)}`);
/** A gateway with almost no reserve: its face value is capped by its max float. */
const SMALL = localTicketSigner(`0x${'0f'.repeat(32)}`);
const BROKE = localTicketSigner(`0x${'1a'.repeat(32)}`);
const LIVE_MODEL = 'comfyui';

let dir: string;
let app: FastifyInstance;
let url: string;
let capacity: CapacityTracker;
let pricing: OrchestratorPricing;
const refusals: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orch-rpc-'));
  const entries = parseAiModelsJson(
    JSON.stringify([
      { pipeline: 'text-to-image', model_id: 'sd', url: 'http://127.0.0.1:9', capacity: 1, price_per_unit: 3, pixels_per_unit: 2 },
      { pipeline: 'llm', model_id: 'llama', url: 'http://127.0.0.1:9', capacity: 2, price_per_unit: 1000 },
      { pipeline: 'live-video-to-video', model_id: LIVE_MODEL, url: 'http://127.0.0.1:9', capacity: 1, price_per_unit: 7 },
    ]),
    { requirePrices: true },
  ).entries;
  capacity = new CapacityTracker(entries);
  const senders = new MemorySenderInfo()
    .set(G.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n ** 18n } })
    .setMaxFloat(G.address, 10n ** 18n)
    .set(SMALL.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 250_000n } })
    .setMaxFloat(SMALL.address, 250_000n)
    .set(BROKE.address, { deposit: 10n ** 18n, reserve: { fundsRemaining: 10n } })
    .setMaxFloat(BROKE.address, 10n);
  // txCost = 1000 gas × 10 wei = 10 000; uncapped face value = 100 × 10 000 (multiplier 100).
  const recipient = new Recipient({
    address: O.address,
    chain: new MemoryChainView({ l1Block: 100n, round: 5n }),
    senders,
    params: { ev: 1000n, redeemGas: 1000n, txCostMultiplier: 100n },
    gasPrice: { gasPrice: () => 10n },
    maxFloat: senders,
  });
  pricing = new OrchestratorPricing(AiPriceTable.fromAiModels(entries), undefined, {
    autoAdjust: { txCostMultiplier: (s) => recipient.txCostMultiplier(s), uncappedTxCostMultiplier: () => recipient.uncappedTxCostMultiplier() },
  });
  const tls = await ensureTlsCert(dir, ['127.0.0.1']);
  app = Fastify({ ...orchestratorServerOptions(tls), logger: false }) as unknown as FastifyInstance;
  await registerOrchestratorService(
    app,
    orchestratorService({
      offchain: false,
      transcoderUrl: () => url,
      signer: O,
      recipient,
      pricing,
      capacity,
      capabilities: () => capacity.capabilities({ version: '0.1.0' }),
      authSecret: new Uint8Array(32).fill(7),
      onRefusal: (c) => refusals.push(c),
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `https://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function getOrchestrator(signer: typeof G, opts: { capabilities?: WireCapabilities; ignoreCapacityCheck?: boolean } = {}) {
  const c = createOrchestratorClient(url);
  try {
    return await c.getOrchestrator(await createOrchestratorRequest(signer, opts));
  } finally {
    c.close();
  }
}

/** go-livepeer's newAICapabilities for lv2v: default set + bit 35, capacities{…, 35:1}, the model constraint. */
const goLiveCaps = (model: string) => capabilitiesToWire(aiJobCapabilities('live-video-to-video', model));
/** livepeer-python-gateway: only capacities{35:1} and the model entry. */
const pythonLiveCaps = (model: string) =>
  create(CapabilitiesSchema, {
    capacities: { [Capability.LiveVideoToVideo]: 1 },
    constraints: { PerCapability: { [Capability.LiveVideoToVideo]: { models: { [model]: {} } } } },
  });

const capped = (e: unknown) => e instanceof ConnectError && e.code === Code.Unknown && e.rawMessage === ORCHESTRATOR_CAPPED_MESSAGE;

describe('GetOrchestrator: capacity (go-livepeer getOrchestrator / checkLiveVideoToVideoCapacity)', () => {
  it('a busy batch AI orchestrator still answers discovery, advertising its free slots', async () => {
    const leases = [capacity.acquire(Capability.LLM, 'llama')!, capacity.acquire(Capability.LLM, 'llama')!];
    try {
      assert.equal(capacity.acquire(Capability.LLM, 'llama'), undefined);
      const info = await getOrchestrator(G, { capabilities: capabilitiesToWire(aiJobCapabilities('llm', 'llama')) });
      assert.equal(info.transcoder, url);
      assert.ok(info.ticketParams);
      const m = info.capabilities?.constraints?.PerCapability[Capability.LLM]?.models.llama;
      assert.deepEqual([m?.capacity, m?.capacityInUse], [0, 2]);
    } finally {
      for (const l of leases) l.release();
    }
  });

  it('a full live-video-to-video model is refused as OrchestratorCapped unless ignoreCapacityCheck is set', async () => {
    const before = refusals.length;
    const lease = capacity.acquire(Capability.LiveVideoToVideo, LIVE_MODEL)!;
    try {
      await assert.rejects(getOrchestrator(G, { capabilities: goLiveCaps(LIVE_MODEL) }), capped);
      await assert.rejects(getOrchestrator(G, { capabilities: pythonLiveCaps(LIVE_MODEL) }), capped);
      assert.deepEqual(refusals.slice(before), ['ORCHESTRATOR_CAPPED', 'ORCHESTRATOR_CAPPED']);
      // A session refresh (Python sets the flag on every call): fresh params, priced for the model.
      for (const caps of [goLiveCaps(LIVE_MODEL), pythonLiveCaps(LIVE_MODEL)]) {
        const info = await getOrchestrator(G, { capabilities: caps, ignoreCapacityCheck: true });
        // 7 × (1 + 1/100)
        assert.deepEqual([info.priceInfo?.pricePerUnit, info.priceInfo?.pixelsPerUnit], [707n, 100n]);
        assert.ok(info.ticketParams && info.authToken);
      }
      // Discovery without capabilities is never capped.
      assert.equal((await getOrchestrator(G)).transcoder, url);
    } finally {
      lease.release();
    }
    assert.equal((await getOrchestrator(G, { capabilities: pythonLiveCaps(LIVE_MODEL) })).transcoder, url);
  });

  it('a live model it does not serve is capped (go-livepeer CheckAICapacity false); the flag skips the check', async () => {
    await assert.rejects(getOrchestrator(G, { capabilities: goLiveCaps('other-model') }), capped);
    const info = await getOrchestrator(G, { capabilities: goLiveCaps('other-model'), ignoreCapacityCheck: true });
    assert.equal(info.priceInfo?.pricePerUnit, 0n);
  });
});

describe('GetOrchestrator: AutoAdjustPrice', () => {
  it('quotes base × (1 + 1/txCostMultiplier) to 0.001 wei, binds the ticket params to it, and charges it', async () => {
    const info = await getOrchestrator(G, { capabilities: capabilitiesToWire(aiJobCapabilities('text-to-image', 'sd')) });
    // 3/2 × 1.01 = 1.515
    assert.deepEqual([info.priceInfo?.pricePerUnit, info.priceInfo?.pixelsPerUnit], [303n, 200n]);
    const params = ticketParamsFromWire(info.ticketParams!, priceInfoFromWire(info.priceInfo!));
    assert.equal(params.faceValue, 1_000_000n);
    assert.deepEqual(pricing.forJob(G.address, Capability.TextToImage, 'sd'), { pricePerUnit: 303n, pixelsPerUnit: 200n });
    // capabilities_prices (caps-less discovery) stay unadjusted, as go-livepeer's GetCapabilitiesPrices.
    const all = await getOrchestrator(G);
    const listed = new Map(all.capabilitiesPrices.map((p) => [`${p.capability}/${p.constraint}`, `${p.pricePerUnit}/${p.pixelsPerUnit}`]));
    assert.equal(listed.get(`${Capability.TextToImage}/sd`), '3/2');
    assert.equal(listed.get(`${Capability.LLM}/llama`), '1000/1');
    assert.deepEqual([all.priceInfo?.pricePerUnit, all.priceInfo?.pixelsPerUnit], [0n, 1n]);
  });

  it('a sender whose max float caps the face value pays the larger overhead', async () => {
    // face value 250 000 / txCost 10 000 = 25 → × 1.04: 3/2 → 1.56, 1000 → 1040.
    const t2i = await getOrchestrator(SMALL, { capabilities: capabilitiesToWire(aiJobCapabilities('text-to-image', 'sd')) });
    assert.deepEqual([t2i.priceInfo?.pricePerUnit, t2i.priceInfo?.pixelsPerUnit], [39n, 25n]);
    assert.deepEqual(pricing.forJob(SMALL.address, Capability.LLM, 'llama'), { pricePerUnit: 1040n, pixelsPerUnit: 1n });
  });

  it('a sender without enough reserve gets no priced quote (go-livepeer fails GetOrchestrator), but a free one', async () => {
    await assert.rejects(
      getOrchestrator(BROKE, { capabilities: capabilitiesToWire(aiJobCapabilities('text-to-image', 'sd')) }),
      (e: unknown) => e instanceof ConnectError && /insufficient sender reserve/.test(e.rawMessage),
    );
    assert.equal(refusals.at(-1), 'INSUFFICIENT_SENDER_RESERVE');
    const free = await getOrchestrator(BROKE);
    assert.equal(free.priceInfo?.pricePerUnit, 0n);
    assert.ok(free.ticketParams);
  });
});
