// The chain adapters against a real devnet (anvil + the protocol).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDevnet, type Devnet } from './devnet.js';
import { connectChain, ChainConfigError, type ChainAdapters } from './chain.js';

let dev: Devnet;
let chain: ChainAdapters;
before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1, roundLength: 20n });
  const orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
  chain = await connectChain({ rpcUrl: dev.rpcUrl, controller: dev.controller, claimant: orch.address, pollMs: 50 });
});
after(async () => {
  chain?.close();
  await dev?.stop();
});

describe('connectChain', () => {
  it('resolves the contracts from the Controller', () => {
    assert.equal(chain.contracts.TicketBroker.toLowerCase(), dev.contracts.TicketBroker.toLowerCase());
    assert.equal(chain.contracts.RoundsManager.toLowerCase(), dev.contracts.RoundsManager.toLowerCase());
    assert.equal(chain.chain.id, dev.chainId);
  });

  it('ChainView follows blocks and rounds', async () => {
    const b0 = chain.view.lastSeenL1Block();
    assert.equal(b0, await dev.publicClient.getBlockNumber());
    assert.equal(chain.view.lastInitializedRound(), await dev.currentRound());
    assert.notEqual(chain.view.lastInitializedL1BlockHash(), `0x${'0'.repeat(64)}`);
    let seen = 0n;
    const off = chain.view.onBlock((b) => (seen = b));
    await dev.mine(3);
    await chain.view.refresh();
    assert.equal(chain.view.lastSeenL1Block(), b0 + 3n);
    assert.equal(seen, b0 + 3n);
    off();
    const r = await dev.advanceRounds(1);
    await chain.view.refresh();
    assert.equal(chain.view.lastInitializedRound(), r);
    assert.notEqual(chain.view.preLastInitializedL1BlockHash(), chain.view.lastInitializedL1BlockHash());
  });

  it('reads sender info, the pool and gas price', async () => {
    const gw = dev.accounts.find((a) => a.role === 'gateway')!;
    const info = await chain.senders.getSenderInfo(gw.address);
    assert.ok(info.deposit > 0n);
    assert.ok(info.reserve.fundsRemaining > 0n);
    assert.equal(info.withdrawRound, 0n);
    const nobody = dev.accounts.find((a) => a.role === 'user')!;
    assert.equal((await chain.senders.getSenderInfo(nobody.address)).deposit, 0n);
    assert.equal(chain.view.poolSize(), 1n);
    assert.equal(chain.view.claimantActive(), true);
    assert.equal(await chain.senders.claimedReserve(gw.address), 0n);
    assert.ok(chain.gasPrice.gasPrice() > 0n);
  });

  it('names what is missing', async () => {
    await assert.rejects(connectChain({ rpcUrl: dev.rpcUrl }), (e) => e instanceof ChainConfigError && /RoundsManager/.test(e.message));
    await assert.rejects(connectChain({}), ChainConfigError);
  });
});
