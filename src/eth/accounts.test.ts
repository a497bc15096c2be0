import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mnemonicToAccount, privateKeyToAddress } from 'viem/accounts';
import { assignRoles, deriveDevKeys } from './accounts.js';

describe('dev accounts', () => {
  it('derives anvil’s well-known accounts from its default mnemonic', () => {
    const keys = deriveDevKeys(3);
    assert.equal(keys[0]!.address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    assert.equal(keys[1]!.address, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    for (const k of keys) assert.equal(privateKeyToAddress(k.privateKey), k.address);
  });

  it('agrees with viem’s mnemonicToAccount (an independent derivation), also for another mnemonic', () => {
    const other = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    for (const m of [undefined, other]) {
      const keys = m === undefined ? deriveDevKeys(5) : deriveDevKeys(5, m);
      keys.forEach((k, i) => {
        const acct = mnemonicToAccount(m ?? 'test test test test test test test test test test test junk', { addressIndex: i });
        assert.equal(k.address, acct.address);
        assert.equal(k.privateKey, `0x${Buffer.from(acct.getHdKey().privateKey!).toString('hex')}`);
      });
    }
  });

  it('assigns deployer, orchestrators, gateways, then users', () => {
    const roles = assignRoles(deriveDevKeys(7), 2, 3).map((a) => a.role);
    assert.deepEqual(roles, ['deployer', 'orchestrator', 'orchestrator', 'gateway', 'gateway', 'gateway', 'user']);
  });
});
