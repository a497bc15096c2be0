// PaymentHeaderEncoder against the reference encoding (the whole message built and encoded by
// protobuf-es): the same bytes for every batch size, nonce size, echoed price and default price,
// for a reused session part and after any of its inputs changes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { MAX_WIN_PROB, type TicketBatch, type TicketParams } from '../pm/index.js';
import { PriceInfoSchema } from './gen/net/lp_rpc_pb.js';
import { encodePaymentHeader } from './codec.js';
import { paymentToWire } from './convert-payment.js';
import { ValueRangeError } from './errors.js';
import { PaymentHeaderEncoder } from './payment-header.js';

const SENDER = '0x2222222222222222222222222222222222222222' as const;
const params = (over: Partial<TicketParams> = {}): TicketParams => ({
  recipient: '0x1111111111111111111111111111111111111111',
  faceValue: 123_456_789_000n,
  winProb: MAX_WIN_PROB / 3n,
  recipientRandHash: `0x${'ab'.repeat(32)}`,
  seed: 0xdeadbeefn,
  expirationBlock: 4242n,
  price: { pricePerUnit: 1200n, pixelsPerUnit: 1n },
  expirationParams: { creationRound: 150n, creationRoundBlockHash: `0x${'cd'.repeat(32)}` },
  ...over,
});
const sig = (n: number, len = 65) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + n) & 0xff);
const batchOf = (p: TicketParams, nonces: bigint[], sigLen = 65): TicketBatch => ({
  params: p,
  expirationParams: p.expirationParams,
  sender: SENDER,
  senderParams: nonces.map((n, i) => ({ senderNonce: n, sig: sig(i, sigLen) })),
});
const reference = (b: TicketBatch, price?: Parameters<PaymentHeaderEncoder['encode']>[1]) => encodePaymentHeader(paymentToWire(b, price === undefined ? {} : { expectedPrice: price }));

describe('PaymentHeaderEncoder', () => {
  it('encodes the same bytes as paymentToWire + encodePaymentHeader', () => {
    const enc = new PaymentHeaderEncoder();
    const p = params();
    const quote = create(PriceInfoSchema, { pricePerUnit: 2400n, pixelsPerUnit: 2n, capability: 33, constraint: 'some-model' });
    // Nonces of 1 to 5 varint bytes, batch sizes 1 to 300 (a length of ≥ 128 bytes needs two bytes).
    for (const nonces of [[1n], [127n, 128n], [16_383n, 16_384n, 2_097_152n], [0xffff_ffffn], Array.from({ length: 300 }, (_, i) => BigInt(i + 1))]) {
      const b = batchOf(p, nonces);
      assert.equal(enc.encode(b, quote), reference(b, quote));
      assert.equal(enc.encode(b), reference(b), 'default price: the params');
      assert.equal(enc.encode(b, { pricePerUnit: 7n, pixelsPerUnit: 3n }), reference(b, { pricePerUnit: 7n, pixelsPerUnit: 3n }), 'a money price');
    }
    // Empty fields are left out as protobuf-es leaves them out.
    const odd = batchOf(params({ seed: 0n }), [0n, 5n], 0);
    assert.equal(enc.encode(odd, quote), reference(odd, quote));
  });

  it('re-encodes the session part when its params, expiration, sender or quote change', () => {
    const enc = new PaymentHeaderEncoder();
    const p = params();
    const quote = create(PriceInfoSchema, { pricePerUnit: 2400n, pixelsPerUnit: 2n });
    const b = batchOf(p, [1n, 2n]);
    assert.equal(enc.encode(b, quote), reference(b, quote));
    const otherExp = { ...b, expirationParams: { creationRound: 151n, creationRoundBlockHash: `0x${'ee'.repeat(32)}` as const } };
    assert.equal(enc.encode(otherExp, quote), reference(otherExp, quote));
    // Expiration params filled per batch (a new object each time): equal values reuse the part, another round re-encodes it.
    const sameExp = { ...b, expirationParams: { ...b.expirationParams } };
    assert.equal(enc.encode(sameExp, quote), reference(sameExp, quote));
    const nextRound = { ...b, expirationParams: { ...b.expirationParams, creationRound: 152n } };
    assert.equal(enc.encode(nextRound, quote), reference(nextRound, quote));
    const otherHash = { ...b, expirationParams: { ...b.expirationParams, creationRoundBlockHash: `0x${'ef'.repeat(32)}` as const } };
    assert.equal(enc.encode(otherHash, quote), reference(otherHash, quote));
    const otherSender = { ...b, sender: '0x3333333333333333333333333333333333333333' as const };
    assert.equal(enc.encode(otherSender, quote), reference(otherSender, quote));
    const otherQuote = create(PriceInfoSchema, { pricePerUnit: 2500n, pixelsPerUnit: 2n });
    assert.equal(enc.encode(b, otherQuote), reference(b, otherQuote));
    const fresh = batchOf(params({ seed: 99n }), [1n]);
    assert.equal(enc.encode(fresh, quote), reference(fresh, quote));
    assert.equal(enc.encode(b, quote), reference(b, quote));
  });

  it('refuses a nonce above uint32 as paymentToWire does', () => {
    const b = batchOf(params(), [1n << 32n]);
    assert.throws(() => new PaymentHeaderEncoder().encode(b), ValueRangeError);
    assert.throws(() => reference(b), ValueRangeError);
  });
});
