// startRedeemer: go-livepeer's -redeemer node. It owns the hot key and the redemption queue;
// orchestrators hand it their winning tickets over gRPC (net.TicketRedeemer) and follow the max
// float of their senders from it, so the key that holds ETH for gas never sits on the job path.
//
// The queue is src/settlement's RedemptionQueue over a Store: QueueTicket answers OK once the
// ticket is committed there. Without a `store` option the node opens its own (SQLite in -dataDir,
// or PostgreSQL with -storeUrl), so a ticket acknowledged before a crash is redeemed after the
// restart.
import { pino, type Logger } from 'pino';
import { createWalletClient, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { PROTOCOL_NAMES, connectChain, rpcTransport, type ChainAdapters, type ProtocolName, type Wallet } from '../../eth/index.js';
import { NonceManager, RewardCaller, RoundInitializer, type PendingRedemption } from '../../settlement/index.js';
import { chainRedemptionQueue, queueSenderMonitor } from '../common/index.js';
import { openStore, storeOptionsFromFlags } from '../../store/index.js';
import { parseRedeemerConfig, type RedeemerConfigInput } from './config.js';
import { RedeemerConfigError } from './errors.js';
import { startRedeemerServer } from './server.js';
import { createRedeemerService } from './service.js';

export interface RedeemerStats {
  /** Tickets taken by QueueTicket. */
  queued: number;
  redeemed: { count: number; faceValue: bigint; txHashes: string[] };
  dropped: number;
  /** Expired unredeemed (their round went by), with the reason in the store. */
  expired: number;
}

export interface Redeemer {
  /** host:port it listens on: the orchestrators' -redeemerAddr. */
  addr: string;
  url: string;
  certPem: string;
  /** The ticket recipient it serves (-ethOrchAddr, or `account`). */
  recipient: Address;
  /** The key's address: it pays the gas. */
  account: Address;
  chain: ChainAdapters;
  stats(): RedeemerStats;
  /** Winning tickets still owed, pending or in flight, as the store has them. */
  pendingRedemptions(): Promise<PendingRedemption[]>;
  /** Re-reads the chain, then redeems everything redeemable and waits. */
  flushRedemptions(): Promise<void>;
  sizes(): { subscribers: number; senders: number; pendingRedemptions: number };
  close(): Promise<void>;
}

const TX_HASHES_KEPT = 1000;

export async function startRedeemer(input: RedeemerConfigInput): Promise<Redeemer> {
  const cfg = parseRedeemerConfig(input);
  const log: Logger = pino({ level: cfg.logLevel, redact: ['ethPrivateKey', '*.ethPrivateKey'] }, pino.destination(2));
  const contracts = cfg.contracts as Partial<Record<ProtocolName, Address>> | undefined;
  for (const k of Object.keys(contracts ?? {})) {
    if (!(PROTOCOL_NAMES as readonly string[]).includes(k)) throw new RedeemerConfigError(`contracts.${k}: unknown contract (known: ${PROTOCOL_NAMES.join(', ')})`);
  }
  const stats: RedeemerStats = { queued: 0, redeemed: { count: 0, faceValue: 0n, txHashes: [] }, dropped: 0, expired: 0 };
  // The store (winning tickets and the watchers' checkpoint), opened first so the watchers resume
  // where the last run stopped. A store given by the caller is the caller's to close; the one
  // opened here is ours. Each ticket is committed to it before QueueTicket answers the orchestrator.
  const store =
    cfg.store ??
    (await openStore(storeOptionsFromFlags({ dataDir: cfg.dataDir, storeUrl: cfg.storeUrl, storeDurability: cfg.storeDurability })).catch((err: unknown) => {
      throw new RedeemerConfigError(`cannot open the winning-ticket store: ${(err as Error).message}`, { cause: err });
    }));
  const adapters = await connectChain({
    rpcUrl: cfg.ethUrl,
    controller: cfg.ethController,
    contracts,
    // Max float is the recipient's share of each sender's reserve, less what waits in the queue.
    claimant: cfg.recipient,
    checkpoints: store.checkpoints,
    pollMs: cfg.pollMs,
    maxGasPrice: cfg.maxGasPrice,
    network: cfg.network,
    onError: (e) => log.warn({ err: e.message }, 'chain poll failed'),
  }).catch(async (err: unknown) => {
    if (!cfg.store) await store.close();
    throw new RedeemerConfigError((err as Error).message, { cause: err });
  });
  const cleanups: (() => void | Promise<void>)[] = [...(cfg.store ? [] : [() => store.close()]), () => adapters.close()];
  const closeAll = async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  };
  try {
    const { publicClient } = adapters;
    // Redemptions, initializeRound and reward share the key: one lane hands out its nonces, so
    // redemptions can be in flight while the others are sent.
    const nonces = new NonceManager({ publicClient, address: cfg.account });
    const wallet = nonces.wrap(
      createWalletClient({ account: privateKeyToAccount(cfg.ethPrivateKey), chain: adapters.chain, transport: rpcTransport(cfg.ethUrl, { retryCount: 1 }) }) as Wallet,
    );
    const rounds = cfg.initializeRound ? new RoundInitializer({ publicClient, wallet, roundsManager: adapters.contracts.RoundsManager, log }) : undefined;
    const ensureRoundInitialized = rounds ? { ensureRoundInitialized: () => rounds.ensure() } : {};
    const reward = cfg.reward
      ? new RewardCaller({ publicClient, wallet, bondingManager: adapters.contracts.BondingManager, roundsManager: adapters.contracts.RoundsManager, log, ...ensureRoundInitialized })
      : undefined;
    if (reward) cleanups.push(() => reward.close());
    log.info({ store: store.describe() }, 'winning-ticket store open');
    let service: ReturnType<typeof createRedeemerService> | undefined = undefined;
    const q = chainRedemptionQueue(adapters, store, wallet, nonces, cfg, {
      log,
      onOutcome: (o) => {
        if (o.kind === 'redeemed') {
          stats.redeemed.count++;
          stats.redeemed.faceValue += o.faceValue;
          if (o.txHash) stats.redeemed.txHashes.push(o.txHash);
          if (stats.redeemed.txHashes.length > TX_HASHES_KEPT) stats.redeemed.txHashes.shift();
          adapters.senders.invalidate(o.sender);
        } else if (o.kind === 'dropped') stats.dropped++;
        else if (o.kind === 'expired') stats.expired++;
        else return;
        // What is pending for the sender moved: its max float may have. (Outcomes of the start-up
        // reconcile come before the service exists; nobody is subscribed then.)
        service?.notify(o.sender);
      },
      ...ensureRoundInitialized,
    });
    cleanups.push(() => q.close());
    // Settles what a previous run left in flight before any new ticket is taken.
    await q.start().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'cannot reconcile in-flight redemptions yet: the next block retries'));
    const svc = createRedeemerService({
      recipient: cfg.recipient,
      ...(cfg.redeemerSecret === undefined ? {} : { secret: cfg.redeemerSecret }),
      sink: q,
      maxFloat: queueSenderMonitor(adapters, q),
      limits: { maxSubscribers: cfg.maxSubscribers, maxPerSender: cfg.maxSubscribersPerSender },
      log,
      onQueued: () => {
        stats.queued++;
        // A ticket whose params already expired can go at once.
        void q.kick().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'redemption pass failed'));
      },
    });
    service = svc;
    cleanups.push(() => svc.close());
    const offBlock = adapters.view.onBlock(() => {
      if (rounds) void rounds.ensure().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'round initialisation failed'));
      reward?.onRound(adapters.view.lastInitializedRound());
      void q.kick().catch((e: unknown) => log.warn({ err: (e as Error).message }, 'redemption pass failed'));
      // Reserves, rounds and claims move with blocks: the streams get what changed.
      svc.notify();
    });
    cleanups.push(offBlock);
    if (reward) void reward.tick();

    const server = await startRedeemerServer({ httpAddr: cfg.httpAddr, dataDir: cfg.dataDir, service: svc });
    cleanups.push(() => server.close());
    log.info({ addr: server.addr, recipient: cfg.recipient, account: cfg.account }, 'Redeemer started');

    let closed = false;
    return {
      addr: server.addr,
      url: server.url,
      certPem: server.certPem,
      recipient: cfg.recipient,
      account: cfg.account,
      chain: adapters,
      stats: () => ({ ...stats, redeemed: { ...stats.redeemed, txHashes: [...stats.redeemed.txHashes] } }),
      pendingRedemptions: () => q.pending(),
      sizes: () => ({ ...svc.sizes(), pendingRedemptions: q.openCount }),
      async flushRedemptions() {
        await adapters.view.refresh();
        await q.flush();
      },
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
