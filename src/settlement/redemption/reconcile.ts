// What became of the transactions that carry `submitted` tickets — run at the start of every pass,
// and so also on start after a crash. A ticket is `submitted` from just before its transaction is
// broadcast (the record comes first), so for each transaction the chain answers one of:
// - a receipt: each ticket is redeemed if the receipt holds its WinningTicketRedeemed log, otherwise
//   dropped if usedTickets is true all the same (someone else redeemed it), else requeued (the
//   batch skipped it, or the tx reverted: the revert of a single redemption is read by replaying
//   it, and a permanent one drops the ticket; a batch that reverts goes again as a batch once);
// - no receipt, but the node knows the tx: still in flight, left alone;
// - unknown: usedTickets true → redeemed; else requeued — TX_DROPPED when the nonce was used by
//   another transaction, TX_NOT_BROADCAST when it was not (the tx never left this process: the
//   nonce is reused by the next transaction, so the old one can never be mined as well).
// An RPC failure leaves a transaction as it is for the next pass.
import { TransactionNotFoundError, TransactionReceiptNotFoundError, parseEventLogs, type Hex, type TransactionReceipt } from 'viem';
import { decodedRevertReason, ticketBrokerAbi, ticketBrokerRevertCode } from '../../eth/index.js';
import type { StoredTicket } from '../../store/index.js';
import { redeemArgs } from './calls.js';
import { revertCodeOf, revertDecision } from './codes.js';
import { defer, finish, redeemed, type QueueContext } from './context.js';

/** Blocks to wait before retrying a ticket whose transaction reverted k times: 2^k, at most 256. */
export const revertBackoff = (k: number): bigint => 1n << BigInt(Math.min(8, Math.max(1, k)));

export interface InFlight {
  txHash: Hex;
  nonce: number | undefined;
  tickets: StoredTicket[];
}

async function receiptOf(ctx: QueueContext, hash: Hex): Promise<TransactionReceipt | undefined> {
  try {
    return await ctx.publicClient.getTransactionReceipt({ hash });
  } catch (err) {
    if (err instanceof TransactionReceiptNotFoundError) return undefined;
    throw err;
  }
}

async function known(ctx: QueueContext, hash: Hex): Promise<boolean> {
  try {
    await ctx.publicClient.getTransaction({ hash });
    return true;
  } catch (err) {
    if (err instanceof TransactionNotFoundError) return false;
    throw err;
  }
}

export const usedTicket = (ctx: QueueContext, t: StoredTicket): Promise<boolean> =>
  ctx.publicClient.readContract({ address: ctx.ticketBroker, abi: ticketBrokerAbi, functionName: 'usedTickets', args: [t.ticketHash] });

/** The revert reason of a mined single redemption, by replaying it on the state before its block. */
async function replayReason(ctx: QueueContext, t: StoredTicket, receipt: TransactionReceipt): Promise<string | undefined> {
  try {
    await ctx.publicClient.simulateContract({
      address: ctx.ticketBroker,
      abi: ticketBrokerAbi,
      functionName: 'redeemWinningTicket',
      args: redeemArgs(t.ticket),
      account: ctx.wallet.account,
      blockNumber: receipt.blockNumber - 1n,
    });
    return undefined;
  } catch (err) {
    return decodedRevertReason(err);
  }
}

const redemptionKey = (recipient: string, sender: string, senderNonce: bigint, recipientRand: bigint) =>
  `${recipient.toLowerCase()}|${sender.toLowerCase()}|${senderNonce}|${recipientRand}`;

/** The tickets this receipt redeemed: TicketBroker's WinningTicketRedeemed logs in it. */
function redeemedBy(ctx: QueueContext, receipt: TransactionReceipt): Set<string> {
  const logs = receipt.logs.filter((l) => l.address.toLowerCase() === ctx.ticketBroker.toLowerCase());
  return new Set(
    parseEventLogs({ abi: ticketBrokerAbi, eventName: 'WinningTicketRedeemed', logs }).map((l) =>
      redemptionKey(l.args.recipient, l.args.sender, l.args.senderNonce, l.args.recipientRand),
    ),
  );
}

