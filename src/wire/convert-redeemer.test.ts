// net.Ticket / MaxFloatReq / MaxFloatUpdate against bytes built by hand from go-livepeer's
// net/redeemer.proto and net/lp_rpc.proto field numbers (Ticket: ticket_params 1, sender 2,
// expiration_params 3, sender_params 4, recipient_rand 5; TicketParams: recipient 1, face_value 2,
// win_prob 3, recipient_rand_hash 4, seed 5, expiration_block 6; TicketExpirationParams:
// creation_round 1, creation_round_block_hash 2; TicketSenderParams: sender_nonce 1, sig 2), not
// from our encoder.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import type { Address } from 'viem';
import { MAX_WIN_PROB, type WinningTicket } from '../pm/index.js';
import {
  InvalidFieldError,
  MaxFloatReqSchema,
  MaxFloatUpdateSchema,
  RedeemerTicketSchema,
  ValueRangeError,
  WireError,
  maxFloatReqFromWire,
  maxFloatReqToWire,
  maxFloatUpdateFromWire,
  maxFloatUpdateToWire,
  winningTicketFromWire,
  winningTicketToWire,
} from './index.js';

const b = (...xs: number[]) => Uint8Array.from(xs);
const fill = (n: number, v: number) => new Uint8Array(n).fill(v);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
/** A length-delimited field: tag, one-byte length (all ours are < 128), bytes. */
const ld = (tag: number, body: Uint8Array) => cat(b(tag, body.length), body);

const RECIPIENT = fill(20, 0x11);
const SENDER = fill(20, 0x22);
const RRH = fill(32, 0x33);
const BLOCK_HASH = fill(32, 0x44);
const SIG = cat(fill(64, 0x55), b(0x1b));

// face_value 1_000_000 = 0x0f4240; win_prob 2^256-1; expiration_block 300 = 0x012c; creation_round
// 150 = varint 0x96 0x01; sender_nonce 7; recipient_rand 0x0102.
const TICKET_PARAMS = cat(ld(0x0a, RECIPIENT), ld(0x12, b(0x0f, 0x42, 0x40)), ld(0x1a, fill(32, 0xff)), ld(0x22, RRH), ld(0x32, b(0x01, 0x2c)));
const EXPIRATION = cat(b(0x08, 0x96, 0x01), ld(0x12, BLOCK_HASH));
const SENDER_PARAMS = cat(b(0x08, 0x07), ld(0x12, SIG));
const TICKET = cat(ld(0x0a, TICKET_PARAMS), ld(0x12, SENDER), ld(0x1a, EXPIRATION), ld(0x22, SENDER_PARAMS), ld(0x2a, b(0x01, 0x02)));

const hex = (u: Uint8Array) => `0x${Buffer.from(u).toString('hex')}`;

test('Ticket: go-livepeer bytes decode to the winning ticket and our encoding is byte-identical', () => {
  const w = winningTicketFromWire(fromBinary(RedeemerTicketSchema, TICKET));
  const t = w.ticket;
  assert.equal(t.recipient.toLowerCase(), hex(RECIPIENT));
  assert.equal(t.sender.toLowerCase(), hex(SENDER));
  assert.equal(t.faceValue, 1_000_000n);
  assert.equal(t.winProb, MAX_WIN_PROB);
  assert.equal(t.recipientRandHash, hex(RRH));
  assert.equal(t.paramsExpirationBlock, 300n);
  assert.equal(t.creationRound, 150n);
  assert.equal(t.creationRoundBlockHash, hex(BLOCK_HASH));
  assert.equal(t.senderNonce, 7n);
  assert.deepEqual(w.sig, SIG);
  assert.equal(w.recipientRand, 0x0102n);
  assert.equal(w.sessionId, hex(RRH));
  assert.deepEqual(toBinary(RedeemerTicketSchema, winningTicketToWire(w)), TICKET);
});

test('Ticket: zero integers go as empty bytes (Go big.Int.Bytes()), the block hash as its 32 bytes', () => {
  const w = winningTicketFromWire(fromBinary(RedeemerTicketSchema, TICKET));
  const zero: WinningTicket = { ...w, recipientRand: 0n, ticket: { ...w.ticket, winProb: 0n, paramsExpirationBlock: 0n, creationRound: 0n, senderNonce: 0n } };
  const params = cat(ld(0x0a, RECIPIENT), ld(0x12, b(0x0f, 0x42, 0x40)), ld(0x22, RRH));
  const want = cat(ld(0x0a, params), ld(0x12, SENDER), ld(0x1a, ld(0x12, BLOCK_HASH)), ld(0x22, ld(0x12, SIG)));
  assert.deepEqual(toBinary(RedeemerTicketSchema, winningTicketToWire(zero)), want);
});

