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

/** Arbitrum One's chain id, and go-livepeer's `arbitrum-one-mainnet` network name. */
export const ARBITRUM_ONE_CHAIN_ID = 42161;
export const ARBITRUM_ONE_NETWORK = 'arbitrum-one-mainnet';
/**
 * The AI subnet's ServiceRegistry on Arbitrum One: not registered in the Controller; go-livepeer
 * hard-codes it for `-aiServiceRegistry` (cmd/livepeer/starter/starter.go).
 */
export const ARBITRUM_ONE_AI_SERVICE_REGISTRY: Address = '0x04C0b249740175999E5BF5c9ac1dA92431EF34C5';

/**
 * `-aiServiceRegistry`: true = the network's AI service registry, false = the Controller's
 * (transcoding) ServiceRegistry, as go-livepeer without the flag; an address = that contract.
 */
export type AiServiceRegistryChoice = boolean | Address;

export interface AiServiceRegistry {
  address: Address;
  /** Where the address came from, for the startup log. */
  source: 'flag' | 'arbitrum-one' | 'controller:AIServiceRegistry' | 'controller:ServiceRegistry';
}

/**
 * The registry an AI node registers in and reads service URIs from. Arbitrum One (by network name
 * or chain id) uses go-livepeer's hard-coded address; another chain uses the Controller's
 * `AIServiceRegistry` (our devnet registers one); left unset (undefined), a chain without one falls
 * back to the Controller's ServiceRegistry. Zero address when nothing fits.
 */
export function chooseAiServiceRegistry(opts: {
  choice: AiServiceRegistryChoice | undefined;
  network?: string;
  chainId?: number;
  resolved: Partial<Record<ProtocolName, Address>>;
}): AiServiceRegistry {
  const { choice, resolved } = opts;
  if (typeof choice === 'string') return { address: choice, source: 'flag' };
  if (choice === false) return { address: resolved.ServiceRegistry ?? zeroAddress, source: 'controller:ServiceRegistry' };
  if (opts.network === ARBITRUM_ONE_NETWORK || opts.chainId === ARBITRUM_ONE_CHAIN_ID) {
    return { address: ARBITRUM_ONE_AI_SERVICE_REGISTRY, source: 'arbitrum-one' };
  }
  const ai = resolved.AIServiceRegistry ?? zeroAddress;
  // By default, a chain without an AI registry falls back to the one go-livepeer reads without the flag.
  if (choice === undefined && ai === zeroAddress) return { address: resolved.ServiceRegistry ?? zeroAddress, source: 'controller:ServiceRegistry' };
  return { address: ai, source: 'controller:AIServiceRegistry' };
}
