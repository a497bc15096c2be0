// Finds the protocol contracts from a Controller address, the way go-livepeer does at start:
// `getContract(keccak256(name))` for each name (0 when a name is not registered).
import { zeroAddress, type Address, type PublicClient } from 'viem';
import { controllerAbi } from './bindings/index.js';
import { contractId } from './deploy.js';

export const PROTOCOL_NAMES = [
  'BondingManager',
  'TicketBroker',
  'RoundsManager',
  'Minter',
  'LivepeerToken',
  'ServiceRegistry',
  'AIServiceRegistry',
] as const;

export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export async function resolveContracts(publicClient: PublicClient, controller: Address): Promise<Record<ProtocolName, Address>> {
  const entries = await Promise.all(
    PROTOCOL_NAMES.map(async (name) => {
      const addr = await publicClient.readContract({
        address: controller,
        abi: controllerAbi,
        functionName: 'getContract',
        args: [contractId(name)],
      });
      return [name, addr] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ProtocolName, Address>;
}

export function isRegistered(addr: Address): boolean {
  return addr !== zeroAddress;
}
