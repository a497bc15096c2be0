// Shared by the redemption-queue suites: a devnet with funded gateways, always-winning tickets
// signed by a real sender key, a queue over a store from the factory under test, and independent
// reads of the chain (usedTickets, the orchestrator's fees in BondingManager) to check it against.
import { parseEther, type Address, type Hex } from 'viem';
import { bondingManagerAbi, roundsManagerAbi, startDevnet, ticketBrokerAbi, type DevAccount, type Devnet } from '../../src/eth/index.js';
import { MAX_WIN_PROB, localTicketSigner, recipientRandHash, ticketHash, ticketHashBytes, type Ticket, type WinningTicket } from '../../src/pm/index.js';
import { NonceManager, RedemptionQueue, RoundInitializer, type RedemptionOutcome, type RedemptionQueueOptions } from '../../src/settlement/index.js';
import { after, before } from 'node:test';
import type { StoreFactory } from '../../src/settlement/redemption/testkit.js';
import type { Store } from '../../src/store/index.js';

export interface Env {
  dev: Devnet;
  orch: DevAccount;
  gateways: DevAccount[];
  users: DevAccount[];
}

export async function startEnv(): Promise<Env> {
  const dev = await startDevnet({ orchestrators: 1, gateways: 2, gatewayDeposit: parseEther('10'), gatewayReserve: parseEther('1') });
  return {
    dev,
    orch: dev.accounts.find((a) => a.role === 'orchestrator')!,
    gateways: dev.accounts.filter((a) => a.role === 'gateway'),
    users: dev.accounts.filter((a) => a.role === 'user'),
  };
}

let nonce = 0n;

/** An always-winning ticket from `sender` to the orchestrator, created in the current round (or `creationRound`). */
/**
 * A suite's devnet and stores: the devnet started in `before` (handed to `setEnv`), and in `after`
 * every store `fresh()` made closed and the devnet stopped. Returns `fresh`.
 */
export function suiteEnv(factory: StoreFactory, setEnv: (env: Env) => void): () => Promise<Store> {
  let env: Env | undefined;
  const stores: Store[] = [];
  before(async () => {
    env = await startEnv();
    setEnv(env);
  });
  after(async () => {
    for (const s of stores) await s.close();
    await env?.dev.stop();
  });
  return async () => {
    const s = await factory();
    stores.push(s);
    return s;
  };
}

export async function winningTicket(env: Env, opts: { sender?: DevAccount; faceValue?: bigint; paramsExpireIn?: bigint; creationRound?: bigint } = {}): Promise<WinningTicket> {
  const { dev } = env;
  const sender = opts.sender ?? env.gateways[0]!;
  const round = opts.creationRound ?? (await dev.currentRound());
  const hash = await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] });
  const rand = 0x5eed0000n + ++nonce;
  const ticket: Ticket = {
    recipient: env.orch.address,
    sender: sender.address,
    faceValue: opts.faceValue ?? parseEther('0.01'),
    winProb: MAX_WIN_PROB,
    senderNonce: nonce,
    recipientRandHash: recipientRandHash(rand),
    creationRound: round,
    creationRoundBlockHash: hash as Hex,
    paramsExpirationBlock: (await dev.publicClient.getBlockNumber({ cacheTime: 0 })) + (opts.paramsExpireIn ?? 0n),
    price: { pricePerUnit: 0n, pixelsPerUnit: 1n },
  };
  const sig = await localTicketSigner(sender.privateKey).sign(ticketHashBytes(ticket));
  return { ticket, sig, recipientRand: rand, sessionId: ticket.recipientRandHash };
}

export const hashOf = (w: WinningTicket) => ticketHash(w.ticket);

export const used = (env: Env, w: WinningTicket) =>
  env.dev.publicClient.readContract({ address: env.dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [hashOf(w)] });

/** The orchestrator's fees claimable in BondingManager (feeShare 0: it keeps every fee). */
export async function fees(env: Env, who: Address = env.orch.address): Promise<bigint> {
  const round = await env.dev.currentRound();
  return env.dev.publicClient.readContract({ address: env.dev.contracts.BondingManager, abi: bondingManagerAbi, functionName: 'pendingFees', args: [who, round] });
}

export const rpc = (env: Env, method: string, params: unknown[] = []) => env.dev.publicClient.request({ method, params } as never) as Promise<unknown>;
export const hex = (n: bigint) => `0x${n.toString(16)}`;

export function queue(env: Env, store: Store, extra: Partial<RedemptionQueueOptions> = {}) {
  const outcomes: RedemptionOutcome[] = [];
  const nonces = extra.nonces ?? new NonceManager({ publicClient: env.dev.publicClient, address: env.orch.address });
  const q = new RedemptionQueue({
    nonces,
    store,
    publicClient: env.dev.publicClient,
    wallet: env.dev.walletClient(env.orch),
    ticketBroker: env.dev.contracts.TicketBroker,
    roundsManager: env.dev.contracts.RoundsManager,
    onOutcome: (o) => outcomes.push(o),
    ...extra,
  });
  return { q, nonces, outcomes, of: (kind: RedemptionOutcome['kind']) => outcomes.filter((o) => o.kind === kind) };
}

/** A round initialiser with the orchestrator's key — through `nonces` when given, as the node wires it. */
export const rounds = (env: Env, nonces?: NonceManager) => {
  const wallet = env.dev.walletClient(env.orch);
  return new RoundInitializer({ publicClient: env.dev.publicClient, wallet: nonces ? nonces.wrap(wallet) : wallet, roundsManager: env.dev.contracts.RoundsManager });
};

/** Transactions the orchestrator's key has had mined. */
export const minedNonce = (env: Env) => env.dev.publicClient.getTransactionCount({ address: env.orch.address, blockTag: 'latest' });
