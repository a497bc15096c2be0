// A complete local network in one call: anvil + the protocol + funded, bonded orchestrators and
// funded gateways, ending at the start of an initialised round in which the orchestrators are active.
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  parseEther,
  zeroAddress,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from 'viem';
import { rpcTransport } from './rpc-transport.js';
import { privateKeyToAccount } from 'viem/accounts';
import { assignRoles, deriveDevKeys, type DevAccount } from './accounts.js';
import { startAnvil, type Anvil } from './anvil.js';
import { artifact } from './artifacts.js';
import { deployProtocol, MINTER_ROLE, NULL_BONDING_MANAGER, pickParams, type ProtocolParams } from './deploy.js';
import { EthError } from './errors.js';
import { sendTx, type CallSpec, type Wallet } from './tx.js';
import type { TransactionReceipt } from 'viem';

export type ContractName =
  | 'BondingManager'
  | 'TicketBroker'
  | 'RoundsManager'
  | 'Minter'
  | 'LivepeerToken'
  | 'ServiceRegistry'
  | 'AIServiceRegistry';

export interface DevnetOptions extends Partial<ProtocolParams> {
  /** 127.0.0.1 port for anvil; a free one when absent. */
  port?: number;
  /** Orchestrator accounts to fund, bond, register and give a service URI (default 2). */
  orchestrators?: number;
  /** Gateway accounts with a TicketBroker deposit and reserve (default 1). */
  gateways?: number;
  /** Total dev accounts (default: enough for the roles plus 4 spare "user" accounts, at least 10). */
  accounts?: number;
  chainId?: number;
  /** LPT minted to every dev account (default 10000 LPT). */
  lptPerAccount?: bigint;
  /** Self-bond of orchestrator i is `orchestratorStake - i × 1 LPT`, so the pool order is fixed (default 1000 LPT). */
  orchestratorStake?: bigint;
  /** Self-bond of each orchestrator (LPT wei), overriding orchestratorStake; distinct values keep the pool order fixed. */
  orchestratorStakes?: readonly bigint[];
  /** Out of 1e6 (default 100000 = 10%). */
  rewardCut?: bigint;
  /** Out of 1e6; the share of fees passed to delegators (default 0: the orchestrator keeps all fees). */
  feeShare?: bigint;
  /**
   * Service URI of orchestrator i (0-based); default https://127.0.0.1:<8935+i>. `false`: register none,
   * for callers that start the orchestrator on port 0 and let it register the address it got (its
   * `registerServiceURI` option, sent through its own wallet), so no port is guessed before it is bound.
   */
  serviceURI?: ((index: number, address: Address) => string) | false;
  /** Deposit and reserve of each gateway, wei (default 1 ETH each). */
  gatewayDeposit?: bigint;
  gatewayReserve?: bigint;
  /** After setup, mine a block every `blockTime` seconds (setup itself always runs in automine mode). */
  blockTime?: number;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface Devnet {
  rpcUrl: string;
  chainId: number;
  chain: Chain;
  controller: Address;
  /** Zero address for a contract whose artifact was missing at start. */
  contracts: Record<ContractName, Address>;
  accounts: DevAccount[];
  params: ProtocolParams;
  publicClient: PublicClient;
  anvil: Anvil;
  /** A wallet client that signs locally with the account's key (a DevAccount, a private key, or a dev address). */
  walletClient(account: DevAccount | Hex | Address): Wallet;
  /**
   * Lets `address` (e.g. a contract such as the registered TicketBroker) send transactions without
   * its key, funded with 10 ETH: afterwards `walletClient(address)` / `send(address, …)` act as it.
   */
  impersonate(address: Address): Promise<Wallet>;
  /** `writeContract` + mined receipt; throws EthError TX_REVERTED with the decoded reason. */
  send(account: DevAccount | Hex | Address, call: CallSpec): Promise<TransactionReceipt>;
  /** Mines `blocks` empty blocks instantly. */
  mine(blocks: number | bigint): Promise<void>;
  /** n times: mine to the next round's first block and initialise it. Returns the new current round. */
  advanceRounds(n?: number): Promise<bigint>;
  /** Mines to the start of the next round without initialising it (a skipped round stays uninitialised). */
  mineToNextRound(): Promise<bigint>;
  currentRound(): Promise<bigint>;
  stop(): Promise<void>;
}

const roundsAbi = () => artifact('RoundsManager').abi;

/** Shortest round used while setting the network up (see startDevnet). */
const SETUP_ROUND_LENGTH = 50n;
/** Blocks per anvil_mine request (devnet.mine splits larger jumps). */
const MINE_CHUNK = 250n;

export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const log = opts.log ?? (() => {});
  const orchestrators = opts.orchestrators ?? 2;
  const gateways = opts.gateways ?? 1;
  if (orchestrators < 0 || gateways < 0) throw new EthError('BAD_CONFIG', 'orchestrators and gateways must be ≥ 0');
  const total = Math.max(opts.accounts ?? 0, 10, 1 + orchestrators + gateways + 4);
  const keys = deriveDevKeys(total);
  const accounts = assignRoles(keys, orchestrators, gateways);
  const chainId = opts.chainId ?? 31337;

