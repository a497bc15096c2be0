// The ticket state machine, once for every backend: each backend reads the rows a call touches
// (locked: SQLite's write transaction, PostgreSQL's SELECT … FOR UPDATE), asks these planners what
// the rows become and which history line to append, and writes that. So SQLite, PostgreSQL and
// memory cannot disagree on what is legal. (PostgreSQL's markSubmitted is the one exception: a
// single conditional UPDATE that does what planSubmit does, so a batch takes one round trip.)
import type { Hex } from 'viem';
import type { Hex32 } from '../pm/index.js';
import { corrupt, decodeTicket, hashArg, i64Arg, nonceArg, txHashArg, weiArg, weiCol } from './codec.js';
import { StoreError } from './errors.js';
import type { RedemptionEvent, StateTotals, StoredTicket, TicketState } from './types.js';

export const TICKET_STATES: readonly TicketState[] = ['pending', 'submitted', 'redeemed', 'dropped', 'expired'];
const EVENT_KINDS: readonly RedemptionEvent['kind'][] = ['received', 'deferred', 'submitted', 'reverted', 'redeemed', 'dropped', 'expired', 'requeued'];
/** Longest code / detail text kept (a revert reason is short; a stack trace is not wanted here). */
const MAX_TEXT = 4096;

/** The columns a transition may change. */
export interface RowState {
  state: TicketState;
  attempts: number;
  notBeforeBlock: bigint | null;
  txHash: Hex | null;
  txNonce: number | null;
  reasonCode: string | null;
  reason: string | null;
  updatedAt: number;
}

/** A ticket row as every backend hands it over: integers as bigint or number, wei as text or bigint. */
export interface RawTicketRow {
  ticket_hash: string;
  sender: string;
  face_value: unknown;
  ticket: unknown;
  ticket_sum: unknown;
  state: unknown;
  received_at: unknown;
  attempts: unknown;
  not_before_block: unknown;
  tx_hash: unknown;
  tx_nonce: unknown;
  reason_code: unknown;
  reason: unknown;
  updated_at: unknown;
}

export type Plan = { row: RowState; event: RedemptionEvent } | 'noop';

function isState(v: unknown): v is TicketState {
  return typeof v === 'string' && (TICKET_STATES as readonly string[]).includes(v);
}

function num(key: string, v: unknown, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw corrupt(key, `${what} is not a non-negative integer`);
  return n;
}

function big(key: string, v: unknown, what: string): bigint {
  if (typeof v === 'bigint' && v >= 0n) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v);
  throw corrupt(key, `${what} is not a non-negative integer`);
}

function text(key: string, v: unknown, what: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw corrupt(key, `${what} is not text`);
  return v;
}

export function rowState(r: RawTicketRow): RowState {
  const k = r.ticket_hash;
  if (!isState(r.state)) throw corrupt(k, `unknown state ${JSON.stringify(r.state)}`);
  const txHash = text(k, r.tx_hash, 'tx_hash');
  if (txHash !== null && !/^0x[0-9a-f]{64}$/.test(txHash)) throw corrupt(k, 'tx_hash is not a 32-byte hash');
  return {
    state: r.state,
    attempts: num(k, r.attempts, 'attempts'),
    notBeforeBlock: r.not_before_block === null || r.not_before_block === undefined ? null : big(k, r.not_before_block, 'not_before_block'),
    txHash: txHash as Hex | null,
    txNonce: r.tx_nonce === null || r.tx_nonce === undefined ? null : num(k, r.tx_nonce, 'tx_nonce'),
    reasonCode: text(k, r.reason_code, 'reason_code'),
    reason: text(k, r.reason, 'reason'),
    updatedAt: num(k, r.updated_at, 'updated_at'),
  };
}

/** A whole row back as a StoredTicket; STORE_CORRUPT_ROW when any column is off. */
export function toStored(r: RawTicketRow): StoredTicket {
  const s = rowState(r);
  const ticket = decodeTicket(r.ticket_hash, r.ticket, { sender: r.sender, faceValue: weiCol(r.ticket_hash, r.face_value, 'face_value'), sum: r.ticket_sum });
  return {
    ticketHash: r.ticket_hash as Hex32,
    ticket,
    state: s.state,
    receivedAt: num(r.ticket_hash, r.received_at, 'received_at'),
    attempts: s.attempts,
    ...(s.notBeforeBlock === null ? {} : { notBeforeBlock: s.notBeforeBlock }),
    ...(s.txHash === null ? {} : { txHash: s.txHash }),
    ...(s.txNonce === null ? {} : { txNonce: s.txNonce }),
    ...(s.reasonCode === null ? {} : { reasonCode: s.reasonCode }),
    ...(s.reason === null ? {} : { reason: s.reason }),
    updatedAt: s.updatedAt,
  };
}

