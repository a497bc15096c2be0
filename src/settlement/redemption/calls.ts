// TicketBroker calls built from stored winning tickets: the contract tuple (senderNonce as uint256,
// auxData = creationRound ‖ creationRoundBlockHash, as go-livepeer's client_ticketbroker.go), one
// redemption or a batch, as calldata to sign.
import { encodeFunctionData, type Hex } from 'viem';
import { ticketBrokerAbi } from '../../eth/index.js';
import { auxData, bytesToHex, type WinningTicket } from '../../pm/index.js';

export function ticketTuple(w: WinningTicket) {
  const t = w.ticket;
  return {
    recipient: t.recipient,
    sender: t.sender,
    faceValue: t.faceValue,
    winProb: t.winProb,
    senderNonce: t.senderNonce,
    recipientRandHash: t.recipientRandHash,
    auxData: bytesToHex(auxData(t)),
  };
}

/** Arguments of redeemWinningTicket(ticket, sig, recipientRand). */
export function redeemArgs(w: WinningTicket) {
  return [ticketTuple(w), bytesToHex(w.sig), w.recipientRand] as const;
}

/** Arguments of batchRedeemWinningTickets(tickets[], sigs[], recipientRands[]). */
export function batchArgs(ws: readonly WinningTicket[]) {
  return [ws.map(ticketTuple), ws.map((w) => bytesToHex(w.sig)), ws.map((w) => w.recipientRand)] as const;
}

/** One ticket: redeemWinningTicket (its revert reason reaches us); several: the batch, which skips failures. */
export function redemptionCalldata(ws: readonly WinningTicket[]): Hex {
  if (ws.length === 1) return encodeFunctionData({ abi: ticketBrokerAbi, functionName: 'redeemWinningTicket', args: redeemArgs(ws[0]!) });
  return encodeFunctionData({ abi: ticketBrokerAbi, functionName: 'batchRedeemWinningTickets', args: batchArgs(ws) });
}
