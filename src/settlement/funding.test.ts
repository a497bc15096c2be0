// The funding advisor's figures, checked against numbers worked out by hand from go-livepeer's rules
// (pm.md §4.2, §6.5) and the cases operators reported (#3748: 3 gwei × 1.2M gas × 100 = 0.36 ETH).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseGateway, adviseOrchestrator } from './funding.js';

const ETH = 10n ** 18n;
const GWEI = 10n ** 9n;

describe('adviseGateway', () => {
  it('reproduces #3748: at 3 gwei one orchestrator needs 0.36 ETH of reserve', () => {
    const a = adviseGateway({ deposit: ETH, reserve: 36n * ETH / 100n, poolSize: 1n, gasPrice: 3n * GWEI });
    assert.equal(a.faceValue, 360_000_000_000_000_000n);
    assert.equal(a.reserveNeeded, 360_000_000_000_000_000n);
    assert.equal(a.reserveStatus, 'ok');
    assert.equal(a.depositNeeded, 1_080_000_000_000_000_000n);
    assert.equal(a.depositStatus, 'low');
  });

  it('Arbitrum at 0.01 gwei with 100 orchestrators: 0.0012 ETH face value, 0.12 ETH reserve, refused below 0.0012 ETH', () => {
    const base = { deposit: 10n ** 17n, poolSize: 100n, gasPrice: 10_000_000n };
    const full = adviseGateway({ ...base, reserve: 12n * 10n ** 16n });
    assert.equal(full.faceValue, 1_200_000_000_000_000n);
    assert.equal(full.reserveNeeded, 120_000_000_000_000_000n);
    assert.equal(full.reservePerOrchestrator, 1_200_000_000_000_000n);
    // The minimum share is the redemption cost itself (1.2e6 gas × 0.01 gwei = 1.2e13 wei).
    assert.equal(full.reserveMinimum, 1_200_000_000_000_000n);
    assert.equal(full.reserveStatus, 'ok');
    assert.equal(adviseGateway({ ...base, reserve: 6n * 10n ** 16n }).reserveStatus, 'low');
    const refused = adviseGateway({ ...base, reserve: 10n ** 15n });
    assert.equal(refused.reserveStatus, 'refused');
    assert.match(refused.lines.join('\n'), /reserve too small/);
  });

  it('claimed reserve counts towards the share, as the contract computes it', () => {
    const a = adviseGateway({ deposit: ETH, reserve: 90n, claimedInCurrentRound: 10n, poolSize: 4n, gasPrice: 0n });
    assert.equal(a.reservePerOrchestrator, 25n);
  });

  it('low gas: the face value is EV × 100', () => {
    const a = adviseGateway({ deposit: ETH, reserve: ETH, poolSize: 1n, gasPrice: 1n });
    assert.equal(a.faceValue, 8_000_000_000n * 100n);
  });

  it('an empty pool, an empty deposit and an unlock are refusals in words', () => {
    const a = adviseGateway({ deposit: 0n, reserve: ETH, poolSize: 0n, gasPrice: GWEI });
    assert.equal(a.reservePerOrchestrator, 0n);
    assert.equal(a.depositStatus, 'refused');
    assert.match(a.lines.join('\n'), /no active orchestrators/);
    const u = adviseGateway({ deposit: ETH, reserve: ETH, poolSize: 1n, gasPrice: GWEI, unlocking: true });
    assert.equal(u.depositStatus, 'refused');
    assert.equal(u.reserveStatus, 'refused');
    assert.match(u.lines.join('\n'), /unlock is in progress/);
  });

  it('runway from the observed spend: 0.5 ETH deposit at 0.2 ETH per hour lasts 2.5 h', () => {
    const a = adviseGateway({ deposit: ETH / 2n, reserve: ETH, poolSize: 1n, gasPrice: 0n, spend: { wei: ETH / 10n, seconds: 1800, tickets: 4 } });
    assert.equal(a.spendPerHour, ETH / 5n);
    assert.equal(a.runwayHours, 2.5);
    const idle = adviseGateway({ deposit: ETH, reserve: ETH, poolSize: 1n, gasPrice: 0n, spend: { wei: 0n, seconds: 600, tickets: 0 } });
    assert.equal(idle.runwayHours, undefined);
    assert.match(idle.lines.join('\n'), /no winning ticket redeemed/);
  });
});

describe('adviseOrchestrator', () => {
  it('net = face value − tickets × gas × gas price', () => {
    const a = adviseOrchestrator({ openTickets: 3, openFaceValue: ETH / 100n, gasPrice: GWEI, gasPerTicket: 100_000n });
    assert.equal(a.expectedGas, 300_000_000_000_000n);
    assert.equal(a.net, 10_000_000_000_000_000n - 300_000_000_000_000n);
    assert.match(a.lines[0]!, /3 winning tickets/);
  });
  it('defaults to the Arbitrum redeem gas', () => {
    const a = adviseOrchestrator({ openTickets: 1, openFaceValue: 0n, gasPrice: 1n });
    assert.equal(a.expectedGas, 1_200_000n);
    assert.equal(a.net, -1_200_000n);
  });
});
