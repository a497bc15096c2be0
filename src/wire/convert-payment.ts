// net.Payment (the Livepeer-Payment header) ↔ src/pm ticket batches. A payment is one set of ticket
// params, one sender, one set of expiration params, the price the params were issued for, and one
// (nonce, sig) per ticket (go-livepeer server/segment_rpc.go genPayment / core ProcessPayment).
import { clone, create, isMessage } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import type { PriceInfo } from '../money/index.js';
import { newTicket, type Ticket, type TicketBatch, type TicketExpirationParams, type TicketParams, type TicketSenderParams } from '../pm/index.js';
import { PaymentSchema, PriceInfoSchema, type Payment, type PriceInfo as WirePriceInfo } from './gen/net/lp_rpc_pb.js';
import { fromHex } from './bytes.js';
import { priceInfoFromWire, priceInfoToWire } from './convert-price.js';
import {
  addressFromWire,
  expirationParamsFromWire,
  expirationParamsToWire,
  senderParamsFromWire,
  senderParamsToWire,
  ticketParamsFromWire,
  ticketParamsToWire,
} from './convert-ticket.js';
import { InvalidFieldError } from './errors.js';

/** A decoded Livepeer-Payment. Without ticket params (an offchain or zero-ticket payment) it carries no tickets. */
export interface DecodedPayment {
  /** Undefined only when the payment has no sender bytes at all (offchain gateways send none). */
  sender: Address | undefined;
  /** Payment.expected_price as money; undefined when absent. */
  expectedPrice: PriceInfo | undefined;
  /** The wire expected_price exactly as received (capability/constraint included). */
  expectedPriceWire: WirePriceInfo | undefined;
  /** Undefined when the payment carries no ticket params. */
  ticketParams: TicketParams | undefined;
  /** Payment.expiration_params (zeros when absent): the creation round the tickets are hashed with. */
  expirationParams: TicketExpirationParams;
  senderParams: TicketSenderParams[];
  /** One pm Ticket per sender param, in order, with its signature. Empty without ticket params. */
  tickets: { ticket: Ticket; sig: Uint8Array }[];
}

/**
 * Wire → pm. Throws InvalidFieldError (402 in go-livepeer terms) when ticket params are present but
 * the sender or the expected price is missing or malformed.
 */
export function paymentFromWire(p: Payment): DecodedPayment {
  const expirationParams = expirationParamsFromWire(p.expirationParams);
  const senderParams = p.ticketSenderParams.map(senderParamsFromWire);
  const expectedPrice = p.expectedPrice === undefined ? undefined : priceInfoFromWire(p.expectedPrice, 'expected_price');
  const sender = p.sender.length === 0 ? undefined : addressFromWire(p.sender, 'sender');
  if (p.ticketParams === undefined) {
    return { sender, expectedPrice, expectedPriceWire: p.expectedPrice, ticketParams: undefined, expirationParams, senderParams, tickets: [] };
  }
  if (sender === undefined) throw new InvalidFieldError('sender', 'payment has ticket params but no sender address', 402);
  if (expectedPrice === undefined) {
    throw new InvalidFieldError('expected_price', 'payment has ticket params but no expected_price: echo the price_info that came with the params', 402);
  }
  const ticketParams = ticketParamsFromWire(p.ticketParams, expectedPrice);
  const tickets = senderParams.map((sp) => ({
    ticket: newTicket(ticketParams, expirationParams, sender, sp.senderNonce),
    sig: sp.sig,
  }));
  return { sender, expectedPrice, expectedPriceWire: p.expectedPrice, ticketParams, expirationParams, senderParams, tickets };
}

export interface PaymentToWireOptions {
  /**
   * The price to echo in expected_price. Pass the OrchestratorInfo.price_info message you got with
   * the params to send it back byte-for-byte (go-livepeer does); a money PriceInfo is converted.
   * Default: the batch params' price.
   */
  expectedPrice?: WirePriceInfo | PriceInfo;
}

/** pm batch → wire Payment (ticket params, sender, expiration params, sender params, expected price). */
export function paymentToWire(batch: TicketBatch, opts: PaymentToWireOptions = {}): Payment {
  const price = opts.expectedPrice ?? batch.params.price;
  const expectedPrice = isMessage(price, PriceInfoSchema) ? clone(PriceInfoSchema, price) : priceInfoToWire(price);
  return create(PaymentSchema, {
    ticketParams: ticketParamsToWire(batch.params),
    sender: fromHex(batch.sender, 'sender', 20),
    expirationParams: expirationParamsToWire(batch.expirationParams),
    ticketSenderParams: batch.senderParams.map(senderParamsToWire),
    expectedPrice,
  });
}

/** A payment with no tickets (go-livepeer's numTickets == 0 / offchain): sender and price only. */
export function emptyPayment(sender?: string, expectedPrice?: WirePriceInfo | PriceInfo): Payment {
  return create(PaymentSchema, {
    sender: sender === undefined ? new Uint8Array(0) : fromHex(sender, 'sender', 20),
    expectedPrice:
      expectedPrice === undefined
        ? undefined
        : isMessage(expectedPrice, PriceInfoSchema)
          ? clone(PriceInfoSchema, expectedPrice)
          : priceInfoToWire(expectedPrice),
  });
}
