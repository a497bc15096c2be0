// Statistical check of the lottery over real signed tickets: deterministic keys and RFC 6979
// signatures make the count reproducible; it must sit within 5σ of the binomial expectation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address, Hex } from 'viem';
import { MAX_WIN_PROB, bytesToHex, inspectTicket, keccak256, localTicketSigner, ticketHashBytes } from './index.js';
import type { HashedTicketFields } from './index.js';

test('20,000 tickets at winProb = max/10: winners within 5σ of 2,000', () => {
  const N = 20_000;
  const p = 0.1;
  const winProb = MAX_WIN_PROB / 10n;
  const keys = [1, 2, 3, 4].map((i) => localTicketSigner(bytesToHex(keccak256(Buffer.from(`lottery-key-${i}`))) as Hex));
  const recipient: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  const rand = 0x1234567890abcdefn;
  const randHash = bytesToHex(keccak256(Buffer.from(rand.toString(16).padStart(64, '0'), 'hex')));
  let winners = 0;
  for (let i = 0; i < N; i++) {
    const s = keys[i % keys.length]!;
    const ticket: HashedTicketFields = {
      recipient,
      sender: s.address,
      faceValue: 1_000_000n,
      winProb,
      senderNonce: BigInt(1 + Math.floor(i / keys.length)),
      recipientRandHash: randHash,
      creationRound: 7n,
      creationRoundBlockHash: randHash,
    };
    const sig = s.sign(ticketHashBytes(ticket)) as Uint8Array;
    const r = inspectTicket(ticket, sig, rand);
    assert.equal(r.sigValid, true);
    if (r.winning) winners++;
  }
  const mean = N * p;
  const sigma = Math.sqrt(N * p * (1 - p));
  assert.ok(Math.abs(winners - mean) <= 5 * sigma, `winners ${winners}, expected ${mean} ± ${5 * sigma}`);
});
