// Shared bits of the core contract tests (Controller, token, Minter, RoundsManager, registry).
import assert from 'node:assert/strict';
import { getAbiItem, toFunctionSelector, type Abi, type Address } from 'viem';
import { artifact, EthError, type CallSpec, type Devnet } from '../../src/eth/index.js';

/** A CallSpec for `functionName` on the named contract, with the ABI from build/contracts. */
export function callOf(dev: Devnet, name: keyof Devnet['contracts'] | 'Controller', functionName: string, args: readonly unknown[] = [], value?: bigint): CallSpec {
  const address = name === 'Controller' ? dev.controller : dev.contracts[name];
  const abiName = name === 'AIServiceRegistry' ? 'ServiceRegistry' : name;
  return { address, abi: artifact(abiName).abi, functionName, args, ...(value !== undefined ? { value } : {}) };
}

/** Asserts the transaction reverts with exactly `reason`. */
export async function expectRevert(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof EthError, `expected EthError, got ${String(err)}`);
    assert.equal(err.code, 'TX_REVERTED');
    assert.equal(err.reason, reason, err.message);
    return true;
  });
}

export async function read<T = unknown>(dev: Devnet, name: keyof Devnet['contracts'] | 'Controller', functionName: string, args: readonly unknown[] = [], blockNumber?: bigint): Promise<T> {
  const c = callOf(dev, name, functionName, args);
  return (await dev.publicClient.readContract({
    address: c.address,
    abi: c.abi as Abi,
    functionName,
    args,
    ...(blockNumber !== undefined ? { blockNumber } : {}),
  })) as T;
}

/** The 4-byte selector of `functionName` in the named artifact. */
export function selectorOf(name: string, functionName: string): string {
  const item = getAbiItem({ abi: artifact(name).abi, name: functionName });
  assert.ok(item && item.type === 'function', `${name}.${functionName} not in artifact`);
  return toFunctionSelector(item);
}

export const user = (dev: Devnet, i = 0): Address => dev.accounts.filter((a) => a.role === 'user')[i]!.address;
