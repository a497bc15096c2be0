// What goes into a row and comes back out: a WinningTicket as canonical JSON (bigints as decimal
// text, bytes as hex, every field by name, a format version), and the checks on what callers hand
// in. Decoding re-hashes the ticket and compares it with the row's key, so a row edited by hand
// (a face value raised, a signature swapped) is refused with STORE_CORRUPT_ROW instead of being
// redeemed as if it were what the orchestrator accepted.
import type { Address, Hex } from 'viem';
import { bytesToHex, hexToBytes, keccak256, ticketHash, type Hex32, type WinningTicket } from '../pm/index.js';
import { StoreError } from './errors.js';

const FORMAT = 1;
const DEC_RE = /^(0|[1-9][0-9]*)$/;
const HEX32_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDR_RE = /^0x[0-9a-fA-F]{40}$/;
const BYTES_RE = /^0x(?:[0-9a-fA-F]{2})*$/;
/** Blocks and nonces are kept as 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT). */
const MAX_I64 = (1n << 63n) - 1n;

const TICKET_KEYS = [
  'v', 'recipient', 'sender', 'faceValue', 'winProb', 'senderNonce', 'recipientRandHash', 'creationRound',
  'creationRoundBlockHash', 'paramsExpirationBlock', 'pricePerUnit', 'pixelsPerUnit', 'sig', 'recipientRand', 'sessionId',
] as const;

/** The columns a ticket row derives from its ticket (kept for indexes and sums, checked on read). */
export interface EncodedTicket {
  ticketHash: Hex32;
  /** lower case, so openFaceValue matches any spelling of the address. */
  sender: string;
  recipient: string;
  faceValue: string;
  json: string;
  /** keccak256 of json: catches an edit to a field the ticket hash does not cover. */
  sum: string;
}

export function jsonSum(json: string): string {
  return bytesToHex(keccak256(Buffer.from(json, 'utf8')));
}

function invalid(what: string, v: unknown): StoreError {
  return new StoreError('STORE_INVALID_INPUT', `${what} is malformed: ${typeof v === 'bigint' ? v.toString() : JSON.stringify(v) ?? String(v)}`);
}

function u256Text(v: unknown, what: string): string {
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 256n) throw invalid(what, v);
  return v.toString();
}

function hexField(v: unknown, re: RegExp, what: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw invalid(what, v);
  return v;
}

/** The canonical form of a winning ticket and its derived columns; STORE_INVALID_INPUT when malformed. */
export function encodeTicket(w: WinningTicket): EncodedTicket {
  const t = w?.ticket;
  if (!t || typeof t !== 'object' || !t.price) throw invalid('winning ticket', w === undefined ? 'undefined' : Object.keys(w ?? {}));
  if (!(w.sig instanceof Uint8Array)) throw invalid('ticket sig', w.sig);
  const obj: Record<(typeof TICKET_KEYS)[number], string | number> = {
    v: FORMAT,
    recipient: hexField(t.recipient, ADDR_RE, 'ticket recipient'),
    sender: hexField(t.sender, ADDR_RE, 'ticket sender'),
    faceValue: u256Text(t.faceValue, 'ticket faceValue'),
    winProb: u256Text(t.winProb, 'ticket winProb'),
    senderNonce: u256Text(t.senderNonce, 'ticket senderNonce'),
    recipientRandHash: hexField(t.recipientRandHash, HEX32_RE, 'ticket recipientRandHash'),
    creationRound: u256Text(t.creationRound, 'ticket creationRound'),
    creationRoundBlockHash: hexField(t.creationRoundBlockHash, HEX32_RE, 'ticket creationRoundBlockHash'),
    paramsExpirationBlock: u256Text(t.paramsExpirationBlock, 'ticket paramsExpirationBlock'),
    pricePerUnit: u256Text(t.price.pricePerUnit, 'ticket price.pricePerUnit'),
    pixelsPerUnit: u256Text(t.price.pixelsPerUnit, 'ticket price.pixelsPerUnit'),
    sig: bytesToHex(w.sig),
    recipientRand: u256Text(w.recipientRand, 'recipientRand'),
    sessionId: hexField(w.sessionId, HEX32_RE, 'sessionId'),
  };
  const json = JSON.stringify(obj);
  return {
    ticketHash: ticketHash(t).toLowerCase() as Hex32,
    sender: t.sender.toLowerCase(),
    recipient: t.recipient.toLowerCase(),
    faceValue: obj.faceValue as string,
    json,
    sum: jsonSum(json),
  };
}

