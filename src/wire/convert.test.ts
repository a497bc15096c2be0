import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clone, create, equals } from '@bufbuild/protobuf';
import { localTicketSigner, MAX_WIN_PROB, ticketHashBytes, verifyTicketSig, type TicketBatch, type TicketParams } from '../pm/index.js';
import { PaymentSchema, PriceInfoSchema, TicketParamsSchema } from './gen/net/lp_rpc_pb.js';
import { decodePaymentHeader, encodePaymentHeader } from './codec.js';
import { authTokenFromWire, authTokenToWire } from './convert-auth.js';
import { emptyPayment, paymentFromWire, paymentToWire } from './convert-payment.js';
import { INT64_MAX, priceInfoFromWire, priceInfoToWire } from './convert-price.js';
import { expirationParamsFromWire, ticketParamsFromWire, ticketParamsToWire } from './convert-ticket.js';
import { InvalidFieldError, ValueRangeError } from './errors.js';

const sender = localTicketSigner(`0x${'11'.repeat(32)}`);
const RECIPIENT = '0x1111111111111111111111111111111111111111' as const;
const RRH = `0x${'ab'.repeat(32)}` as const;
const BLOCK_HASH = `0x${'cd'.repeat(32)}` as const;

function params(over: Partial<TicketParams> = {}): TicketParams {
  return {
    recipient: RECIPIENT,
    faceValue: 1000n,
    winProb: MAX_WIN_PROB / 2n,
    recipientRandHash: RRH,
    seed: 0xdeadbeefn,
    expirationBlock: 12345n,
    price: { pricePerUnit: 1200n, pixelsPerUnit: 1n },
    expirationParams: { creationRound: 150n, creationRoundBlockHash: BLOCK_HASH },
    ...over,
  };
}

test('TicketParams pm → wire: minimal big-endian bytes, 0 → empty', () => {
  const w = ticketParamsToWire(params({ seed: 0n, faceValue: 256n, expirationBlock: 1n }));
  assert.equal(w.recipient.length, 20);
  assert.deepEqual(w.faceValue, Uint8Array.of(1, 0));
  assert.equal(w.winProb.length, 32);
  assert.equal(w.winProb[0], 0x7f);
  assert.deepEqual(w.seed, new Uint8Array(0));
  assert.deepEqual(w.expirationBlock, Uint8Array.of(1));
  assert.equal(w.expirationParams?.creationRound, 150n);
  assert.equal(w.expirationParams?.creationRoundBlockHash.length, 32);
  const back = ticketParamsFromWire(w, { pricePerUnit: 1200n, pixelsPerUnit: 1n });
  assert.deepEqual(back, params({ seed: 0n, faceValue: 256n, expirationBlock: 1n }));
  assert.throws(() => ticketParamsToWire(params({ faceValue: -1n })), ValueRangeError);
});

test('TicketParams wire → pm: refuses malformed fields with InvalidFieldError / ValueRangeError', () => {
  const good = ticketParamsToWire(params());
  const price = { pricePerUnit: 1n, pixelsPerUnit: 1n };
  const bad = (f: (t: typeof good) => void, cls: unknown) => {
    const t = clone(TicketParamsSchema, good);
    f(t);
    assert.throws(() => ticketParamsFromWire(t, price), cls as never);
  };
  bad((t) => (t.recipient = new Uint8Array(19)), InvalidFieldError);
  bad((t) => (t.recipientRandHash = new Uint8Array(31)), InvalidFieldError);
  bad((t) => (t.faceValue = new Uint8Array(33).fill(1)), ValueRangeError);
  bad((t) => (t.expirationParams = { $typeName: 'net.TicketExpirationParams', creationRound: 1n, creationRoundBlockHash: new Uint8Array(5) }), InvalidFieldError);
  // Absent expiration params are zeros, as Go's getters give.
  assert.deepEqual(expirationParamsFromWire(undefined), { creationRound: 0n, creationRoundBlockHash: `0x${'00'.repeat(32)}` });
});