function refused(bytes: Uint8Array, field: string, cls: typeof InvalidFieldError | typeof ValueRangeError = InvalidFieldError): void {
  assert.throws(
    () => winningTicketFromWire(fromBinary(RedeemerTicketSchema, bytes)),
    (e: unknown) => e instanceof cls && (e as InvalidFieldError).field === field && e instanceof WireError,
    field,
  );
}

test('Ticket: every field the redemption uses is checked (typed wire errors, never a panic or a padded address)', () => {
  const without = (skip: number) => cat(...[ld(0x0a, TICKET_PARAMS), ld(0x12, SENDER), ld(0x1a, EXPIRATION), ld(0x22, SENDER_PARAMS)].filter((_, i) => i !== skip));
  refused(without(0), 'ticket_params');
  refused(without(2), 'expiration_params');
  refused(without(3), 'sender_params');
  refused(without(1), 'sender');
  const withParams = (p: Uint8Array) => cat(ld(0x0a, p), ld(0x12, SENDER), ld(0x1a, EXPIRATION), ld(0x22, SENDER_PARAMS));
  refused(cat(ld(0x0a, TICKET_PARAMS), ld(0x12, fill(19, 0x22)), ld(0x1a, EXPIRATION), ld(0x22, SENDER_PARAMS)), 'sender');
  refused(cat(ld(0x0a, TICKET_PARAMS), ld(0x12, fill(20, 0)), ld(0x1a, EXPIRATION), ld(0x22, SENDER_PARAMS)), 'sender');
  refused(withParams(cat(ld(0x0a, fill(21, 0x11)), ld(0x12, b(1)), ld(0x22, RRH))), 'recipient');
  refused(withParams(cat(ld(0x0a, fill(20, 0)), ld(0x12, b(1)), ld(0x22, RRH))), 'recipient');
  refused(withParams(cat(ld(0x0a, RECIPIENT), ld(0x22, RRH))), 'face_value');
  refused(withParams(cat(ld(0x0a, RECIPIENT), ld(0x12, b(1)), ld(0x22, fill(31, 0x33)))), 'recipient_rand_hash');
  refused(withParams(cat(ld(0x0a, RECIPIENT), ld(0x12, fill(33, 0xff)), ld(0x22, RRH))), 'face_value', ValueRangeError);
  refused(withParams(cat(ld(0x0a, RECIPIENT), ld(0x12, b(1)), ld(0x22, RRH), ld(0x32, cat(b(1), fill(8, 0))))), 'expiration_block', ValueRangeError);
  const withSender = (sp: Uint8Array) => cat(ld(0x0a, TICKET_PARAMS), ld(0x12, SENDER), ld(0x1a, EXPIRATION), ld(0x22, sp));
  refused(withSender(cat(b(0x08, 0x07), ld(0x12, fill(64, 0x55)))), 'sig');
  // creation_round -1: int64 varint of ten bytes.
  const negRound = cat(ld(0x0a, TICKET_PARAMS), ld(0x12, SENDER), ld(0x1a, cat(b(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), ld(0x12, BLOCK_HASH))), ld(0x22, SENDER_PARAMS));
  refused(negRound, 'creation_round', ValueRangeError);
  refused(cat(TICKET, ld(0x2a, cat(b(1), fill(32, 0)))), 'recipient_rand', ValueRangeError);
});

test('MaxFloatReq / MaxFloatUpdate: field 1, exact sender length, max float as minimal bytes (a negative float goes as 0)', () => {
  const req = cat(b(0x0a, 0x14), SENDER);
  const sender = maxFloatReqFromWire(fromBinary(MaxFloatReqSchema, req));
  assert.equal(sender.toLowerCase(), hex(SENDER));
  assert.deepEqual(toBinary(MaxFloatReqSchema, maxFloatReqToWire(sender as Address)), req);
  assert.throws(() => maxFloatReqFromWire(fromBinary(MaxFloatReqSchema, cat(b(0x0a, 0x15), fill(21, 1)))), (e: unknown) => e instanceof InvalidFieldError && e.field === 'sender');
  assert.throws(() => maxFloatReqFromWire(fromBinary(MaxFloatReqSchema, new Uint8Array(0))), InvalidFieldError);
  // 10^18 = 0x0de0b6b3a7640000
  const update = b(0x0a, 0x08, 0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00);
  assert.equal(maxFloatUpdateFromWire(fromBinary(MaxFloatUpdateSchema, update)), 10n ** 18n);
  assert.deepEqual(toBinary(MaxFloatUpdateSchema, maxFloatUpdateToWire(10n ** 18n)), update);
  assert.deepEqual(toBinary(MaxFloatUpdateSchema, maxFloatUpdateToWire(-5n)), new Uint8Array(0));
  assert.equal(maxFloatUpdateFromWire(fromBinary(MaxFloatUpdateSchema, new Uint8Array(0))), 0n);
});
