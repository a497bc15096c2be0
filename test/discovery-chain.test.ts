// On-chain discovery on the anvil devnet: the transcoder pool walked from BondingManager, stakes
// read from the chain, URIs from the AI service registry (which wins) or ServiceRegistry (fallback),
// including an orchestrator registered only in the AI registry and one registered nowhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther, type Address } from 'viem';
import { bondingManagerAbi, serviceRegistryAbi, startDevnet, type DevAccount, type Devnet } from '../src/eth/index.js';
import { ChainPoolSource, Discovery } from '../src/market/index.js';

describe('on-chain discovery (devnet)', () => {
  let dev: Devnet;
  let orchs: DevAccount[];
  before(async () => {
    dev = await startDevnet({ orchestrators: 5, gateways: 0, serviceURI: false });
    orchs = dev.accounts.filter((a) => a.role === 'orchestrator');
    const set = (o: DevAccount, registry: Address, uri: string) => dev.send(o, { address: registry, abi: serviceRegistryAbi, functionName: 'setServiceURI', args: [uri] });
    const { ServiceRegistry: sr, AIServiceRegistry: ai } = dev.contracts;
    await set(orchs[0]!, sr, 'https://127.0.0.1:7001');
    await set(orchs[0]!, ai, 'https://127.0.0.1:7001');
    // A transcoding URI and a different AI URI: the AI registry's wins.
    await set(orchs[1]!, sr, 'https://transcode.example:1');
    await set(orchs[1]!, ai, 'https://127.0.0.1:7002');
    // Only in the AI registry.
    await set(orchs[2]!, ai, 'https://127.0.0.1:7003');
    // Only in ServiceRegistry: the fallback.
    await set(orchs[3]!, sr, '127.0.0.1:7004');
    // orchs[4]: registered nowhere.
  });
  after(async () => {
    await dev?.stop();
  });

  it('lists every active pool member with a URI, its stake from BondingManager, the AI registry first', async () => {
    const skipped: [Address, string][] = [];
    const src = new ChainPoolSource({
      publicClient: dev.publicClient,
      bondingManager: dev.contracts.BondingManager,
      serviceRegistry: dev.contracts.ServiceRegistry,
      aiServiceRegistry: dev.contracts.AIServiceRegistry,
      onSkip: (a, why) => skipped.push([a, why]),
    });
    const entries = await src.list();
    const byAddr = new Map(entries.map((e) => [e.address!.toLowerCase(), e]));
    const want: [number, string][] = [
      [0, 'https://127.0.0.1:7001'],
      [1, 'https://127.0.0.1:7002'],
      [2, 'https://127.0.0.1:7003'],
      [3, 'https://127.0.0.1:7004'],
    ];
    assert.equal(entries.length, 4);
    for (const [i, url] of want) {
      const e = byAddr.get(orchs[i]!.address.toLowerCase());
      assert.ok(e, `orchestrator ${i} listed`);
      assert.equal(e.url, url);
      // The devnet bonds orchestrator i with 1000 − i LPT (its own stake, nothing delegated).
      assert.equal(e.stake, parseEther('1000') - BigInt(i) * parseEther('1'));
      const onChain = await dev.publicClient.readContract({ address: dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'transcoderTotalStake', args: [orchs[i]!.address] });
      assert.equal(e.stake, onChain);
    }
    assert.deepEqual(skipped, [[orchs[4]!.address, 'no service URI in either registry']]);
  });

  it('feeds the registry: entries carry the chain as their source and their stake', async () => {
    const d = new Discovery({
      sources: [
        new ChainPoolSource({
          publicClient: dev.publicClient,
          bondingManager: dev.contracts.BondingManager,
          serviceRegistry: dev.contracts.ServiceRegistry,
          aiServiceRegistry: dev.contracts.AIServiceRegistry,
        }),
      ],
      refreshMs: 0,
    });
    await d.start();
    const e = d.get('https://127.0.0.1:7003')!;
    assert.deepEqual(e.sources, ['chain']);
    assert.equal(e.address!.toLowerCase(), orchs[2]!.address.toLowerCase());
    assert.equal(e.stake, parseEther('998'));
    d.close();
  });
});