  const anvil = await startAnvil({ port: opts.port, accounts: total, chainId });
  try {
    log(`devnet: anvil on ${anvil.rpcUrl} (pid ${anvil.pid})`);
    const chain = defineChain({
      id: chainId,
      name: 'livepeer-ts devnet',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const transport = rpcTransport(anvil.rpcUrl, { retryCount: 0 });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 20 }) as PublicClient;
    const wallets = new Map<string, Wallet>();
    const impersonated = new Map<string, Wallet>();
    const walletClient = (who: DevAccount | Hex | Address): Wallet => {
      let pk: Hex;
      if (typeof who === 'object') pk = who.privateKey;
      else if (who.length === 66) pk = who as Hex;
      else if (impersonated.has(who.toLowerCase())) return impersonated.get(who.toLowerCase())!;
      else {
        const found = accounts.find((a) => a.address.toLowerCase() === who.toLowerCase());
        if (!found) throw new EthError('BAD_CONFIG', `${who} is not a devnet account; pass its private key`);
        pk = found.privateKey;
      }
      let w = wallets.get(pk);
      if (!w) {
        w = createWalletClient({ account: privateKeyToAccount(pk), chain, transport, pollingInterval: 20 });
        wallets.set(pk, w);
      }
      return w;
    };
    const send = (who: DevAccount | Hex | Address, call: CallSpec) => sendTx(publicClient, walletClient(who), call);
    const deployer = accounts[0]!;

    // Setup needs a few unlocked blocks per orchestrator inside one round, so it runs with rounds of
    // at least SETUP_ROUND_LENGTH blocks; a shorter requested length is set once setup is done
    // (setRoundLength re-anchors, so round numbers stay continuous).
    const wanted = pickParams(opts);
    const setupLength = wanted.roundLength < SETUP_ROUND_LENGTH ? SETUP_ROUND_LENGTH : wanted.roundLength;
    const deployed = await deployProtocol({ publicClient, deployer: walletClient(deployer), params: { ...wanted, roundLength: setupLength }, log });
    const addresses = deployed.addresses;
    const params = deployed.params;
    const contracts: Record<ContractName, Address> = {
      BondingManager: addresses.BondingManager ?? zeroAddress,
      TicketBroker: addresses.TicketBroker ?? zeroAddress,
      RoundsManager: addresses.RoundsManager,
      Minter: addresses.Minter,
      LivepeerToken: addresses.LivepeerToken,
      ServiceRegistry: addresses.ServiceRegistry,
      AIServiceRegistry: addresses.AIServiceRegistry,
    };

    const rpc = (method: string, params: unknown[]) =>
      publicClient.request({ method, params } as never) as Promise<unknown>;
    const impersonate = async (address: Address): Promise<Wallet> => {
      await rpc('anvil_impersonateAccount', [address]);
      await rpc('anvil_setBalance', [address, `0x${parseEther('10').toString(16)}`]);
      const w = createWalletClient({ account: address, chain, transport, pollingInterval: 20 }) as unknown as Wallet;
      impersonated.set(address.toLowerCase(), w);
      return w;
    };
    // In requests of at most MINE_CHUNK blocks, so that none runs into the RPC timeout on a busy machine.
    const mine = async (blocks: number | bigint) => {
      for (let left = BigInt(blocks); left > 0n; ) {
        const n = left < MINE_CHUNK ? left : MINE_CHUNK;
        await rpc('anvil_mine', [`0x${n.toString(16)}`]);
        left -= n;
      }
    };
    const readRounds = (functionName: string) =>
      publicClient.readContract({ address: contracts.RoundsManager, abi: roundsAbi(), functionName }) as Promise<bigint>;
    const currentRound = () => readRounds('currentRound');
    const mineToNextRound = async () => {
      const [start, length, block] = await Promise.all([
        readRounds('currentRoundStartBlock'),
        readRounds('roundLength'),
        publicClient.getBlockNumber({ cacheTime: 0 }),
      ]);
      await mine(start + length - block);
      return currentRound();
    };
    const advanceRounds = async (n = 1) => {
      for (let i = 0; i < n; i++) {
        await mineToNextRound();
        await send(deployer, { address: contracts.RoundsManager, abi: roundsAbi(), functionName: 'initializeRound' });
      }
      return currentRound();
    };
    // Blocks left before the current round locks (transcoder() reverts while locked).
    const unlockedBlocksLeft = async () => {
      const [start, block] = await Promise.all([readRounds('currentRoundStartBlock'), publicClient.getBlockNumber({ cacheTime: 0 })]);
      const lockStart = start + params.roundLength - (params.roundLength * params.roundLockAmount) / 1_000_000n;
      return lockStart - block - 1n;
    };

    // LPT for every dev account: the deployer mints as a temporary minter, then gives the role up.
    const lptAbi = artifact('LivepeerToken').abi;
    const lpt = (functionName: string, args: readonly unknown[]): CallSpec => ({
      address: contracts.LivepeerToken,
      abi: lptAbi,
      functionName,
      args,
    });
    const lptEach = opts.lptPerAccount ?? parseEther('10000');
    await send(deployer, lpt('grantRole', [MINTER_ROLE, deployer.address]));
    for (const a of accounts) await send(deployer, lpt('mint', [a.address, lptEach]));
    await send(deployer, lpt('renounceRole', [MINTER_ROLE, deployer.address]));
    log(`devnet: minted ${lptEach} LPT wei to each of ${accounts.length} accounts`);

    await advanceRounds(1);
    const orchs = accounts.filter((a) => a.role === 'orchestrator');
    if (addresses.BondingManager && addresses.BondingManager !== NULL_BONDING_MANAGER && orchs.length) {
      const bmAbi = artifact('BondingManager').abi;
      const srAbi = artifact('ServiceRegistry').abi;
      const stake = opts.orchestratorStake ?? parseEther('1000');
      for (const [i, o] of orchs.entries()) {
        // approve, bond, transcoder (then the service URIs): keep them in one unlocked stretch of a round.
        if ((await unlockedBlocksLeft()) < 5n) await advanceRounds(1);
        const amount = opts.orchestratorStakes?.[i] ?? stake - BigInt(i) * parseEther('1');
        await send(o, lpt('approve', [contracts.BondingManager, amount]));
        await send(o, { address: contracts.BondingManager, abi: bmAbi, functionName: 'bond', args: [amount, o.address] });
        await send(o, {
          address: contracts.BondingManager,
          abi: bmAbi,
          functionName: 'transcoder',
          args: [opts.rewardCut ?? 100_000n, opts.feeShare ?? 0n],
        });
        if (opts.serviceURI !== false) {
          const uri = opts.serviceURI?.(i, o.address) ?? `https://127.0.0.1:${8935 + i}`;
          await send(o, { address: contracts.ServiceRegistry, abi: srAbi, functionName: 'setServiceURI', args: [uri] });
          // AI nodes look themselves up in the AI registry (as on Arbitrum One): register there too.
          if (contracts.AIServiceRegistry !== zeroAddress) {
            await send(o, { address: contracts.AIServiceRegistry, abi: srAbi, functionName: 'setServiceURI', args: [uri] });
          }
        }
      }
      log(`devnet: ${orchs.length} orchestrator(s) bonded and registered`);
    }
    const gws = accounts.filter((a) => a.role === 'gateway');
    if (addresses.TicketBroker && gws.length) {
      const tbAbi = artifact('TicketBroker').abi;
      const deposit = opts.gatewayDeposit ?? parseEther('1');
      const reserve = opts.gatewayReserve ?? parseEther('1');
      for (const g of gws) {
        await send(g, {
          address: contracts.TicketBroker,
          abi: tbAbi,
          functionName: 'fundDepositAndReserve',
          args: [deposit, reserve],
          value: deposit + reserve,
        });
      }
      log(`devnet: ${gws.length} gateway(s) funded`);
    }
    // Orchestrators that joined the pool this round become active from the next one.
    let round = await advanceRounds(1);
    if (wanted.roundLength !== setupLength) {
      await send(deployer, { address: contracts.RoundsManager, abi: roundsAbi(), functionName: 'setRoundLength', args: [wanted.roundLength] });
      params.roundLength = wanted.roundLength;
      round = await advanceRounds(1);
    }
    if (opts.blockTime && opts.blockTime > 0) await rpc('evm_setIntervalMining', [opts.blockTime]);
    log(`devnet: ready in round ${round}`);

    return {
      rpcUrl: anvil.rpcUrl,
      chainId,
      chain,
      controller: addresses.Controller,
      contracts,
      accounts,
      params,
      publicClient,
      anvil,
      walletClient,
      impersonate,
      send,
      mine,
      advanceRounds,
      mineToNextRound,
      currentRound,
      stop: anvil.stop,
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}
