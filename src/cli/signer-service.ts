// The one place the `signer` command builds its RemoteSignerService from the flags: the chain
// (watchers for rounds, blocks and the signer's own deposit and reserve), the replay store (SQLite
// in -dataDir, or PostgreSQL with -storeUrl, shared by replicas) and src/signer's createRemoteSigner.
import { connectChain, type ChainAdapters } from '../eth/index.js';
import type { PriceLimits } from '../market/index.js';
import type { SignerServiceSeams } from '../nodes/signer/index.js';
import { SignerNodeConfigError } from '../nodes/signer/index.js';
import { createRemoteSigner, type RemoteSignerService } from '../signer/index.js';
import { openStore, storeOptionsFromFlags, type Store } from '../store/index.js';

/** What the flags say about the service (go-livepeer names; wei amounts exact). */
export interface SignerServiceFlags {
  network: string;
  ethUrl: string;
  ethController: `0x${string}` | undefined;
  privateKey: `0x${string}`;
  dataDir: string;
  storeUrl: string | undefined;
  /** -storeDurability (full: fsync per commit, the default; normal: survives a process crash only). */
  storeDurability?: 'full' | 'normal';
  priceLimits: PriceLimits;
  maxTicketEV: bigint;
  maxTotalEV: bigint;
  depositMultiplier: bigint;
  statelessSigner: boolean;
  maxSpendPerSession: bigint | undefined;
  maxSpendPerAuthId: bigint | undefined;
  maxSpendAuthIdWindowMs: number;
  maxSpendTotal: bigint | undefined;
}

/**
 * `onChain` hears of the chain once it is connected (the CLI builds -remoteDiscovery's on-chain
 * pool from it).
 */
export async function createSignerService(flags: SignerServiceFlags, seams: SignerServiceSeams, onChain?: (chain: ChainAdapters) => void): Promise<RemoteSignerService> {
  if (flags.network === 'offchain') throw new SignerNodeConfigError('a remote signer needs a chain (go-livepeer refuses -network offchain): pass -ethUrl and -ethController');
  let store: Store | undefined;
  if (!flags.statelessSigner) {
    try {
      store = await openStore(storeOptionsFromFlags({ dataDir: flags.dataDir, ...(flags.storeUrl ? { storeUrl: flags.storeUrl } : {}), ...(flags.storeDurability ? { storeDurability: flags.storeDurability } : {}) }));
    } catch (err) {
      throw new SignerNodeConfigError(`cannot open the replay store: ${(err as Error).message}`, { cause: err });
    }
  }
  let chain: Awaited<ReturnType<typeof connectChain>>;
  try {
    chain = await connectChain({ rpcUrl: flags.ethUrl, controller: flags.ethController, network: flags.network });
  } catch (err) {
    await store?.close();
    throw new SignerNodeConfigError(`cannot start on-chain: ${(err as Error).message}`, { cause: err });
  }
  onChain?.(chain);
  const service = createRemoteSigner({
    privateKey: flags.privateKey,
    chain: chain.view,
    senders: chain.senders,
    maxTicketEV: flags.maxTicketEV,
    maxTotalEV: flags.maxTotalEV,
    depositMultiplier: flags.depositMultiplier,
    priceLimits: flags.priceLimits,
    events: seams.events,
    ...(seams.authorizer ? { authorizer: seams.authorizer } : {}),
    statelessSigner: flags.statelessSigner,
    ...(store?.signerStates ? { store: store.signerStates } : {}),
    caps: {
      maxSpendPerSession: flags.maxSpendPerSession,
      maxSpendPerAuthId: flags.maxSpendPerAuthId,
      authIdWindowMs: flags.maxSpendAuthIdWindowMs,
      maxSpendTotal: flags.maxSpendTotal,
    },
  });
  return {
    signOrchestratorInfo: () => service.signOrchestratorInfo(),
    generateLivePayment: (body, ctx) => service.generateLivePayment(body, ctx),
    async close() {
      await service.close();
      chain.close();
      await store?.close();
    },
  };
}