test('PriceInfo: int64 bounds, reduction when needed, refusal of bad wire prices', () => {
  const w = priceInfoToWire({ pricePerUnit: 7n, pixelsPerUnit: 3n }, { capability: 35, constraint: 'm' });
  assert.equal(w.pricePerUnit, 7n);
  assert.equal(w.pixelsPerUnit, 3n);
  assert.equal(w.capability, 35);
  assert.equal(w.constraint, 'm');
  assert.deepEqual(priceInfoFromWire(w), { pricePerUnit: 7n, pixelsPerUnit: 3n });
  assert.equal(priceInfoToWire({ pricePerUnit: INT64_MAX, pixelsPerUnit: 1n }).pricePerUnit, INT64_MAX);
  // Fits only reduced: same rational, sent reduced.
  const r = priceInfoToWire({ pricePerUnit: 1n << 70n, pixelsPerUnit: 1n << 10n });
  assert.equal(r.pricePerUnit, 1n << 60n);
  assert.equal(r.pixelsPerUnit, 1n);
  assert.throws(() => priceInfoToWire({ pricePerUnit: INT64_MAX + 1n, pixelsPerUnit: 1n }), (e: unknown) => e instanceof ValueRangeError && e.code === 'WIRE_VALUE_OUT_OF_RANGE' && e.field === 'pricePerUnit');
  assert.throws(() => priceInfoToWire({ pricePerUnit: 1n, pixelsPerUnit: INT64_MAX + 2n }), (e: unknown) => e instanceof ValueRangeError && e.field === 'pixelsPerUnit');
  assert.throws(() => priceInfoFromWire(create(PriceInfoSchema, { pricePerUnit: 1n, pixelsPerUnit: 0n })), InvalidFieldError);
  assert.throws(() => priceInfoFromWire(create(PriceInfoSchema, { pricePerUnit: -1n, pixelsPerUnit: 1n })), InvalidFieldError);
});

test('Payment: pm batch → header → expanded tickets whose signatures verify', async () => {
  const p = params();
  const senderParams = [];
  for (const nonce of [1n, 2n, 3n]) {
    const draft: TicketBatch = { params: p, expirationParams: p.expirationParams, sender: sender.address, senderParams: [] };
    const ticket = { ...draft.params, sender: sender.address, senderNonce: nonce, creationRound: 150n, creationRoundBlockHash: BLOCK_HASH };
    senderParams.push({ senderNonce: nonce, sig: await sender.sign(ticketHashBytes(ticket)) });
  }
  const batch: TicketBatch = { params: p, expirationParams: p.expirationParams, sender: sender.address, senderParams };
  // expected_price is echoed exactly as O sent it (capability/constraint kept).
  const oPrice = create(PriceInfoSchema, { pricePerUnit: 2400n, pixelsPerUnit: 2n, capability: 35, constraint: 'noop' });
  const wire = paymentToWire(batch, { expectedPrice: oPrice });
  assert.ok(equals(PriceInfoSchema, wire.expectedPrice!, oPrice));
  const decoded = paymentFromWire(decodePaymentHeader(encodePaymentHeader(wire)));
  assert.equal(decoded.sender, sender.address);
  assert.deepEqual(decoded.expectedPrice, { pricePerUnit: 2400n, pixelsPerUnit: 2n });
  assert.equal(decoded.expectedPriceWire?.constraint, 'noop');
  assert.equal(decoded.tickets.length, 3);
  for (const [i, t] of decoded.tickets.entries()) {
    assert.equal(t.ticket.senderNonce, BigInt(i + 1));
    assert.equal(t.ticket.faceValue, 1000n);
    assert.equal(t.ticket.creationRound, 150n);
    assert.equal(t.ticket.paramsExpirationBlock, 12345n);
    assert.equal(verifyTicketSig(sender.address, ticketHashBytes(t.ticket), t.sig), null);
  }
  // Default expected price: the params' price.
  assert.equal(paymentToWire(batch).expectedPrice?.pricePerUnit, 1200n);
  assert.throws(() => paymentToWire({ ...batch, senderParams: [{ senderNonce: 1n << 32n, sig: new Uint8Array(65) }] }), ValueRangeError);
});

test('Payment without ticket params has no tickets; params without sender/price are refused', () => {
  const offchain = paymentFromWire(emptyPayment());
  assert.equal(offchain.sender, undefined);
  assert.equal(offchain.ticketParams, undefined);
  assert.deepEqual(offchain.tickets, []);
  const zero = paymentFromWire(emptyPayment(sender.address, { pricePerUnit: 5n, pixelsPerUnit: 1n }));
  assert.equal(zero.sender, sender.address);
  assert.equal(zero.expectedPrice?.pricePerUnit, 5n);

  const tp = ticketParamsToWire(params());
  assert.throws(
    () => paymentFromWire(create(PaymentSchema, { ticketParams: tp, expectedPrice: { pricePerUnit: 1n, pixelsPerUnit: 1n } })),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'sender' && e.status === 402,
  );
  assert.throws(
    () => paymentFromWire(create(PaymentSchema, { ticketParams: tp, sender: new Uint8Array(20) })),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'expected_price',
  );
  assert.throws(() => paymentFromWire(create(PaymentSchema, { sender: new Uint8Array(21) })), InvalidFieldError);
});

test('AuthToken ↔ plain data', () => {
  const data = { token: `0x${'77'.repeat(32)}` as const, sessionId: 's', expiration: 1700000000n };
  assert.deepEqual(authTokenFromWire(authTokenToWire(data)), data);
});
