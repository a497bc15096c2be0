// Which `pending` tickets to send now, and why the others wait. For each ticket, in order:
// 1. expired (creationRound + ticketValidityPeriod ≤ the round the tx would run in) → `expired`;
// 2. params not expired yet (paramsExpirationBlock > latest L1 block: recipientRand must stay
//    secret while the gateway may still use the params — go-livepeer's fairness rule) → waits;
// 3. a backoff (notBeforeBlock) → waits; so does a ticket that can still be redeemed next round
//    while the pending block is in its round's last few blocks (a transaction mined after the
//    boundary, before the new round is initialised, reverts — a batch of them whole);
// 4. gas price above -maxGasPrice, or a face value below the least gas any redemption has needed
//    (× price × costMultiplier) → deferred without simulating;
// 5. simulated alone at the pending block (eth_estimateGas; the pass's due tickets several at a
//    time): a revert is decided by its decoded code (drop / expire / initialise the round and
//    simulate again / defer);
// 6. what the sender can pay (at the latest block): deposit + this recipient's reserve share − what
//    our transactions in flight claim from it. Nothing above the gas cost → deferred; less than the
//    face value → deferred until a top-up, except in the ticket's last round, when it is sent for
//    what it pays;
// 7. worth its gas: pays more than gas × price × costMultiplier (in the last round: more than the
//    gas cost — go-livepeer's only check, faceValue > txCost) → accepted, else deferred.
import type { Address } from 'viem';
import { decodedRevertReason, ticketBrokerAbi, ticketBrokerRevertCode } from '../../eth/index.js';
import type { StoredTicket } from '../../store/index.js';
import { redeemArgs } from './calls.js';
import { revertCodeOf, revertDecision } from './codes.js';
import { defer, finish, senderOf, type QueueContext } from './context.js';
import type { GasQuote } from './gas.js';

export interface PlanInput {
  /** The chain's latest block (backoffs and history lines are in these). */
  block: bigint;
  /** Latest L1 block (params expiry; the chain's own block except on Arbitrum). */
  l1Block: bigint;
  /** The round a transaction sent now runs in (RoundsManager.currentRound at the pending block). */
  round: bigint;
  validity: bigint;
  quote: GasQuote;
  /** Face value already on its way to us per sender (lowercase): tickets in flight. */
  committed: Map<string, bigint>;
  /**
   * Tickets this pass can send (free transaction slots × batch size): no more are simulated, the
   * later-expiring rest waits for the next pass instead of costing an estimate each now.
   */
  limit?: number;
  /**
   * The pending block is in the last blocks of its round (RedemptionQueueOptions.roundEndGuard):
   * only tickets in their last redeemable round are sent; the others wait for the next round.
   */
  roundEnding?: boolean;
}

export interface Candidate {
  t: StoredTicket;
  /** eth_estimateGas of the ticket alone. */
  gas: bigint;
  /** What it pays (face value, or less in its last round). */
  payout: bigint;
  /** Sent alone: its last batch skipped it or its tx reverted (alone, a revert reason can be read). */
  solo: boolean;
}

const SOLO_AFTER: ReadonlySet<string> = new Set(['BATCH_SKIPPED', 'TX_REVERTED']);

/** Sender funds as TicketBroker would pay them to one recipient (read once per pass). */
class Funds {
  private readonly cache = new Map<string, Promise<bigint>>();
  constructor(private readonly ctx: QueueContext) {}
  available(sender: Address, recipient: Address): Promise<bigint> {
    const k = `${sender.toLowerCase()}|${recipient.toLowerCase()}`;
    let p = this.cache.get(k);
    if (!p) {
      const { publicClient, ticketBroker } = this.ctx;
      p = Promise.all([
        publicClient.readContract({ address: ticketBroker, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [sender] }),
        publicClient.readContract({ address: ticketBroker, abi: ticketBrokerAbi, functionName: 'claimableReserve', args: [sender, recipient] }),
      ]).then(([[info], claimable]) => info.deposit + claimable);
      this.cache.set(k, p);
    }
    return p;
  }
}

type Simulated = { gas: bigint } | { reason: string } | { rpcError: Error };

async function simulate(ctx: QueueContext, t: StoredTicket): Promise<Simulated> {
  try {
    const gas = await ctx.publicClient.estimateContractGas({
      address: ctx.ticketBroker,
      abi: ticketBrokerAbi,
      functionName: 'redeemWinningTicket',
      args: redeemArgs(t.ticket),
      account: ctx.wallet.account,
      blockTag: 'pending',
    });
    return { gas };
  } catch (err) {
    const reason = decodedRevertReason(err);
    return reason === undefined ? { rpcError: err as Error } : { reason };
  }
}

/** Simulations in flight at once: a pass's due tickets are estimated together, not one by one. */
export const SIMULATE_CONCURRENCY = 8;

/** `fn` over `xs`, at most `limit` at a time; results in the order of `xs`. */
async function mapLimit<T, R>(xs: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]!);
      }
    }),
  );
  return out;
}

