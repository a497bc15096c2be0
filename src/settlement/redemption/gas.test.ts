// The gas quote from eth_feeHistory, on fixed histories (the devnet suites check it on a chain
// whose base fee is set): next base fee + the median of recent non-empty blocks' priority-fee
// percentile, a floor, the -maxGasPrice cap on maxFeePerGas.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gasQuoteFromFeeHistory } from './gas.js';

const gwei = (n: number) => BigInt(n) * 1_000_000_000n;

describe('gasQuoteFromFeeHistory', () => {
  const history = {
    oldestBlock: 100n,
    // five blocks, then the next block's base fee (known exactly under EIP-1559)
    baseFeePerGas: [gwei(10), gwei(11), gwei(12), gwei(13), gwei(14), gwei(15)],
    gasUsedRatio: [0.5, 0, 0.9, 0.4, 0.7],
    reward: [[gwei(2)], [0n], [gwei(5)], [gwei(1)], [gwei(3)]],
  };

  it('next base fee + the median tip of the non-empty blocks', () => {
    const q = gasQuoteFromFeeHistory(history);
    assert.equal(q.baseFee, gwei(15));
    assert.equal(q.priorityFee, gwei(2), 'tips 2, 5, 1, 3 (the empty block’s 0 ignored): lower middle of 1 2 3 5');
    assert.equal(q.gasPrice, gwei(17));
    assert.equal(q.maxFeePerGas, gwei(32), '2 × base + tip');
    assert.equal(q.maxPriorityFeePerGas, gwei(2));
    assert.equal(q.block, 104n);
  });

  it('empty history or empty blocks: the floor', () => {
    const q = gasQuoteFromFeeHistory({ oldestBlock: 7n, baseFeePerGas: [gwei(1), gwei(1)], gasUsedRatio: [0], reward: [[0n]] }, { minPriorityFee: 3n });
    assert.equal(q.priorityFee, 3n);
    assert.equal(q.gasPrice, gwei(1) + 3n);
    assert.equal(gasQuoteFromFeeHistory(history, { minPriorityFee: gwei(4) }).priorityFee, gwei(4), 'a floor above the median');
  });

  it('-maxGasPrice caps maxFeePerGas, never below the expected price', () => {
    assert.equal(gasQuoteFromFeeHistory(history, { maxGasPrice: gwei(20) }).maxFeePerGas, gwei(20));
    const low = gasQuoteFromFeeHistory(history, { maxGasPrice: gwei(5) });
    assert.equal(low.maxFeePerGas, gwei(17), 'the queue defers above the cap; a signed tx never offers less than the price it was checked at');
    assert.equal(gasQuoteFromFeeHistory(history, { baseFeeHeadroom: 1n }).maxFeePerGas, gwei(17));
  });
});
