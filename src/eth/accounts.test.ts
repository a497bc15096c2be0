import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privateKeyToAddress } from 'viem/accounts';
import { assignRoles, deriveDevKeys } from './accounts.js';

describe('dev accounts', () => {
  it('derives anvil’s well-known accounts from its default mnemonic', () => {
    const keys = deriveDevKeys(3);
    assert.equal(keys[0]!.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    assert.equal(keys[1]!.address, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    for (const k of keys) assert.equal(privateKeyToAddress(k.privateKey), k.address);
  });

  it('assigns deployer, orchestrators, gateways, then users', () => {
    const roles = assignRoles(deriveDevKeys(7), 2, 3).map((a) => a.role);
    assert.deepEqual(roles, ['deployer', 'orchestrator', 'orchestrator', 'gateway', 'gateway', 'gateway', 'user']);
  });
});
