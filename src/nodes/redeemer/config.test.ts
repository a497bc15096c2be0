// Who holds which key: the redeemer needs the key that pays gas and serves -ethOrchAddr (default:
// its own account, as go-livepeer's recipientAddr); an orchestrator with -redeemerAddr needs no key
// when it names its recipient, and without a key it cannot sign transactions (-initializeRound).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOrchestratorConfig } from '../orchestrator/index.js';
import { parseRedeemerConfig } from './config.js';
import { RedeemerConfigError } from './errors.js';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'; // anvil #1
const KEY_ADDR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const ORCH = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const chain = { ethUrl: 'http://127.0.0.1:1', ethController: '0x0000000000000000000000000000000000000001' };

describe('redeemer config', () => {
  it('serves the key\'s own address by default and calls reward then; -ethOrchAddr (checksummed) turns reward off by default', () => {
    const own = parseRedeemerConfig({ ...chain, ethPrivateKey: KEY }, {});
    assert.equal(own.account, KEY_ADDR);
    assert.equal(own.recipient, KEY_ADDR);
    assert.equal(own.reward, true);
    assert.equal(own.httpAddr, '127.0.0.1:8935', 'go-livepeer\'s default -httpAddr for a redeemer');
    const other = parseRedeemerConfig({ ...chain, ethOrchAddr: ORCH }, { LIVEPEER_TS_PRIVATE_KEY: KEY });
    assert.equal(other.account, KEY_ADDR);
    assert.equal(other.recipient, '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC');
    assert.equal(other.reward, false);
    assert.equal(parseRedeemerConfig({ ...chain, ethOrchAddr: ORCH, ethPrivateKey: KEY, reward: true }, {}).reward, true);
  });

  it('refuses a config it cannot redeem with (typed REDEEMER_BAD_CONFIG)', () => {
    const bad = (input: Parameters<typeof parseRedeemerConfig>[0], msg: RegExp) =>
      assert.throws(() => parseRedeemerConfig(input, {}), (e: unknown) => e instanceof RedeemerConfigError && e.code === 'REDEEMER_BAD_CONFIG' && msg.test(e.message));
    bad({ ...chain }, /needs the key that pays for redemptions/);
    bad({ ...chain, ethPrivateKey: KEY, network: 'offchain' }, /nothing to redeem/);
    bad({ ethUrl: chain.ethUrl, ethPrivateKey: KEY }, /-ethController is required/);
    bad({ ...chain, ethPrivateKey: KEY, ethOrchAddr: '0x12' }, /ethOrchAddr/);
    bad({ ...chain, ethPrivateKey: KEY, redeemerAddr: 'x' } as never, /redeemerAddr/);
  });

  it('refuses a public address without a shared secret (its key pays gas); a secret from the flag or the environment allows it', () => {
    for (const httpAddr of ['0.0.0.0:8935', '10.0.0.5:8935', '[::]:8935', 'redeemer.internal:8935']) {
      assert.throws(() => parseRedeemerConfig({ ...chain, ethPrivateKey: KEY, httpAddr }, {}), (e: unknown) => e instanceof RedeemerConfigError && /not a loopback address/.test(e.message), httpAddr);
    }
    for (const httpAddr of ['127.0.0.1:0', 'localhost:8935', '[::1]:8935']) assert.equal(parseRedeemerConfig({ ...chain, ethPrivateKey: KEY, httpAddr }, {}).redeemerSecret, undefined);
    const secret = 'sixteen chars ok';
    assert.equal(parseRedeemerConfig({ ...chain, ethPrivateKey: KEY, httpAddr: '0.0.0.0:8935', redeemerSecret: secret }, {}).redeemerSecret, secret);
    assert.equal(parseRedeemerConfig({ ...chain, ethPrivateKey: KEY, httpAddr: '0.0.0.0:8935' }, { LIVEPEER_TS_REDEEMER_SECRET: secret }).redeemerSecret, secret);
    assert.throws(() => parseRedeemerConfig({ ...chain, ethPrivateKey: KEY, redeemerSecret: 'short' }, {}), /at least 16 characters/);
  });
});

describe('orchestrator with -redeemerAddr', () => {
  const base = { aiModels: 'llm:m:true', network: 'devnet', ...chain };
  it('needs no key when it names its recipient (-ethOrchAddr)', () => {
    const c = parseOrchestratorConfig({ ...base, redeemerAddr: '127.0.0.1:8936', ethOrchAddr: ORCH }, {});
    assert.equal(c.ethPrivateKey, undefined);
    assert.equal(c.redeemerAddr, '127.0.0.1:8936');
  });

  it('without a key: -ethOrchAddr is required, -initializeRound refused; without -redeemerAddr the key stays required', () => {
    assert.throws(() => parseOrchestratorConfig({ ...base, redeemerAddr: '127.0.0.1:8936' }, {}), /needs -ethOrchAddr/);
    assert.throws(() => parseOrchestratorConfig({ ...base, redeemerAddr: '127.0.0.1:8936', ethOrchAddr: ORCH, initializeRound: true }, {}), /-initializeRound sends transactions/);
    assert.throws(() => parseOrchestratorConfig({ ...base, ethOrchAddr: ORCH }, {}), /needs its key on chain/);
  });
});
