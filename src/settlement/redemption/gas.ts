// The gas price a redemption will pay, from eth_feeHistory: the next block's base fee (the last
// entry of baseFeePerGas, known exactly under EIP-1559) plus a percentile of the priority fees paid
// in recent non-empty blocks. go-livepeer prices redemptions with SuggestGasPrice and prices its
// tickets with a hard-coded 3 gwei "average" (pm/recipient.go, #3744); nothing here is hard-coded.
import type { FeeHistory, PublicClient } from 'viem';

export interface GasQuoteOptions {
  /** Recent blocks to read (default 20). */
  blocks?: number;
  /** The percentile of each block's priority fees (default 50). */
  percentile?: number;
  /** Floor of the priority fee, wei (default 0: Arbitrum ignores tips). */
  minPriorityFee?: bigint;
  /** maxFeePerGas = base fee × this + priority fee, so a few rising blocks do not strand the tx (default 2). */
  baseFeeHeadroom?: bigint;
  /** -maxGasPrice: caps maxFeePerGas (never below the expected price). */
  maxGasPrice?: bigint;
}

export interface GasQuote {
  /** Base fee of the next block, wei. */
  baseFee: bigint;
  /** The priority fee offered, wei. */
  priorityFee: bigint;
  /** What one unit of gas is expected to cost: baseFee + priorityFee. Costs are checked with it. */
  gasPrice: bigint;
  /** The EIP-1559 fields to sign with. */
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** The newest block the history covers. */
  block: bigint;
}

/** Median of a list of bigints (the lower middle for an even count); undefined when empty. */
function median(xs: bigint[]): bigint | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return s[(s.length - 1) >> 1];
}

/** The quote from a fee history (pure, so it is checked on fixed histories as well as on a chain). */
export function gasQuoteFromFeeHistory(h: Pick<FeeHistory, 'baseFeePerGas' | 'gasUsedRatio' | 'reward' | 'oldestBlock'>, opts: GasQuoteOptions = {}): GasQuote {
  const baseFee = h.baseFeePerGas.at(-1) ?? 0n;
  // Empty blocks report a zero reward: they say nothing about what inclusion costs.
  const tips = (h.reward ?? []).flatMap((r, i) => ((h.gasUsedRatio[i] ?? 0) > 0 && r[0] !== undefined ? [r[0]] : []));
  const floor = opts.minPriorityFee ?? 0n;
  const seen = median(tips) ?? floor;
  const priorityFee = seen > floor ? seen : floor;
  const gasPrice = baseFee + priorityFee;
  let maxFeePerGas = baseFee * (opts.baseFeeHeadroom ?? 2n) + priorityFee;
  const cap = opts.maxGasPrice;
  if (cap !== undefined && cap > 0n && maxFeePerGas > cap) maxFeePerGas = cap > gasPrice ? cap : gasPrice;
  const newest = h.oldestBlock + BigInt(Math.max(0, h.gasUsedRatio.length - 1));
  return { baseFee, priorityFee, gasPrice, maxFeePerGas, maxPriorityFeePerGas: priorityFee, block: newest };
}

export async function quoteGas(publicClient: PublicClient, opts: GasQuoteOptions = {}): Promise<GasQuote> {
  const h = await publicClient.getFeeHistory({ blockCount: opts.blocks ?? 20, rewardPercentiles: [opts.percentile ?? 50], blockTag: 'latest' });
  return gasQuoteFromFeeHistory(h, opts);
}
