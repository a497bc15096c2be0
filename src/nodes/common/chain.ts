// One call that gives a node everything pm needs from the chain: contract addresses (from the
// Controller, or given), a polling ChainView, sender info, max float and gas price sources.
import { createPublicClient, defineChain, http, isAddress, zeroAddress, type Address, type Chain, type PublicClient } from 'viem';
import { chooseAiServiceRegistry, resolveContracts, type AiServiceRegistry, type AiServiceRegistryChoice, type ProtocolName } from '../../eth/index.js';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';
import { ChainGasPrice } from './chainGas.js';
import { ChainMaxFloat, ChainSenderInfo } from './chainSenders.js';
import { ChainWatcher } from './chainView.js';

export const chainConfigErrorCodes = defineErrorCodes('src/nodes/common (chain)', {
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
  /** The orchestrator whose reserve share bounds face values (needed for maxFloat). */
  claimant?: Address;
  /** Pending redemption face value per sender (go-livepeer pendingAmount), for maxFloat. */
  pending?: (sender: Address) => bigint;
  pollMs?: number;
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
  senders: ChainSenderInfo;
  /** Present when a claimant was given. */
  maxFloat?: ChainMaxFloat;
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
    pc = createPublicClient({ transport: http(opts.rpcUrl, { retryCount: 1 }) }) as PublicClient;
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
  const view = await ChainWatcher.start({ publicClient: pc, roundsManager, pollMs: opts.pollMs, onError: opts.onError });
  let gasPrice: ChainGasPrice;
  try {
    gasPrice = await ChainGasPrice.start({ publicClient: pc, watcher: view, minGasPrice: opts.minGasPrice, maxGasPrice: opts.maxGasPrice, onError: opts.onError });
  } catch (err) {
    view.stop();
    throw err;
  }
  const senders = new ChainSenderInfo({ publicClient: pc, ticketBroker, watcher: view });
  const maxFloat = opts.claimant
    ? new ChainMaxFloat({ publicClient: pc, ticketBroker, watcher: view, claimant: opts.claimant, pending: opts.pending, senders })
    : undefined;
  return {
    publicClient: pc,
    chain,
    contracts,
    aiServiceRegistry,
    view,
    senders,
    maxFloat,
    gasPrice,
    close() {
      maxFloat?.close();
      senders.close();
      gasPrice.close();
      view.stop();
    },
  };
}
