// One call that gives a node everything pm needs from the chain: contract addresses (from the
// Controller, or given), the chain watchers (blocks, rounds, pool, senders: one block follower,
// restarting from a checkpoint when a store is given) and the gas price source. The max float is
// computed from these by src/settlement's SenderMonitor.
import { createPublicClient, defineChain, isAddress, zeroAddress, type Address, type Chain, type PublicClient } from 'viem';
import { rpcTransport } from './rpc-transport.js';
import { chooseAiServiceRegistry, resolveContracts, type AiServiceRegistry, type AiServiceRegistryChoice, type ProtocolName } from './resolve.js';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../errors/index.js';
import { ChainGasPrice } from './chainGas.js';
import { ChainWatcher } from './chainView.js';
import type { WatcherCheckpoints } from './follower.js';
import type { SenderWatcher } from './senderWatcher.js';

export const chainConfigErrorCodes = defineErrorCodes('src/eth (chain)', {
  CHAIN_CONFIG: 'The chain cannot be used as configured (unreachable -ethUrl, a contract missing from the Controller): the node does not start.',
});

export class ChainConfigError extends LivepeerError<CodeOf<typeof chainConfigErrorCodes>> {
  override name = 'ChainConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHAIN_CONFIG', message, { fatal: true, ...(options?.cause === undefined ? {} : { cause: options.cause }) });
  }
}

export interface ConnectChainOptions {
  /** JSON-RPC URL (-ethUrl); ignored when publicClient is given. */
  rpcUrl?: string;
  publicClient?: PublicClient;
  /** -ethController: the other addresses are resolved from it (go-livepeer's startup). */
  controller?: Address;
  /** Explicit addresses; override what the Controller says. */
  contracts?: Partial<Record<ProtocolName, Address>>;
  /** -network (go-livepeer's names; `arbitrum-one-mainnet` picks go-livepeer's AI registry). */
  network?: string;
  /** -aiServiceRegistry: which registry `contracts.AIServiceRegistry` is (default: the network's AI registry). */
  aiServiceRegistry?: AiServiceRegistryChoice;
  /** The orchestrator whose reserve claims and activity are watched (the ticket recipient). */
  claimant?: Address;
  /** Where the watchers' position survives a restart (src/store's CheckpointStore); absent = memory. */
  checkpoints?: WatcherCheckpoints;
  pollMs?: number;
  /** Blocks the watchers step back on a reorg (default 16). */
  reorgDepth?: number;
  /** Longest wait between failing polls while the RPC is down (default 30 s). */
  maxBackoffMs?: number;
  minGasPrice?: bigint;
  maxGasPrice?: bigint;
  onError?: (err: Error) => void;
}

export interface ChainAdapters {
  publicClient: PublicClient;
  chain: Chain;
  /** `AIServiceRegistry` is the registry this node registers in and reads service URIs from. */
  contracts: Record<ProtocolName, Address>;
  /** How `contracts.AIServiceRegistry` was chosen. */
  aiServiceRegistry: AiServiceRegistry;
  view: ChainWatcher;
  senders: SenderWatcher;
  gasPrice: ChainGasPrice;
  close(): void;
}

const NAMES: ProtocolName[] = ['BondingManager', 'TicketBroker', 'RoundsManager', 'Minter', 'LivepeerToken', 'ServiceRegistry', 'AIServiceRegistry'];

function need(contracts: Record<ProtocolName, Address>, name: ProtocolName): Address {
  const a = contracts[name];
  if (!a || a === zeroAddress) {
    throw new ChainConfigError(`${name} address unknown: pass -ethController (a Controller that registers ${name}) or its address`);
  }
  return a;
}

export async function connectChain(opts: ConnectChainOptions): Promise<ChainAdapters> {
  let pc = opts.publicClient;
  if (!pc) {
    if (!opts.rpcUrl) throw new ChainConfigError('no chain: pass -ethUrl (a JSON-RPC URL) or -network offchain');
    pc = createPublicClient({ transport: rpcTransport(opts.rpcUrl, { retryCount: 1 }) }) as PublicClient;
  }
  let chainId: number;
  try {
    chainId = await pc.getChainId();
  } catch (err) {
    throw new ChainConfigError(`cannot reach the Ethereum node at ${opts.rpcUrl ?? 'the given client'}: ${(err as Error).message}`, { cause: err });
  }
  const rpc = opts.rpcUrl ?? pc.transport.url ?? '';
  const chain =
    pc.chain ??
    defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpc] } } });
  const contracts = Object.fromEntries(NAMES.map((n) => [n, zeroAddress as Address])) as Record<ProtocolName, Address>;
  if (opts.controller) {
    if (!isAddress(opts.controller)) throw new ChainConfigError(`-ethController ${opts.controller} is not an address`);
    Object.assign(contracts, await resolveContracts(pc, opts.controller));
  }
  for (const [k, v] of Object.entries(opts.contracts ?? {})) if (v) contracts[k as ProtocolName] = v;
  // The Controller does not register the AI registry on Arbitrum One: the flag or the network decides.
  const aiServiceRegistry: AiServiceRegistry = opts.contracts?.AIServiceRegistry
    ? { address: opts.contracts.AIServiceRegistry, source: 'flag' }
    : chooseAiServiceRegistry({ choice: opts.aiServiceRegistry, network: opts.network, chainId, resolved: contracts });
  if (opts.aiServiceRegistry === true && aiServiceRegistry.address === zeroAddress) {
    throw new ChainConfigError(`-aiServiceRegistry: chain ${chainId} has no known AI service registry and the Controller registers none; pass its address`);
  }
  contracts.AIServiceRegistry = aiServiceRegistry.address;
  const roundsManager = need(contracts, 'RoundsManager');
  const ticketBroker = need(contracts, 'TicketBroker');
  const bondingManager = contracts.BondingManager !== zeroAddress ? contracts.BondingManager : undefined;
  const view = await ChainWatcher.start({
    publicClient: pc,
    roundsManager,
    ticketBroker,
    ...(bondingManager ? { bondingManager } : {}),
    ...(opts.claimant ? { claimant: opts.claimant } : {}),
    ...(opts.checkpoints ? { checkpoints: opts.checkpoints } : {}),
    pollMs: opts.pollMs,
    reorgDepth: opts.reorgDepth,
    maxBackoffMs: opts.maxBackoffMs,
    onError: opts.onError,
  });
  let gasPrice: ChainGasPrice;
  try {
    gasPrice = await ChainGasPrice.start({ publicClient: pc, watcher: view, minGasPrice: opts.minGasPrice, maxGasPrice: opts.maxGasPrice, onError: opts.onError });
  } catch (err) {
    view.stop();
    throw err;
  }
  const senders = view.senders!;
  return {
    publicClient: pc,
    chain,
    contracts,
    aiServiceRegistry,
    view,
    senders,
    gasPrice,
    close() {
      gasPrice.close();
      view.stop();
    },
  };
}
