// A gateway with no -orchAddr on the devnet finds its orchestrators on chain: BondingManager's pool,
// stakes from it, URIs from the AI service registry (one orchestrator is registered only there) or
// ServiceRegistry (one only there), and pays them: real anvil, real gRPC + HTTPS orchestrators.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Address } from 'viem';
import { startReferenceRunner, type ReferenceRunner } from '../src/ai/index.js';
import { serviceRegistryAbi, startDevnet, type DevAccount, type Devnet } from '../src/eth/index.js';
import { startGateway, type GatewayHandle } from '../src/nodes/gateway/index.js';
import { startFakeOrchestrator, type FakeOrchestrator } from './gateway-fake-orchestrator.js';

let dev: Devnet;
let runner: ReferenceRunner;
const fakes: FakeOrchestrator[] = [];
let orchs: DevAccount[];
let gw: GatewayHandle;

before(async () => {
  dev = await startDevnet({ orchestrators: 3, gateways: 1, serviceURI: false });
  runner = await startReferenceRunner({ pipeline: 'text-to-image' });
  orchs = dev.accounts.filter((a) => a.role === 'orchestrator');
  for (const o of orchs) {
    fakes.push(
      await startFakeOrchestrator({
        runners: { 'text-to-image': runner.url },
        models: { 'text-to-image': runner.modelId },
        price: { pricePerUnit: 1_000_000_000n, pixelsPerUnit: 1n },
        privateKey: o.privateKey,
        chain: { publicClient: dev.publicClient, roundsManager: dev.contracts.RoundsManager, faceValue: 100_000_000_000_000n, ev: 1_000_000_000_000n },
      }),
    );
  }
  const set = (o: DevAccount, registry: Address, uri: string) => dev.send(o, { address: registry, abi: serviceRegistryAbi, functionName: 'setServiceURI', args: [uri] });
  await set(orchs[0]!, dev.contracts.ServiceRegistry, fakes[0]!.url);
  await set(orchs[0]!, dev.contracts.AIServiceRegistry, fakes[0]!.url);
  await set(orchs[1]!, dev.contracts.AIServiceRegistry, fakes[1]!.url); // only in the AI registry
  await set(orchs[2]!, dev.contracts.ServiceRegistry, fakes[2]!.url); // only in ServiceRegistry
  gw = await startGateway({
    httpAddr: '127.0.0.1:0',
    ethUrl: dev.rpcUrl,
    ethController: dev.controller,
    ethPrivateKey: dev.accounts.find((a) => a.role === 'gateway')!.privateKey,
    logLevel: 'silent',
  });
});

after(async () => {
  await gw?.close();
  for (const f of fakes) await f.close();
  await runner?.close();
  await dev?.stop();
});

describe('on-chain discovery through the gateway', () => {
  it('lists every registered orchestrator with its stake and the draw\'s probability, and runs jobs on them', async () => {
    const t = await gw.orchestrators('text-to-image');
    assert.equal(t.orchestrators.length, 3);
    const stakes = orchs.map((_, i) => 1000n - BigInt(i)); // the devnet bonds 1000 − i LPT
    const total = stakes.reduce((a, b) => a + b, 0n);
    for (const [i, f] of fakes.entries()) {
      const r = t.orchestrators.find((x) => x.url === f.url);
      assert.ok(r, `orchestrator ${i} listed`);
      assert.deepEqual(r.sources, ['chain']);
      assert.equal(r.address!.toLowerCase(), orchs[i]!.address.toLowerCase());
      assert.equal(r.stake, (stakes[i]! * 10n ** 18n).toString());
      assert.equal(r.qualifies, true, `${r.url}: ${r.qualifies} ${r.detail}`);
      // go-livepeer's default weights: 0.7 · stake share + 0.3 / n.
      const expected = (0.7 * Number(stakes[i]!)) / Number(total) + 0.3 / 3;
      assert.ok(Math.abs(r.probability! - expected) < 1e-9, `${r.probability} vs ${expected}`);
    }
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${gw.url}/text-to-image`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: `on chain ${i}`, width: 16, height: 16 }) });
      assert.equal(res.status, 200, await res.text());
    }
    // The one registered only in the AI registry takes a job pinned to it, paid with tickets.
    const before = fakes[1]!.jobs.length;
    const res = await fetch(`${gw.url}/text-to-image`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'livepeer-parameters': JSON.stringify({ orchestrators: { include: [fakes[1]!.url] } }) },
      body: JSON.stringify({ prompt: 'AI registry only', width: 16, height: 16 }),
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(fakes[1]!.jobs.length, before + 1);
    // Its first job found no credit there, so it carried tickets (later ones may ride on that credit).
    assert.ok(fakes[1]!.jobs[0]!.payment.tickets.length > 0, 'paid with tickets');
    assert.equal(fakes.reduce((a, f) => a + f.jobs.length, 0), 7);
  });
});
