// Sending a contract call or deployment and getting its mined receipt, with reverts turned into
// EthError('TX_REVERTED') that carry the decoded reason.
import {
  TransactionReceiptNotFoundError,
  BaseError,
  getAddress,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { EthError } from './errors.js';

export type Wallet = WalletClient<Transport, Chain, Account>;

export interface CallSpec {
  address: Address;
  abi: Abi | readonly unknown[];
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
}

/**
 * The decoded revert reason of a failed call or estimate ("ticket is used"; a custom error as
 * "Name(args)"), or undefined when the error is not a decoded revert (an RPC failure, a timeout).
 * Decisions are made on this, never on the error's message.
 */
export function decodedRevertReason(err: unknown): string | undefined {
  if (!(err instanceof BaseError)) return undefined;
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) {
    if (revert.reason) return revert.reason;
    if (revert.data?.errorName) return `${revert.data.errorName}(${(revert.data.args ?? []).map(String).join(', ')})`;
  }
  return undefined;
}

/** The revert reason of a failed call or estimate ("ticket is used"), or the error's short message (for people). */
export function revertReason(err: unknown): string {
  const decoded = decodedRevertReason(err);
  if (decoded !== undefined) return decoded;
  if (err instanceof BaseError) return err.shortMessage;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Polls for a receipt until it appears (bounded by `timeoutMs`). viem's waitForTransactionReceipt
 * checks once and then waits for the NEXT block; on an automine chain with nothing else to mine
 * that block may never come, so a receipt that was not yet visible at the first check times out
 * after minutes. Polling the receipt itself has no such race.
 */
export async function waitForReceipt(
  publicClient: PublicClient,
  hash: Hex,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<TransactionReceipt> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const interval = opts.intervalMs ?? 20;
  for (;;) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (err) {
      if (!(err instanceof TransactionReceiptNotFoundError)) throw err;
    }
    if (Date.now() > deadline) {
      throw new EthError('TX_TIMEOUT', `transaction ${hash} was not mined within ${opts.timeoutMs ?? 120_000} ms: is the chain producing blocks?`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function sendTx(publicClient: PublicClient, wallet: Wallet, call: CallSpec): Promise<TransactionReceipt> {
  let hash: Hex;
  try {
    hash = await wallet.writeContract({
      address: call.address,
      abi: call.abi as Abi,
      functionName: call.functionName,
      args: call.args ?? [],
      ...(call.value !== undefined ? { value: call.value } : {}),
    } as Parameters<Wallet['writeContract']>[0]);
  } catch (err) {
    const reason = decodedRevertReason(err);
    throw new EthError('TX_REVERTED', `${call.functionName} reverted: ${revertReason(err)}`, { fatal: false, cause: err, ...(reason === undefined ? {} : { reason }) });
  }
  const receipt = await waitForReceipt(publicClient, hash);
  if (receipt.status !== 'success') {
    // Mined but reverted (nodes that sign for an unlocked account may not pre-estimate): replay the
    // call on the parent block to recover the reason.
    let reason: string | undefined;
    try {
      await publicClient.simulateContract({
        address: call.address,
        abi: call.abi as Abi,
        functionName: call.functionName,
        args: call.args ?? [],
        account: wallet.account,
        blockNumber: receipt.blockNumber - 1n,
        ...(call.value !== undefined ? { value: call.value } : {}),
      } as Parameters<PublicClient['simulateContract']>[0]);
    } catch (err) {
      reason = decodedRevertReason(err);
    }
    throw new EthError('TX_REVERTED', `${call.functionName} reverted on chain (tx ${hash})${reason ? `: ${reason}` : ''}`, {
      fatal: false,
      txHash: hash,
      ...(reason !== undefined ? { reason } : {}),
    });
  }
  return receipt;
}

export async function deploy(
  publicClient: PublicClient,
  wallet: Wallet,
  spec: { name: string; abi: Abi; bytecode: Hex; args?: readonly unknown[] },
): Promise<Address> {
  let hash: Hex;
  try {
    hash = await wallet.deployContract({ abi: spec.abi, bytecode: spec.bytecode, args: spec.args ?? [] } as Parameters<
      Wallet['deployContract']
    >[0]);
  } catch (err) {
    throw new EthError('DEPLOY_FAILED', `deploying ${spec.name} failed: ${revertReason(err)}`, { cause: err });
  }
  const receipt = await waitForReceipt(publicClient, hash);
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new EthError('DEPLOY_FAILED', `deploying ${spec.name} reverted (tx ${hash})`);
  }
  return getAddress(receipt.contractAddress);
}
