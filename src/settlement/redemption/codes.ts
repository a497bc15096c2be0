// Why a winning ticket is where it is: the codes the redemption queue records in the store
// (StoredTicket.reasonCode, RedemptionEvent.code), next to TicketBroker's own revert codes
// (src/eth ticketBrokerRevertCodes: a drop or a deferral on a revert is recorded under the revert's
// code). Decisions are taken on these codes, never on the words beside them.
import type { Address } from 'viem';
import { EthError, ticketBrokerRevertCode, type TicketBrokerRevertCode } from '../../eth/index.js';
import { LivepeerError, defineErrorCodes, type CodeOf } from '../../errors/index.js';

export const redemptionCodes = defineErrorCodes('src/settlement (redemption queue)', {
  GAS_PRICE_ABOVE_MAX: 'Deferred: the estimated gas price (next base fee + recent priority fee, from eth_feeHistory) is above -maxGasPrice. Retried on every block.',
  GAS_COST_ABOVE_VALUE:
    'Deferred: what the ticket would pay is not above its gas cost × -redeemCostMultiplier (in its last redeemable round: not above the gas cost). Retried on every block; expires with this as its last reason if gas never falls.',
  SENDER_FUNDS_INSUFFICIENT:
    "Deferred: the sender's deposit plus this recipient's share of its reserve (less what is already on its way to us) does not cover the redemption's gas cost: nothing to collect yet (go-livepeer's \"insufficient sender funds for redeem tx cost\"). Retried on every block.",
  SENDER_CANNOT_COVER:
    'Deferred: the sender can pay only part of the face value now (TicketBroker would pay the part and mark the ticket used). Waits for a top-up; in its last redeemable round it is redeemed for what it pays.',
  REVERT_UNKNOWN: 'Deferred: the redemption reverts with a reason TicketBroker does not list (e.g. "transcoder must be registered"): a winning ticket is money, so it is retried until it expires.',
  TX_REVERTED: 'Requeued: the transaction carrying it was mined and reverted; retried with backoff, alone (so a revert reason can be read).',
  BATCH_REVERTED:
    'Requeued: the batch transaction carrying it was mined and reverted whole — only a guard all its tickets share does that (the round not initialised when it was mined, a pause, out of gas); retried on the next block in a batch, and alone (TX_REVERTED) if it reverts again.',
  BATCH_SKIPPED: 'Requeued: the batch transaction was mined but TicketBroker skipped this ticket (usedTickets still false); retried alone.',
  TX_DROPPED: 'Requeued: its transaction is unknown to the chain and its nonce was used by another transaction (replaced or dropped).',
  TX_NOT_BROADCAST:
    'Requeued: its transaction was signed and recorded but never reached the chain (a crash between recording and broadcasting, or a refused broadcast); the nonce is reused, so the old one can never be mined as well.',
  REDEEMED_ELSEWHERE: 'Dropped: usedTickets is true but our transaction did not redeem it (another submitter did; the fees went to the recipient all the same).',
  QUEUE_CLOSED: 'The redemption queue is closed: a winning ticket cannot be committed (the payment that carried it is not acknowledged).',
});

export type RedemptionCode = CodeOf<typeof redemptionCodes>;

export class RedemptionError extends LivepeerError<RedemptionCode> {
  override name = 'RedemptionError';
}

/**
 * What to do with a ticket whose redemption reverted, by the code of the decoded reason:
 * - `drop`: can never succeed for this ticket. go-livepeer (pm/queue.go isNonRetryableTicketErr)
 *   drops a used ticket, a creation round without a block hash, and any mined tx that failed; the
 *   others here are just as permanent for this ticket.
 * - `expire`: the ticket's validity period is over ("ticket is expired").
 * - `initialize-round`: the round is initialised (when we may), then the ticket is retried at once.
 * - `retry`: deferred, tried again on a later block — a paused system, a sender with no funds yet
 *   (it may top up), an RPC failure, an unknown reason, a mined tx that reverted with no reason.
 */
export type RedemptionDecision = 'drop' | 'expire' | 'initialize-round' | 'retry';

const DROP: ReadonlySet<TicketBrokerRevertCode> = new Set<TicketBrokerRevertCode>([
  'TICKET_USED',
  'TICKET_CREATION_ROUND_NO_BLOCK_HASH',
  'TICKET_CREATION_ROUND_BLOCK_HASH_INVALID',
  'TICKET_DID_NOT_WIN',
  'RECIPIENT_RAND_MISMATCH',
  'TICKET_SIGNATURE_INVALID',
  'TICKET_AUX_DATA_INVALID',
  'TICKET_RECIPIENT_NULL',
  'TICKET_SENDER_NULL',
  'SENDER_UNLOCKED',
]);

export function revertDecision(code: TicketBrokerRevertCode | undefined): RedemptionDecision {
  if (code === undefined) return 'retry';
  if (code === 'TICKET_EXPIRED') return 'expire';
  if (code === 'ROUND_NOT_INITIALIZED') return 'initialize-round';
  return DROP.has(code) ? 'drop' : 'retry';
}

/** The decision for an error thrown by a redemption (EthError TX_REVERTED carries the decoded reason). */
export function redemptionDecision(err: unknown): RedemptionDecision {
  if (!(err instanceof EthError) || err.code !== 'TX_REVERTED') return 'retry';
  return revertDecision(ticketBrokerRevertCode(err.reason));
}

/** The code recorded for a decoded revert reason: TicketBroker's code, or REVERT_UNKNOWN. */
export function revertCodeOf(reason: string | undefined): TicketBrokerRevertCode | 'REVERT_UNKNOWN' {
  return ticketBrokerRevertCode(reason) ?? 'REVERT_UNKNOWN';
}

/** A redemption that left the store for good, or reached the chain. */
export interface RedemptionOutcome {
  kind: 'submitted' | 'redeemed' | 'dropped' | 'expired' | 'deferred' | 'requeued';
  ticketHash: `0x${string}`;
  sender: Address;
  faceValue: bigint;
  txHash?: `0x${string}`;
  code?: string;
  detail?: string;
}
