// Every line of test/fixtures/vectors/pm-tickets.jsonl under both secp256k1 backends.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Address, Hex } from 'viem';
import {
  bytesToHex,
  cryptoBackend,
  hexToBytes,
  inspectTicket,
  nativeCryptoAvailable,
  setCryptoBackend,
  ticketHash,
} from './index.js';
import type { HashedTicketFields } from './index.js';
import { PM_VECTORS } from '../../test/fixtures.js';

const path = PM_VECTORS;

interface Vector {
  ticket: Record<string, string>;
  sig: Hex;
  recipientRand: string;
  expect: { hash: Hex; sigValid: boolean; signer?: Address; winning?: boolean; reason?: string };
}

const vectors: Vector[] = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Vector);

function toTicket(t: Record<string, string>): HashedTicketFields {
  return {
    recipient: t.recipient as Address,
    sender: t.sender as Address,
    faceValue: BigInt(t.faceValue!),
    winProb: BigInt(t.winProb!),
    senderNonce: BigInt(t.senderNonce!),
    recipientRandHash: t.recipientRandHash as Hex,
    creationRound: BigInt(t.creationRound!),
    creationRoundBlockHash: t.creationRoundBlockHash as Hex,
  };
}

test('the vector file has 48 lines', () => {
  assert.equal(vectors.length, 48);
});

const backends = (['native', 'js'] as const).filter((b) => b === 'js' || nativeCryptoAvailable());
const before = cryptoBackend();
after(() => setCryptoBackend(before));

for (const backend of backends) {
  describe(`pm-tickets.jsonl with the ${backend} backend`, () => {
    vectors.forEach((v, i) => {
      test(`line ${i + 1}: ${v.expect.sigValid ? (v.expect.winning ? 'winning' : 'losing') : v.expect.reason}`, () => {
        setCryptoBackend(backend);
        assert.equal(cryptoBackend(), backend);
        const t = toTicket(v.ticket);
        assert.equal(ticketHash(t), v.expect.hash);
        const r = inspectTicket(t, hexToBytes(v.sig), BigInt(v.recipientRand));
        assert.equal(bytesToHex(r.hash), v.expect.hash);
        assert.equal(r.sigValid, v.expect.sigValid);
        assert.equal(r.signer, v.expect.signer);
        if (v.expect.sigValid) assert.equal(r.winning, v.expect.winning);
        else {
          assert.equal(r.reason, v.expect.reason);
          assert.equal(r.winning, undefined);
        }
      });
    });
  });
}

test('native backend is available on this machine (prebuilt addon)', () => {
  assert.ok(nativeCryptoAvailable());
});
