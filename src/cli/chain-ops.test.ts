import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAmount, parsePercent } from './chain-ops.js';
import { UsageError } from './flags.js';

describe('chain amount and percentage flags', () => {
  it('parses ETH/LPT decimals exactly', () => {
    assert.equal(parseAmount('amount', '1', 'ETH'), 10n ** 18n);
    assert.equal(parseAmount('amount', '0.000000000000000001', 'ETH'), 1n);
    assert.equal(parseAmount('amount', '123.456', 'LPT'), 123_456n * 10n ** 15n);
  });

  it('refuses what it cannot represent, zero, and missing values', () => {
    for (const bad of ['0.0000000000000000001', '1e18', '-1', 'abc', '', '0', undefined]) {
      assert.throws(() => parseAmount('amount', bad, 'ETH'), UsageError, String(bad));
    }
  });

  it('percentages become parts per million', () => {
    assert.equal(parsePercent('rewardCut', '10'), 100_000n);
    assert.equal(parsePercent('rewardCut', '2.5'), 25_000n);
    assert.equal(parsePercent('rewardCut', '0.0001'), 1n);
    assert.equal(parsePercent('rewardCut', '100'), 1_000_000n);
    assert.equal(parsePercent('rewardCut', '0'), 0n);
    for (const bad of ['100.0001', '101', '0.00001', '-1', '1e2', '', undefined]) {
      assert.throws(() => parsePercent('rewardCut', bad), UsageError, String(bad));
    }
  });
});