function illegal(hash: string, from: TicketState, to: string): StoreError {
  return new StoreError('STORE_ILLEGAL_TRANSITION', `ticket ${hash} is ${from}: it cannot become ${to}`, { details: `${from} → ${to}` });
}

export function notFound(hash: string): StoreError {
  return new StoreError('STORE_TICKET_NOT_FOUND', `no ticket ${hash} in the store`);
}

function textArg(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) throw new StoreError('STORE_INVALID_INPUT', `${what} must be non-empty text of at most ${MAX_TEXT} characters`);
  return v;
}

function optText(v: unknown, what: string): string | undefined {
  return v === undefined ? undefined : textArg(v, what);
}

/** Drops the keys whose value is undefined (the types use optional fields, never undefined values). */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function planSubmit(hash: Hex32, cur: RowState, tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }, now: number): Plan | 'skip' {
  if (cur.state !== 'pending') return 'skip';
  return {
    row: { state: 'submitted', attempts: cur.attempts + 1, notBeforeBlock: null, txHash: tx.txHash, txNonce: tx.nonce, reasonCode: null, reason: null, updatedAt: now },
    event: defined({ ticketHash: hash, at: now, kind: 'submitted', block: tx.block, txHash: tx.txHash, txNonce: tx.nonce, gasPrice: tx.gasPrice }),
  };
}

export function planRedeem(hash: Hex32, cur: RowState, tx: { txHash: Hex; block?: bigint }, now: number): Plan {
  if (cur.state === 'redeemed') {
    // A replay after a crash (the receipt seen twice) changes nothing; another transaction cannot
    // have redeemed it too, so that is a caller bug worth stopping on.
    if (cur.txHash === tx.txHash) return 'noop';
    throw illegal(hash, cur.state, `redeemed by ${tx.txHash} (it was redeemed by ${cur.txHash ?? 'an unknown transaction'})`);
  }
  if (cur.state !== 'submitted' && cur.state !== 'pending') throw illegal(hash, cur.state, 'redeemed');
  return {
    row: { ...cur, state: 'redeemed', notBeforeBlock: null, txHash: tx.txHash, txNonce: cur.txHash === tx.txHash ? cur.txNonce : null, reasonCode: null, reason: null, updatedAt: now },
    event: defined({ ticketHash: hash, at: now, kind: 'redeemed', block: tx.block, txHash: tx.txHash }),
  };
}

export function planDefer(hash: Hex32, cur: RowState, why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }, now: number): Plan {
  if (cur.state !== 'pending' && cur.state !== 'submitted') throw illegal(hash, cur.state, 'pending');
  const requeue = cur.state === 'submitted';
  return {
    row: {
      state: 'pending',
      // A refusal before submitting is an attempt; a submission that failed was counted when made.
      attempts: requeue ? cur.attempts : cur.attempts + 1,
      notBeforeBlock: why.notBeforeBlock ?? null,
      txHash: null,
      txNonce: null,
      reasonCode: why.code,
      reason: why.detail ?? null,
      updatedAt: now,
    },
    event: defined({ ticketHash: hash, at: now, kind: requeue ? 'requeued' : 'deferred', block: why.block, code: why.code, detail: why.detail, txHash: requeue ? (cur.txHash ?? undefined) : undefined, txNonce: requeue ? (cur.txNonce ?? undefined) : undefined }),
  };
}

export function planFinal(hash: Hex32, cur: RowState, state: 'dropped' | 'expired', why: { code: string; detail?: string; block?: bigint; txHash?: Hex }, now: number): Plan {
  if (cur.state === state) return 'noop';
  if (cur.state !== 'pending' && cur.state !== 'submitted') throw illegal(hash, cur.state, state);
  return {
    row: {
      ...cur,
      state,
      notBeforeBlock: null,
      txHash: why.txHash ?? cur.txHash,
      // The nonce belongs to the recorded transaction; a different one named here has no known nonce.
      txNonce: why.txHash === undefined || why.txHash === cur.txHash ? cur.txNonce : null,
      reasonCode: why.code,
      reason: why.detail ?? null,
      updatedAt: now,
    },
    event: defined({ ticketHash: hash, at: now, kind: state, block: why.block, code: why.code, detail: why.detail, txHash: why.txHash }),
  };
}

// Argument checks, shared so every backend refuses the same inputs with the same code.

export function submitArgs(hashes: readonly Hex32[], tx: { txHash: Hex; nonce: number; gasPrice?: bigint; block?: bigint }) {
  if (!Array.isArray(hashes)) throw new StoreError('STORE_INVALID_INPUT', 'markSubmitted needs an array of ticket hashes');
  const list = [...new Set(hashes.map((h) => hashArg(h)))];
  const t = {
    txHash: txHashArg(tx?.txHash),
    nonce: nonceArg(tx?.nonce),
    ...(tx.gasPrice === undefined ? {} : { gasPrice: BigInt(weiArg(tx.gasPrice, 'gas price')) }),
    ...(tx.block === undefined ? {} : { block: i64Arg(tx.block, 'block') }),
  };
  return { list, tx: t };
}