async function settleMined(ctx: QueueContext, tx: InFlight, receipt: TransactionReceipt, block: bigint): Promise<void> {
  const ok = receipt.status === 'success';
  const ours = ok ? redeemedBy(ctx, receipt) : new Set<string>();
  const isOurs = (t: StoredTicket) => ours.has(redemptionKey(t.ticket.ticket.recipient, t.ticket.ticket.sender, t.ticket.ticket.senderNonce, t.ticket.recipientRand));
  // A batch's redemptions are marked together: the store commits writes that arrive together in
  // one transaction (SQLite: one fsync for the lot, not one per ticket).
  await Promise.all(tx.tickets.filter(isOurs).map((t) => redeemed(ctx, t, tx.txHash, receipt.blockNumber)));
  for (const t of tx.tickets) {
    if (isOurs(t)) continue;
    if (await usedTicket(ctx, t)) {
      await finish(ctx, t, 'dropped', 'REDEEMED_ELSEWHERE', `usedTickets is true but ${tx.txHash} did not redeem it`, block, tx.txHash);
      continue;
    }
    if (ok) {
      await defer(ctx, t, 'BATCH_SKIPPED', `batch ${tx.txHash} was mined without redeeming it`, block);
      continue;
    }
    // Reverted: the reason of a single redemption can be read back; a batch's cannot (each
    // ticket is simulated again, alone, before it is sent again).
    const reason = tx.tickets.length === 1 ? await replayReason(ctx, t, receipt) : undefined;
    const before = (await ctx.store.tickets.history(t.ticketHash)).filter((e) => e.kind === 'reverted').length;
    // A batch reverts whole only on a guard its tickets share (the round not initialised when it
    // was mined, a pause, out of gas) — TicketBroker skips a ticket that fails alone. So the
    // first time, its tickets go again in a batch on the next block; only a second revert sends
    // each alone, where a reason can be read (20 tickets alone cost 20 transactions and their time).
    const batchFirst = tx.tickets.length > 1 && before === 0 && reason === undefined;
    const code = reason !== undefined ? revertCodeOf(reason) : batchFirst ? 'BATCH_REVERTED' : 'TX_REVERTED';
    await ctx.store.tickets.record({ ticketHash: t.ticketHash, at: Date.now(), kind: 'reverted', block, txHash: tx.txHash, code, ...(reason !== undefined ? { detail: reason } : {}) });
    const decision = revertDecision(ticketBrokerRevertCode(reason));
    if (decision === 'drop') await finish(ctx, t, 'dropped', code, reason ?? 'reverted', block, tx.txHash);
    else if (decision === 'expire') await finish(ctx, t, 'expired', code, reason ?? 'expired', block, tx.txHash);
    else if (batchFirst) await defer(ctx, t, 'BATCH_REVERTED', `batch ${tx.txHash} (${tx.tickets.length} tickets) reverted`, block, block + 1n);
    // go-livepeer drops a ticket whose mined tx failed (#4012/#4013); we retry it, spaced out.
    else await defer(ctx, t, 'TX_REVERTED', `${tx.txHash} reverted${reason ? `: ${reason}` : ''}`, block, block + revertBackoff(before + 1));
  }
}

/**
 * Settles every transaction the store says is in flight; returns those still in flight. RPC
 * failures are logged and leave the transaction for the next pass.
 */
export async function reconcile(ctx: QueueContext, submitted: readonly StoredTicket[], block: bigint): Promise<InFlight[]> {
  const byTx = new Map<Hex, InFlight>();
  for (const t of submitted) {
    if (!t.txHash) continue;
    const e = byTx.get(t.txHash) ?? { txHash: t.txHash, nonce: t.txNonce, tickets: [] };
    e.tickets.push(t);
    byTx.set(t.txHash, e);
  }
  const still: InFlight[] = [];
  let confirmedNonce: number | undefined;
  const txs = [...byTx.values()];
  // Asked for together (up to -redeemMaxInFlight of them), settled one after another.
  const receipts = await Promise.all(txs.map((tx) => receiptOf(ctx, tx.txHash).then((receipt) => ({ receipt }), (err: unknown) => ({ err }))));
  for (const [i, tx] of txs.entries()) {
    try {
      const got = receipts[i]!;
      if ('err' in got) throw got.err;
      const receipt = got.receipt;
      if (receipt) {
        await settleMined(ctx, tx, receipt, block);
        continue;
      }
      if (await known(ctx, tx.txHash)) {
        still.push(tx);
        continue;
      }
      confirmedNonce ??= await ctx.publicClient.getTransactionCount({ address: ctx.nonces.address, blockTag: 'latest' });
      for (const t of tx.tickets) {
        // A receipt the node no longer indexes, or a transaction we cannot see: the chain's own
        // record of the ticket decides.
        if (await usedTicket(ctx, t)) await redeemed(ctx, t, tx.txHash);
        else if (tx.nonce !== undefined && confirmedNonce > tx.nonce) await defer(ctx, t, 'TX_DROPPED', `${tx.txHash} is unknown and nonce ${tx.nonce} was used by another transaction`, block);
        else await defer(ctx, t, 'TX_NOT_BROADCAST', `${tx.txHash} (nonce ${tx.nonce ?? '?'}) never reached the chain`, block);
      }
      ctx.nonces.resync();
    } catch (err) {
      ctx.log?.warn({ txHash: tx.txHash, err: (err as Error).message }, 'cannot reconcile a redemption transaction yet');
      still.push(tx);
    }
  }
  return still;
}
