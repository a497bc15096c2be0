// Sending accepted tickets: grouped into batches (batchRedeemWinningTickets, which skips a failing
// ticket instead of reverting the lot), each signed with the next managed nonce, recorded as
// `submitted` with its hash and nonce, and only then broadcast — so a crash at any point is settled
// by looking the hash up (reconcile.ts), never by signing the same tickets again under a new nonce.
// Receipts are not awaited here: the next pass reconciles them, so several transactions are in
// flight at once, with consecutive nonces.
import { TransactionNotFoundError, keccak256, type Hex } from 'viem';
import { decodedRevertReason, ticketBrokerAbi } from '../../eth/index.js';
import type { Hex32 } from '../../pm/index.js';
import { batchArgs, redemptionCalldata } from './calls.js';
import { revertCodeOf } from './codes.js';
import { defer, outcome, type QueueContext } from './context.js';
import type { GasQuote } from './gas.js';
import type { Candidate } from './plan.js';

/** Groups of tickets, one transaction each: the soonest to expire first; solo tickets alone. */
export function batches(cands: readonly Candidate[], maxBatch: number): Candidate[][] {
  const out: Candidate[][] = [];
  let cur: Candidate[] = [];
  for (const c of cands) {
    if (c.solo) {
      out.push([c]);
      continue;
    }
    cur.push(c);
    if (cur.length >= maxBatch) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Thrown inside the nonce lane when nothing was broadcast: the lane then re-reads the nonce. */
class NotBroadcast extends Error {}

async function gasLimit(ctx: QueueContext, group: Candidate[]): Promise<{ gas: bigint } | { reason: string } | { rpcError: Error }> {
  if (group.length === 1) return { gas: group[0]!.gas };
  try {
    const gas = await ctx.publicClient.estimateContractGas({
      address: ctx.ticketBroker,
      abi: ticketBrokerAbi,
      functionName: 'batchRedeemWinningTickets',
      args: batchArgs(group.map((c) => c.t.ticket)),
      account: ctx.wallet.account,
      blockTag: 'pending',
    });
    return { gas };
  } catch (err) {
    const reason = decodedRevertReason(err);
    return reason === undefined ? { rpcError: err as Error } : { reason };
  }
}

async function isKnown(ctx: QueueContext, hash: Hex): Promise<boolean | undefined> {
  try {
    await ctx.publicClient.getTransaction({ hash });
    return true;
  } catch (err) {
    return err instanceof TransactionNotFoundError ? false : undefined;
  }
}

type Sent = 'sent' | 'not-sent' | 'unreachable';

/** Sends one group; 'unreachable' when the chain could not be reached (the rest of the pass waits). */
async function send(ctx: QueueContext, group: Candidate[], quote: GasQuote, block: bigint, estimate: ReturnType<typeof gasLimit>): Promise<Sent> {
  const limit = await estimate;
  if ('rpcError' in limit) {
    ctx.log?.warn({ err: limit.rpcError.message }, 'cannot estimate a redemption batch: retried on the next block');
    return 'unreachable';
  }
  if ('reason' in limit) {
    // The whole batch reverts only on a guard every ticket shares (paused, round not initialised,
    // an inner out-of-gas): each ticket waits for the next block with that reason.
    for (const c of group) await defer(ctx, c.t, revertCodeOf(limit.reason), limit.reason, block);
    return 'not-sent';
  }
  const gas = (limit.gas * (100n + ctx.settings.gasMarginPercent)) / 100n;
  const data = redemptionCalldata(group.map((c) => c.t.ticket));
  const hashes: Hex32[] = group.map((c) => c.t.ticketHash);
  const { wallet, publicClient, store, hooks } = ctx;
  try {
    await ctx.nonces.run(async (nonce) => {
      const serialized = await wallet.signTransaction({
        account: wallet.account,
        chain: wallet.chain,
        to: ctx.ticketBroker,
        data,
        gas,
        nonce,
        type: 'eip1559',
        maxFeePerGas: quote.maxFeePerGas,
        maxPriorityFeePerGas: quote.maxPriorityFeePerGas,
      });
      const txHash = keccak256(serialized);
      const tx = { txHash, nonce, tickets: hashes };
      const { skipped } = await store.tickets.markSubmitted(hashes, { txHash, nonce, gasPrice: quote.gasPrice, block });
      if (skipped.length) {
        // Another writer moved some of them (they are no longer `pending`): this tx must never
        // reach the chain. The others go back; the nonce is reused.
        const gone = new Set(skipped);
        for (const c of group) if (!gone.has(c.t.ticketHash)) await defer(ctx, { ...c.t, state: 'submitted' }, 'TX_NOT_BROADCAST', `${txHash}: ${skipped.length} of its tickets were no longer pending`, block);
        throw new NotBroadcast('tickets moved by another writer');
      }
      await hooks.signed?.(tx);
      try {
        await publicClient.sendRawTransaction({ serializedTransaction: serialized });
      } catch (err) {
        // Classified by what the chain now knows, not by the error's words: known → in flight
        // (e.g. "already known"); unknown → never sent (nonce too low, replaced, refused);
        // unreachable → left `submitted` for reconcile.
        const k = await isKnown(ctx, txHash);
        if (k === true) return;
        if (k === false) {
          for (const c of group) await defer(ctx, { ...c.t, state: 'submitted' }, 'TX_NOT_BROADCAST', `${txHash} (nonce ${nonce}) refused: ${(err as Error).message.split('\n')[0]}`, block);
          throw new NotBroadcast((err as Error).message);
        }
        throw err;
      }
      for (const c of group) ctx.emit(outcome(c.t, 'submitted', { txHash }));
      ctx.log?.info({ txHash, nonce, tickets: group.length, gas: gas.toString(), gasPrice: quote.gasPrice.toString() }, 'redemption sent');
      await hooks.broadcast?.(tx);
    });
    return 'sent';
  } catch (err) {
    if (err instanceof NotBroadcast) return 'not-sent';
    ctx.log?.warn({ err: (err as Error).message }, 'redemption broadcast failed: reconciled on the next pass');
    return 'unreachable';
  }
}

/** Sends the accepted tickets, at most `slots` transactions; returns how many were broadcast. */
export async function submit(ctx: QueueContext, accepted: readonly Candidate[], quote: GasQuote, block: bigint, slots: number): Promise<number> {
  const groups = batches(accepted, ctx.settings.maxBatch);
  // The groups that can go now are estimated together (gasLimit never rejects): only signing,
  // recording and broadcasting need the nonce lane's order.
  const estimates = groups.slice(0, slots).map((g) => gasLimit(ctx, g));
  let sent = 0;
  for (const [i, group] of groups.entries()) {
    if (sent >= slots) break;
    const r = await send(ctx, group, quote, block, estimates[i] ?? gasLimit(ctx, group));
    if (r === 'unreachable') break;
    if (r === 'sent') sent++;
  }
  return sent;
}
