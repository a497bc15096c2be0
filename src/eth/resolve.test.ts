import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zeroAddress, type Address } from 'viem';
import { ARBITRUM_ONE_AI_SERVICE_REGISTRY, chooseAiServiceRegistry } from './resolve.js';

const SR = '0x00000000000000000000000000000000000000a1' as Address;
const AI = '0x00000000000000000000000000000000000000a2' as Address;
const MINE = '0x00000000000000000000000000000000000000a3' as Address;

describe('chooseAiServiceRegistry', () => {
  it('Arbitrum One (by network name or chain id) uses go-livepeer’s address, which its Controller does not register', () => {
    // go-livepeer cmd/livepeer/starter/starter.go hard-codes this one for -aiServiceRegistry.
    assert.equal(ARBITRUM_ONE_AI_SERVICE_REGISTRY, '0x04C0b249740175999E5BF5c9ac1dA92431EF34C5');
    const resolved = { ServiceRegistry: SR, AIServiceRegistry: zeroAddress };
    for (const choice of [undefined, true] as const) {
      assert.deepEqual(chooseAiServiceRegistry({ choice, network: 'arbitrum-one-mainnet', resolved }), { address: ARBITRUM_ONE_AI_SERVICE_REGISTRY, source: 'arbitrum-one' });
      assert.deepEqual(chooseAiServiceRegistry({ choice, chainId: 42161, resolved }), { address: ARBITRUM_ONE_AI_SERVICE_REGISTRY, source: 'arbitrum-one' });
    }
  });

  it('elsewhere: the Controller’s AIServiceRegistry; false = its ServiceRegistry; an address wins over all', () => {
    const resolved = { ServiceRegistry: SR, AIServiceRegistry: AI };
    assert.equal(chooseAiServiceRegistry({ choice: undefined, network: 'devnet', chainId: 31337, resolved }).address, AI);
    assert.equal(chooseAiServiceRegistry({ choice: true, chainId: 31337, resolved }).address, AI);
    assert.deepEqual(chooseAiServiceRegistry({ choice: false, chainId: 42161, resolved }), { address: SR, source: 'controller:ServiceRegistry' });
    assert.deepEqual(chooseAiServiceRegistry({ choice: MINE, chainId: 42161, resolved }), { address: MINE, source: 'flag' });
  });

  it('a chain without an AI registry: unset falls back to the ServiceRegistry, explicit true finds none', () => {
    const resolved = { ServiceRegistry: SR, AIServiceRegistry: zeroAddress };
    assert.deepEqual(chooseAiServiceRegistry({ choice: undefined, chainId: 1, resolved }), { address: SR, source: 'controller:ServiceRegistry' });
    assert.equal(chooseAiServiceRegistry({ choice: true, chainId: 1, resolved }).address, zeroAddress);
  });
});
