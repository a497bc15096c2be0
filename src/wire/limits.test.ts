// The sender's ticket bound against the receiver's header bound: a payment with the most tickets a
// gateway may sign, every field at its largest encoding, still fits Livepeer-Payment's limit and
// decodes; so the gateway never builds a payment that is refused (or cannot be sent) for its size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, toBinary } from '@bufbuild/protobuf';
import {
  PaymentSchema,
  PriceInfoSchema,
  TicketExpirationParamsSchema,
  TicketParamsSchema,
  TicketSenderParamsSchema,
} from './gen/net/lp_rpc_pb.js';
import { decodePaymentHeader, encodePaymentHeader } from './codec.js';
import { TICKET_SENDER_PARAMS_MAX_BYTES, WIRE_LIMITS } from './limits.js';

const full = (n: number) => new Uint8Array(n).fill(0xff);

function worstPayment(tickets: number) {
  const exp = create(TicketExpirationParamsSchema, { creationRound: -1n, creationRoundBlockHash: full(32) });
  return create(PaymentSchema, {
    ticketParams: create(TicketParamsSchema, {
      recipient: full(20),
      faceValue: full(32),
      winProb: full(32),
      recipientRandHash: full(32),
      seed: full(32),
      expirationBlock: full(32),
      expirationParams: exp,
    }),
    sender: full(20),
    expirationParams: exp,
    // int64 −1 is the longest varint (10 bytes); a model id at its limit as the constraint.
    expectedPrice: create(PriceInfoSchema, { pricePerUnit: -1n, pixelsPerUnit: -1n, capability: 0xffff_ffff, constraint: 'm'.repeat(WIRE_LIMITS.modelIdChars) }),
    ticketSenderParams: Array.from({ length: tickets }, () => create(TicketSenderParamsSchema, { senderNonce: 0xffff_ffff, sig: full(65) })),
  });
}

test('the most tickets a gateway signs, at their largest, fit the Livepeer-Payment header limit', () => {
  const n = WIRE_LIMITS.ticketsPerPaymentHeader;
  assert.equal(n, 471);
  assert.ok(n <= WIRE_LIMITS.ticketsPerPayment);
  const one = toBinary(PaymentSchema, worstPayment(1)).length - toBinary(PaymentSchema, worstPayment(0)).length;
  assert.equal(one, TICKET_SENDER_PARAMS_MAX_BYTES, 'the per-ticket bound is the real largest encoding');
  const header = encodePaymentHeader(worstPayment(n));
  assert.ok(header.length <= WIRE_LIMITS.paymentHeaderChars, `${header.length} characters`);
  assert.equal(decodePaymentHeader(header).ticketSenderParams.length, n);
  // The bound is not loose by more than a few tickets' worth.
  assert.ok(encodePaymentHeader(worstPayment(n + 8)).length > WIRE_LIMITS.paymentHeaderChars);
});
