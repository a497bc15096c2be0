// The state bytes as Go's json.Marshal writes them (expected text written out by hand from Go's rules).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeState, emptyState, encodeState } from './state.js';

it('encodes RemotePaymentState byte for byte as Go, and decodes int64/uint64 exactly', () => {
  const s = { ...emptyState(), StateID: 'ab<&>', OrchestratorAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', Balance: '7/3', SequenceNumber: (1n << 64n) - 1n, AuthExpiry: -(1n << 63n), SenderNonce: 4294967295 };
  const want =
    '{"StateID":"ab\\u003c\\u0026\\u003e","PMSessionID":"","LastUpdate":"0001-01-01T00:00:00Z","OrchestratorAddress":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8",' +
    '"App":"","AuthExpiry":-9223372036854775808,"SenderNonce":4294967295,"Balance":"7/3","InitialPricePerUnit":0,"InitialPixelsPerUnit":0,"Type":"",' +
    '"SequenceNumber":18446744073709551615,"AuthID":""}';
  assert.equal(new TextDecoder().decode(encodeState(s)), want);
  const back = decodeState(new TextEncoder().encode(want.replace('"SequenceNumber"', '"sequencenumber"')));
  assert.equal(back.SequenceNumber, (1n << 64n) - 1n);
  assert.equal(back.AuthExpiry, -(1n << 63n));
  assert.throws(() => decodeState(new TextEncoder().encode('{"SenderNonce":4294967296}')), { code: 'SIGNER_INVALID_STATE' });
});
