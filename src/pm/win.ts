// The lottery: a ticket wins iff uint256(keccak256(sig65 ‖ uint256(recipientRand))) < winProb.
// EV = faceValue · winProb / (2^256 − 1), exact.
import { Rat } from '../money/index.js';
import { compareBytes, writeU256 } from './bytes.js';
import { keccak256 } from './keccak.js';
import { MAX_WIN_PROB } from './ticket.js';

const winScratch = Buffer.alloc(32);

/** uint256(keccak256(sig ‖ rand32)) < winProb; `rand32` is recipientRand as 32 big-endian bytes. */
export function isWinningBytes(sig: Uint8Array, rand32: Uint8Array, winProb: bigint): boolean {
  if (winProb === 0n) return false;
  const pre = Buffer.allocUnsafe(sig.length + 32);
  pre.set(sig, 0);
  pre.set(rand32, sig.length);
  const h = keccak256(pre);
  if (winProb > MAX_WIN_PROB) return true;
  writeU256(winScratch, 0, winProb, 'winProb');
  return compareBytes(h, 0, winScratch, 0, 32) < 0;
}

/** Win check with recipientRand as a bigint (go-livepeer's Validator.IsWinningTicket). */
export function isWinningTicket(sig: Uint8Array, recipientRand: bigint, winProb: bigint): boolean {
  const r = Buffer.allocUnsafe(32);
  writeU256(r, 0, recipientRand, 'recipientRand');
  return isWinningBytes(sig, r, winProb);
}

/** Expected value in wei: faceValue · winProb / (2^256 − 1), exact. */
let lastEv: { faceValue: bigint; winProb: bigint; ev: Rat } | undefined;

export function ticketEV(faceValue: bigint, winProb: bigint): Rat {
  // One orchestrator's params are priced over and over (every ticket, every signer call): the last
  // answer is kept, which saves a 256-bit gcd each time (Rat is immutable, so sharing it is safe).
  if (lastEv !== undefined && lastEv.faceValue === faceValue && lastEv.winProb === winProb) return lastEv.ev;
  const ev = Rat.of(faceValue * winProb, MAX_WIN_PROB);
  lastEv = { faceValue, winProb, ev };
  return ev;
}

/** winProb / (2^256 − 1). */
export function winProbRat(winProb: bigint): Rat {
  return Rat.of(winProb, MAX_WIN_PROB);
}