export function redeemArgs(tx: { txHash: Hex; block?: bigint }) {
  return { txHash: txHashArg(tx?.txHash), ...(tx.block === undefined ? {} : { block: i64Arg(tx.block, 'block') }) };
}

export function deferArgs(why: { code: string; detail?: string; notBeforeBlock?: bigint; block?: bigint }) {
  return defined({
    code: textArg(why?.code, 'deferral code'),
    detail: optText(why.detail, 'deferral detail'),
    notBeforeBlock: why.notBeforeBlock === undefined ? undefined : i64Arg(why.notBeforeBlock, 'notBeforeBlock'),
    block: why.block === undefined ? undefined : i64Arg(why.block, 'block'),
  });
}

export function finalArgs(state: unknown, why: { code: string; detail?: string; block?: bigint; txHash?: Hex }) {
  if (state !== 'dropped' && state !== 'expired') throw new StoreError('STORE_INVALID_INPUT', `markFinal takes dropped or expired, not ${JSON.stringify(state)}`);
  return {
    state: state as 'dropped' | 'expired',
    why: defined({
      code: textArg(why?.code, 'final code'),
      detail: optText(why.detail, 'final detail'),
      block: why.block === undefined ? undefined : i64Arg(why.block, 'block'),
      txHash: why.txHash === undefined ? undefined : txHashArg(why.txHash),
    }),
  };
}

/** A history line as handed to record(), checked and normalised. */
export function eventArg(e: RedemptionEvent): RedemptionEvent {
  if (!e || typeof e !== 'object') throw new StoreError('STORE_INVALID_INPUT', 'a redemption event must be an object');
  if (!EVENT_KINDS.includes(e.kind)) throw new StoreError('STORE_INVALID_INPUT', `unknown redemption event kind ${JSON.stringify(e.kind)}`);
  if (typeof e.at !== 'number' || !Number.isSafeInteger(e.at) || e.at < 0) throw new StoreError('STORE_INVALID_INPUT', 'a redemption event needs `at` in ms since the epoch');
  return defined({
    ticketHash: hashArg(e.ticketHash),
    at: e.at,
    kind: e.kind,
    block: e.block === undefined ? undefined : i64Arg(e.block, 'block'),
    code: optText(e.code, 'event code'),
    detail: optText(e.detail, 'event detail'),
    txHash: e.txHash === undefined ? undefined : txHashArg(e.txHash),
    txNonce: e.txNonce === undefined ? undefined : nonceArg(e.txNonce),
    gasPrice: e.gasPrice === undefined ? undefined : BigInt(weiArg(e.gasPrice, 'gas price')),
  });
}

export interface RawEventRow {
  ticket_hash: string;
  at: unknown;
  kind: unknown;
  block: unknown;
  code: unknown;
  detail: unknown;
  tx_hash: unknown;
  tx_nonce: unknown;
  gas_price: unknown;
}

export function toEvent(r: RawEventRow): RedemptionEvent {
  const k = r.ticket_hash;
  if (!EVENT_KINDS.includes(r.kind as RedemptionEvent['kind'])) throw corrupt(k, `unknown history kind ${JSON.stringify(r.kind)}`);
  return defined({
    ticketHash: k as Hex32,
    at: num(k, r.at, 'history at'),
    kind: r.kind as RedemptionEvent['kind'],
    block: r.block === null || r.block === undefined ? undefined : big(k, r.block, 'history block'),
    code: text(k, r.code, 'history code') ?? undefined,
    detail: text(k, r.detail, 'history detail') ?? undefined,
    txHash: (text(k, r.tx_hash, 'history tx_hash') ?? undefined) as Hex | undefined,
    txNonce: r.tx_nonce === null || r.tx_nonce === undefined ? undefined : num(k, r.tx_nonce, 'history tx_nonce'),
    gasPrice: r.gas_price === null || r.gas_price === undefined ? undefined : weiCol(k, r.gas_price, 'history gas_price'),
  });
}

export function emptyTotals(): Record<TicketState, StateTotals> {
  return { pending: { count: 0, faceValue: 0n }, submitted: { count: 0, faceValue: 0n }, redeemed: { count: 0, faceValue: 0n }, dropped: { count: 0, faceValue: 0n }, expired: { count: 0, faceValue: 0n } };
}

export function stateArg(s: unknown): TicketState {
  if (!isState(s)) throw new StoreError('STORE_INVALID_INPUT', `unknown ticket state ${JSON.stringify(s)}`);
  return s;
}

export function limitArg(limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) throw new StoreError('STORE_INVALID_INPUT', `list limit must be a non-negative integer, got ${String(limit)}`);
  return limit;
}
