// Deploys the whole protocol from build/contracts and configures it: every contract registered in
// the Controller by name, parameters set, MINTER_ROLE to the Minter, system unpaused.
import { keccak256, stringToHex, type Address, type PublicClient } from 'viem';
import { artifact, hasArtifact } from './artifacts.js';
import { deploy, sendTx, type Wallet } from './tx.js';

export interface ProtocolParams {
  /** Blocks per round. */
  roundLength: bigint;
  /** Locked tail of a round, out of 1e6. */
  roundLockAmount: bigint;
  /** Rounds. */
  unbondingPeriod: bigint;
  numActiveTranscoders: bigint;
  /** Rounds. */
  unlockPeriod: bigint;
  /** Rounds. */
  ticketValidityPeriod: bigint;
  /** Minter percentages, out of 1e9. */
  inflation: bigint;
  inflationChange: bigint;
  targetBondingRate: bigint;
}

/** Arbitrum One's values where they suit a devnet; periods shortened so tests run in few rounds. */
export const DEVNET_PARAMS: ProtocolParams = {
  roundLength: 50n,
  roundLockAmount: 100_000n,
  unbondingPeriod: 2n,
  numActiveTranscoders: 10n,
  unlockPeriod: 2n,
  ticketValidityPeriod: 2n,
  inflation: 218_500n,
  inflationChange: 500n,
  targetBondingRate: 500_000_000n,
};

export interface ProtocolAddresses {
  Controller: Address;
  LivepeerToken: Address;
  Minter: Address;
  RoundsManager: Address;
  BondingManager: Address | undefined;
  TicketBroker: Address | undefined;
  ServiceRegistry: Address;
  AIServiceRegistry: Address;
}

/** keccak256 of the name: the Controller's registry key. */
export function contractId(name: string): `0x${string}` {
  return keccak256(stringToHex(name));
}

/** Address of the placeholder BondingManager used while the real one is not compiled yet. */
export const NULL_BONDING_MANAGER: Address = '0x00000000000000000000000000000000000b0b0b';

export const MINTER_ROLE = keccak256(stringToHex('MINTER_ROLE'));
export const BURNER_ROLE = keccak256(stringToHex('BURNER_ROLE'));

/** DEVNET_PARAMS overridden by the defined ProtocolParams keys of `given` (other keys ignored). */
export function pickParams(given: Partial<ProtocolParams> = {}): ProtocolParams {
  const out = { ...DEVNET_PARAMS };
  for (const k of Object.keys(DEVNET_PARAMS) as (keyof ProtocolParams)[]) {
    const v = given[k];
    if (v !== undefined) out[k] = BigInt(v);
  }
  return out;
}

export interface DeployOptions {
  publicClient: PublicClient;
  deployer: Wallet;
  params?: Partial<ProtocolParams>;
  /** Progress lines (e.g. to stderr). */
  log?: (line: string) => void;
}

export async function deployProtocol(opts: DeployOptions): Promise<{ addresses: ProtocolAddresses; params: ProtocolParams }> {
  const { publicClient, deployer } = opts;
  const log = opts.log ?? (() => {});
  const params = pickParams(opts.params);
  const dep = (name: string, args: readonly unknown[] = [], as = name) => {
    const a = artifact(name);
    return deploy(publicClient, deployer, { name: as, abi: a.abi, bytecode: a.bytecode, args });
  };
  const call = (address: Address, name: string, functionName: string, args: readonly unknown[] = []) =>
    sendTx(publicClient, deployer, { address, abi: artifact(name).abi, functionName, args });

  const controller = await dep('Controller');
  const token = await dep('LivepeerToken');
  const minter = await dep('Minter', [controller, params.inflation, params.inflationChange, params.targetBondingRate]);
  const rounds = await dep('RoundsManager', [controller]);
  const registry = await dep('ServiceRegistry', [controller]);
  const aiRegistry = await dep('ServiceRegistry', [controller], 'AIServiceRegistry');
  let bonding: Address | undefined;
  if (hasArtifact('BondingManager')) bonding = await dep('BondingManager', [controller]);
  else {
    // Until BondingManager is compiled, a placeholder whose every call returns 32 zero bytes keeps
    // initializeRound (which calls it) working; bond/reward/fee crediting are then unavailable.
    bonding = NULL_BONDING_MANAGER;
    await publicClient.request({ method: 'anvil_setCode', params: [bonding, '0x60206000f3'] } as never);
    log('devnet: WARNING build/contracts/BondingManager.json not found; registered a placeholder that answers 0 to every call');
  }
  let broker: Address | undefined;
  if (hasArtifact('TicketBroker')) broker = await dep('TicketBroker', [controller]);
  else log('devnet: build/contracts/TicketBroker.json not found; TicketBroker is not deployed (tickets unavailable)');
  log(`devnet: deployed Controller ${controller}`);

  const names: [string, Address | undefined][] = [
    ['LivepeerToken', token],
    ['Minter', minter],
    ['RoundsManager', rounds],
    ['ServiceRegistry', registry],
    // Not registered on Arbitrum (go-livepeer hard-codes its address); registered here so a devnet
    // client can find it from the Controller alone.
    ['AIServiceRegistry', aiRegistry],
    ['BondingManager', bonding],
    ['TicketBroker', broker],
    // The Minter accepts ETH deposits and withdrawals from "JobsManager": the TicketBroker.
    ['JobsManager', broker],
  ];
  const noCommit = `0x${'00'.repeat(20)}` as const;
  for (const [name, addr] of names) {
    if (addr) await call(controller, 'Controller', 'setContractInfo', [contractId(name), addr, noCommit]);
  }
  await call(token, 'LivepeerToken', 'grantRole', [MINTER_ROLE, minter]);
  await call(rounds, 'RoundsManager', 'setRoundLength', [params.roundLength]);
  await call(rounds, 'RoundsManager', 'setRoundLockAmount', [params.roundLockAmount]);
  if (bonding && bonding !== NULL_BONDING_MANAGER) {
    await call(bonding, 'BondingManager', 'setUnbondingPeriod', [params.unbondingPeriod]);
    await call(bonding, 'BondingManager', 'setNumActiveTranscoders', [params.numActiveTranscoders]);
  }
  if (broker) {
    await call(broker, 'TicketBroker', 'setUnlockPeriod', [params.unlockPeriod]);
    await call(broker, 'TicketBroker', 'setTicketValidityPeriod', [params.ticketValidityPeriod]);
  }
  await call(controller, 'Controller', 'unpause');
  log('devnet: contracts registered, parameters set, system unpaused');
  return {
    addresses: {
      Controller: controller,
      LivepeerToken: token,
      Minter: minter,
      RoundsManager: rounds,
      BondingManager: bonding,
      TicketBroker: broker,
      ServiceRegistry: registry,
      AIServiceRegistry: aiRegistry,
    },
    params,
  };
}