export function corrupt(ticketHash: string, why: string, cause?: unknown): StoreError {
  return new StoreError('STORE_CORRUPT_ROW', `stored ticket ${ticketHash} is corrupt: ${why}`, {
    details: `ticket ${ticketHash}: ${why}`,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The ticket back from its row. Throws STORE_CORRUPT_ROW when the JSON does not decode to exactly
 * the canonical fields, or when the decoded ticket's hash, sender or face value differ from the
 * row's own columns.
 */
export function decodeTicket(key: string, json: unknown, cols: { sender: string; faceValue: bigint; sum: unknown }): WinningTicket {
  if (typeof json !== 'string') throw corrupt(key, 'the ticket column is not text');
  if (cols.sum !== jsonSum(json)) throw corrupt(key, 'the ticket column does not match its checksum (edited by hand?)');
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    throw corrupt(key, 'the ticket column is not JSON', err);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw corrupt(key, 'the ticket column is not an object');
  const keys = Object.keys(o);
  if (keys.length !== TICKET_KEYS.length || TICKET_KEYS.some((k) => !(k in o))) throw corrupt(key, `unexpected ticket fields ${keys.join(',')}`);
  if (o.v !== FORMAT) throw corrupt(key, `unknown ticket format ${JSON.stringify(o.v)}`);
  const dec = (k: string): bigint => {
    const v = o[k];
    if (typeof v !== 'string' || !DEC_RE.test(v) || v.length > 78) throw corrupt(key, `${k} is not a decimal integer`);
    return BigInt(v);
  };
  const hex = (k: string, re: RegExp): string => {
    const v = o[k];
    if (typeof v !== 'string' || !re.test(v)) throw corrupt(key, `${k} is not hex of the right length`);
    return v;
  };
  const w: WinningTicket = {
    ticket: {
      recipient: hex('recipient', ADDR_RE) as Address,
      sender: hex('sender', ADDR_RE) as Address,
      faceValue: dec('faceValue'),
      winProb: dec('winProb'),
      senderNonce: dec('senderNonce'),
      recipientRandHash: hex('recipientRandHash', HEX32_RE) as Hex32,
      creationRound: dec('creationRound'),
      creationRoundBlockHash: hex('creationRoundBlockHash', HEX32_RE) as Hex32,
      paramsExpirationBlock: dec('paramsExpirationBlock'),
      price: { pricePerUnit: dec('pricePerUnit'), pixelsPerUnit: dec('pixelsPerUnit') },
    },
    // A plain Uint8Array (hexToBytes gives a Buffer), as the pm types and callers' equality expect.
    sig: Uint8Array.from(hexToBytes(hex('sig', BYTES_RE))),
    recipientRand: dec('recipientRand'),
    sessionId: hex('sessionId', HEX32_RE) as Hex32,
  };
  let h: string;
  try {
    h = ticketHash(w.ticket);
  } catch (err) {
    throw corrupt(key, 'the ticket does not hash', err);
  }
  if (h.toLowerCase() !== key.toLowerCase()) throw corrupt(key, `the ticket hashes to ${h}, not to its key`);
  if (w.ticket.sender.toLowerCase() !== cols.sender) throw corrupt(key, 'the sender column differs from the ticket');
  if (w.ticket.faceValue !== cols.faceValue) throw corrupt(key, 'the face value column differs from the ticket');
  return w;
}

/** A 32-byte hash argument, lower-cased (the stored spelling). */
export function hashArg(v: unknown, what = 'ticket hash'): Hex32 {
  if (typeof v !== 'string' || !HEX32_RE.test(v)) throw invalid(what, v);
  return v.toLowerCase() as Hex32;
}

/** A block number or nonce that fits the 64-bit integer columns. */
export function i64Arg(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_I64) throw invalid(what, v);
  return v;
}

export function nonceArg(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid('transaction nonce', v);
  return v;
}

/** addWinning's `now`: ms since the epoch. */
export function msArg(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid('time (ms since the epoch)', v);
  return v;
}

export function weiArg(v: unknown, what: string): string {
  return u256Text(v, what);
}

export function txHashArg(v: unknown): Hex {
  return hashArg(v, 'transaction hash') as Hex;
}

/** A decimal wei column back to bigint (NUMERIC comes back from pg as text); STORE_CORRUPT_ROW if not. */
export function weiCol(key: string, v: unknown, what: string): bigint {
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'string' && DEC_RE.test(v) && v.length <= 78) return BigInt(v);
  throw corrupt(key, `${what} is not a decimal integer`);
}
