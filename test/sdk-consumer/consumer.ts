// A TypeScript program using the installed package: every SDK entry, with the types checked strictly.
import * as root from 'livepeer-ts';
import { Rat, fee, formatWei, parseEther, type PriceInfo } from 'livepeer-ts/money';
import {
  isWinningTicket,
  localTicketSigner,
  newTicket,
  recoverSigner,
  ticketEV,
  ticketHashBytes,
  verifyTicketSig,
  type Ticket,
  type TicketParams,
} from 'livepeer-ts/pm';
import { PaymentSchema, decodePaymentHeader, encodePaymentHeader, type Payment } from 'livepeer-ts/wire';
import { parseAiModelsJson, type AiModelsConfig } from 'livepeer-ts/market';

const key = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;
const signer = localTicketSigner(key);

const price: PriceInfo = { pricePerUnit: 7n, pixelsPerUnit: 3n };
const owed: Rat = fee(1_000n, price);
const oneEth: bigint = parseEther('1');
const shown: string = formatWei(oneEth);

const params: TicketParams = {
  recipient: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  faceValue: 1_000_000n,
  winProb: 2n ** 255n,
  recipientRandHash: `0x${'11'.repeat(32)}`,
  seed: 42n,
  expirationBlock: 1_000n,
  price,
  expirationParams: { creationRound: 5n, creationRoundBlockHash: `0x${'22'.repeat(32)}` },
};
const ticket: Ticket = newTicket(params, params.expirationParams, signer.address, 1n);
const hash: Uint8Array = ticketHashBytes(ticket);

export async function check(): Promise<boolean> {
  const sig: Uint8Array = await signer.sign(hash);
  const ok: boolean = verifyTicketSig(signer.address, hash, sig) === null;
  const rec = recoverSigner(hash, sig);
  const who: string = 'signer' in rec ? rec.signer : rec.reason;
  const wins: boolean = isWinningTicket(sig, 123n, ticket.winProb);
  const ev: Rat = ticketEV(ticket.faceValue, ticket.winProb);
  const header: string = encodePaymentHeader(root.wire.emptyPayment(signer.address, undefined));
  const payment: Payment = decodePaymentHeader(header);
  const models: AiModelsConfig = parseAiModelsJson('[{"pipeline":"llm","model_id":"m","price_per_unit":2,"url":"http://127.0.0.1:1"}]');
  void PaymentSchema;
  return ok && who.length > 0 && typeof wins === 'boolean' && ev.gt(Rat.ZERO) && owed.gt(Rat.ZERO) && shown.length > 0 && payment.sender.length === 20 && models.entries.length === 1;
}