export async function plan(ctx: QueueContext, pending: readonly StoredTicket[], input: PlanInput): Promise<Candidate[]> {
  const { block, round, validity, quote } = input;
  const { maxGasPrice, costMultiplier } = ctx.settings;
  const funds = new Funds(ctx);
  const taken = new Map(input.committed);
  // Soonest to expire first; the larger of two tickets first.
  const order = [...pending].sort((a, b) => {
    const ra = a.ticket.ticket.creationRound;
    const rb = b.ticket.ticket.creationRound;
    if (ra !== rb) return ra < rb ? -1 : 1;
    const fa = a.ticket.ticket.faceValue;
    const fb = b.ticket.ticket.faceValue;
    return fa === fb ? 0 : fa > fb ? -1 : 1;
  });
  // Steps 1–4, which need no simulation.
  const floor = ctx.memo.minGas;
  const due: StoredTicket[] = [];
  for (const t of order) {
    const ticket = t.ticket.ticket;
    const lastRound = ticket.creationRound + validity - 1n;
    if (round > lastRound) {
      const last = t.reasonCode ? `; last deferred: ${t.reasonCode}${t.reason ? ` (${t.reason})` : ''}` : '';
      await finish(ctx, t, 'expired', 'TICKET_EXPIRED', `creationRound ${ticket.creationRound} + ticketValidityPeriod ${validity} ≤ round ${round}${last}`, block);
      continue;
    }
    if (ticket.paramsExpirationBlock > input.l1Block) continue;
    if (t.notBeforeBlock !== undefined && t.notBeforeBlock > block) continue;
    if (input.roundEnding && round < lastRound) continue;
    if (maxGasPrice > 0n && quote.gasPrice > maxGasPrice) {
      await defer(ctx, t, 'GAS_PRICE_ABOVE_MAX', `gas price ${quote.gasPrice} wei > -maxGasPrice ${maxGasPrice} wei`, block);
      continue;
    }
    const isLast = round >= lastRound;
    if (floor !== undefined && ticket.faceValue <= floor * quote.gasPrice * (isLast ? 1n : costMultiplier)) {
      await defer(ctx, t, 'GAS_COST_ABOVE_VALUE', `face value ${ticket.faceValue} wei; gas ≥ ${floor} × ${quote.gasPrice} wei${isLast ? '' : ` × ${costMultiplier}`}`, block);
      continue;
    }
    if (input.limit === undefined || due.length < input.limit) due.push(t);
  }
  // Step 5 for every due ticket at once (bounded): a pass that waited on one estimate after
  // another took a second for 20 tickets on a busy node, which short rounds cannot spare.
  const sims = await mapLimit(due, SIMULATE_CONCURRENCY, (t) => simulate(ctx, t));
  // Steps 5 (its decisions) to 7, in order: each ticket's funds depend on those accepted before it.
  let roundTried = false;
  let roundInitialized = false;
  const out: Candidate[] = [];
  for (const [i, t] of due.entries()) {
    const ticket = t.ticket.ticket;
    const lastRound = ticket.creationRound + validity - 1n;
    const isLast = round >= lastRound;
    let sim = sims[i]!;
    if ('reason' in sim && ticketBrokerRevertCode(sim.reason) === 'ROUND_NOT_INITIALIZED' && ctx.ensureRoundInitialized) {
      // Once per pass; the tickets simulated before it succeeded are simulated again after it.
      if (!roundTried) {
        roundTried = true;
        roundInitialized = await ctx.ensureRoundInitialized().catch(() => false);
      }
      if (roundInitialized) sim = await simulate(ctx, t);
    }
    if ('rpcError' in sim) {
      ctx.log?.warn({ ticketHash: t.ticketHash, err: sim.rpcError.message }, 'cannot simulate a redemption: retried on the next block');
      continue;
    }
    if ('reason' in sim) {
      const code = revertCodeOf(sim.reason);
      const d = revertDecision(ticketBrokerRevertCode(sim.reason));
      if (d === 'drop') await finish(ctx, t, 'dropped', code, sim.reason, block);
      else if (d === 'expire') await finish(ctx, t, 'expired', code, sim.reason, block);
      else await defer(ctx, t, code, sim.reason, block);
      continue;
    }
    if (ctx.memo.minGas === undefined || sim.gas < ctx.memo.minGas) ctx.memo.minGas = sim.gas;
    const sender = senderOf(t).toLowerCase();
    let available: bigint;
    try {
      available = (await funds.available(ticket.sender, ticket.recipient)) - (taken.get(sender) ?? 0n);
    } catch (err) {
      ctx.log?.warn({ ticketHash: t.ticketHash, err: (err as Error).message }, 'cannot read the sender’s funds: retried on the next block');
      continue;
    }
    const cost = sim.gas * quote.gasPrice;
    if (available <= cost) {
      await defer(ctx, t, 'SENDER_FUNDS_INSUFFICIENT', `sender can pay ${available > 0n ? available : 0n} wei; the redemption costs ${cost} wei of gas`, block);
      continue;
    }
    const payout = available < ticket.faceValue ? available : ticket.faceValue;
    if (payout < ticket.faceValue && !isLast) {
      await defer(ctx, t, 'SENDER_CANNOT_COVER', `sender can pay ${payout} of ${ticket.faceValue} wei now; waiting for a top-up until round ${lastRound}`, block);
      continue;
    }
    const threshold = isLast ? cost : cost * costMultiplier;
    if (payout <= threshold) {
      await defer(ctx, t, 'GAS_COST_ABOVE_VALUE', `pays ${payout} wei; gas ${sim.gas} × ${quote.gasPrice} wei${isLast ? '' : ` × ${costMultiplier}`} = ${threshold} wei`, block);
      continue;
    }
    taken.set(sender, (taken.get(sender) ?? 0n) + payout);
    out.push({ t, gas: sim.gas, payout, solo: t.reasonCode !== undefined && SOLO_AFTER.has(t.reasonCode) });
  }
  return out;
}
