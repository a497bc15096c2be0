// What an on-chain orchestrator does for the protocol besides taking payments: initialise rounds
// (-initializeRound), call reward() once per round while active (-reward), and check the service
// URI it is registered with in the AI service registry (-aiServiceRegistry).
import type { Logger } from 'pino';
import { sendTx, serviceRegistryAbi, type AiServiceRegistry, type ChainAdapters, type Wallet } from '../../eth/index.js';
import { RewardCaller, RoundInitializer, type RewardStatus } from '../../settlement/index.js';

export interface OnChainStatus {
  /** The registry gateways look this orchestrator up in, and how it was chosen. */
  serviceRegistry: AiServiceRegistry;
  /** The URI registered there for this orchestrator at start ('' when none; undefined if the read failed). */
  registeredServiceURI: string | undefined;
  /** undefined with -reward=false. */
  reward: RewardStatus | undefined;
}

export interface ProtocolDuties {
  rounds: RoundInitializer | undefined;
  /**
   * Reads the registered service URI and warns when gateways would dial somewhere else; with
   * `register`, sets it to `ourUrl` instead (through the node's serialized wallet).
   */
  checkServiceURI(ourUrl: string, register?: boolean): Promise<void>;
  status(): OnChainStatus;
  close(): void;
}

export function startProtocolDuties(opts: {
  adapters: ChainAdapters;
  wallet: Wallet;
  initializeRound: boolean;
  reward: boolean;
  log: Logger;
}): ProtocolDuties {
  const { adapters, wallet, log } = opts;
  const me = wallet.account.address;
  const rounds = opts.initializeRound
    ? new RoundInitializer({ publicClient: adapters.publicClient, wallet, roundsManager: adapters.contracts.RoundsManager, log })
    : undefined;
  const reward = opts.reward
    ? new RewardCaller({
        publicClient: adapters.publicClient,
        wallet,
        bondingManager: adapters.contracts.BondingManager,
        roundsManager: adapters.contracts.RoundsManager,
        ...(rounds ? { ensureRoundInitialized: () => rounds.ensure() } : {}),
        log,
      })
    : undefined;
  const offBlock = adapters.view.onBlock(() => {
    if (rounds) void rounds.ensure().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'round initialisation failed'));
    reward?.onRound(adapters.view.lastInitializedRound());
  });
  const offRound = adapters.view.onRound((r) => reward?.onRound(r));
  // The view's first read happened before we subscribed: check the current round now.
  if (reward) void reward.tick();
  log.info(
    { reward: opts.reward, initializeRound: opts.initializeRound, serviceRegistry: adapters.aiServiceRegistry.address, source: adapters.aiServiceRegistry.source },
    'protocol duties',
  );

  let registered: string | undefined;
  return {
    rounds,
    async checkServiceURI(ourUrl, register = false) {
      const registry = adapters.aiServiceRegistry.address;
      try {
        registered = await adapters.publicClient.readContract({ address: registry, abi: serviceRegistryAbi, functionName: 'getServiceURI', args: [me] });
      } catch (err) {
        log.warn({ err: (err as Error).message, registry }, 'cannot read the service URI from the AI service registry');
        return;
      }
      if (register && registered !== ourUrl) {
        await sendTx(adapters.publicClient, wallet, { address: registry, abi: serviceRegistryAbi, functionName: 'setServiceURI', args: [ourUrl] });
        registered = ourUrl;
        log.info({ registry, url: ourUrl }, 'service URI registered');
        return;
      }
      if (registered === '') log.warn({ registry, url: ourUrl }, 'no service URI registered for this orchestrator: gateways cannot find it (livepeer-ts chain register -serviceURI)');
      else if (registered !== ourUrl) log.warn({ registry, registered, url: ourUrl }, 'the registered service URI differs from this node’s address: gateways dial the registered one');
      else log.info({ registry, url: ourUrl }, 'service URI registered');
    },
    status: () => ({ serviceRegistry: adapters.aiServiceRegistry, registeredServiceURI: registered, reward: reward?.status() }),
    close() {
      offBlock();
      offRound();
      reward?.close();
    },
  };
}
