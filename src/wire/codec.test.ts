import { test } from 'node:test';
import assert from 'node:assert/strict';
import { create, equals } from '@bufbuild/protobuf';
import { PaymentSchema, SegDataSchema } from './gen/net/lp_rpc_pb.js';
import {
  bigIntToMinimalBytes,
  bytesToBigInt,
  bytesToUint256,
  decodeBase64Strict,
  pad32,
} from './bytes.js';
import { decodePaymentHeader, decodeSegmentHeader, encodePaymentHeader, encodeSegmentHeader } from './codec.js';
import { HeaderDecodeError, ValueRangeError } from './errors.js';

test('minimal big-endian bytes match Go big.Int.Bytes()', () => {
  assert.deepEqual(bigIntToMinimalBytes(0n), new Uint8Array(0));
  assert.deepEqual(bigIntToMinimalBytes(1n), Uint8Array.of(1));
  assert.deepEqual(bigIntToMinimalBytes(255n), Uint8Array.of(0xff));
  assert.deepEqual(bigIntToMinimalBytes(256n), Uint8Array.of(1, 0));
  assert.deepEqual(bigIntToMinimalBytes((1n << 256n) - 1n), new Uint8Array(32).fill(0xff));
  assert.throws(() => bigIntToMinimalBytes(-1n), ValueRangeError);
  assert.equal(bytesToBigInt(new Uint8Array(0)), 0n);
  assert.equal(bytesToBigInt(Uint8Array.of(0, 0, 1, 0)), 256n); // leading zeros accepted, like SetBytes
  assert.throws(() => bytesToUint256(new Uint8Array(33).fill(1), 'x'), ValueRangeError);
  assert.equal(bytesToUint256(Uint8Array.of(0, ...new Array<number>(32).fill(0xff)), 'x'), (1n << 256n) - 1n);
  for (const v of [0n, 1n, 0x1234n, 1n << 200n]) assert.equal(bytesToBigInt(bigIntToMinimalBytes(v)), v);
  assert.equal(pad32(5n).length, 32);
  assert.equal(pad32(5n)[31], 5);
  assert.throws(() => pad32(1n << 256n), ValueRangeError);
});

test('strict standard base64 like Go StdEncoding', () => {
  assert.deepEqual(decodeBase64Strict('AQID'), Uint8Array.of(1, 2, 3));
  assert.deepEqual(decodeBase64Strict('AQ=='), Uint8Array.of(1));
  assert.deepEqual(decodeBase64Strict('AQI='), Uint8Array.of(1, 2));
  assert.deepEqual(decodeBase64Strict('AQ\r\nID'), Uint8Array.of(1, 2, 3)); // Go skips CR/LF
  assert.deepEqual(decodeBase64Strict(''), new Uint8Array(0));
  for (const bad of ['AQ', 'A', 'AQ=', '-_8=', 'AQ==AQ==', 'AQ ID', '****', 'AQI=x']) {
    assert.equal(decodeBase64Strict(bad), undefined, bad);
  }
});

test('Livepeer-Payment header: round trip and typed errors with status 402', () => {
  const p = create(PaymentSchema, { sender: new Uint8Array(20).fill(7), ticketSenderParams: [{ senderNonce: 3, sig: Uint8Array.of(1) }] });
  const h = encodePaymentHeader(p);
  assert.match(h, /^[A-Za-z0-9+/]+=*$/);
  assert.ok(equals(PaymentSchema, decodePaymentHeader(h), p));
  assert.ok(equals(PaymentSchema, decodePaymentHeader([h, 'ignored']), p));

  const expectErr = (v: string | undefined, code: string) =>
    assert.throws(
      () => decodePaymentHeader(v),
      (e: unknown) => e instanceof HeaderDecodeError && e.code === code && e.status === 402 && e.header === 'Livepeer-Payment',
    );
  expectErr(undefined, 'WIRE_MISSING_HEADER');
  expectErr('', 'WIRE_MISSING_HEADER');
  expectErr('not base64!', 'WIRE_BAD_BASE64');
  expectErr(Buffer.from([0x0a, 0x10, 0x01]).toString('base64'), 'WIRE_BAD_PROTOBUF');
  // go-livepeer decodes an absent header as an empty payment; offchain nodes opt into that.
  assert.ok(equals(PaymentSchema, decodePaymentHeader(undefined, { required: false }), create(PaymentSchema)));
});

test('Livepeer-Segment header: round trip and typed errors with status 403', () => {
  const s = create(SegDataSchema, { manifestId: Buffer.from('m'), seq: 9n, profiles: Buffer.from('invalid') });
  const h = encodeSegmentHeader(s);
  assert.ok(equals(SegDataSchema, decodeSegmentHeader(h), s));
  assert.throws(() => decodeSegmentHeader(null), (e: unknown) => e instanceof HeaderDecodeError && e.code === 'WIRE_MISSING_HEADER' && e.status === 403);
  assert.throws(() => decodeSegmentHeader('%%%'), (e: unknown) => e instanceof HeaderDecodeError && e.code === 'WIRE_BAD_BASE64');
  assert.throws(
    () => decodeSegmentHeader(Buffer.from([0x08, 0xff]).toString('base64')),
    (e: unknown) => e instanceof HeaderDecodeError && e.code === 'WIRE_BAD_PROTOBUF' && e.fatal,
  );
});
