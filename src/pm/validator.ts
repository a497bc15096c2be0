// Ticket validation (go-livepeer pm/validator.go, pm.md §6.2 step 3-4): recipient, sender,
// recipientRand commitment, strict signature, then the win test. TicketChecker is the hot path:
// it packs into a reused buffer and compares hashes, addresses and winProb as bytes.
import type { Address } from 'viem';
import { MAX_UINT32, addressBytes, bytesEqual, checksumAddress, compareBytes, isZero, writeU256 } from './bytes.js';
import { InvalidSignatureError, PmError } from './errors.js';
import type { SigReason } from './errors.js';
import { OFF_RECIPIENT, OFF_RECIPIENT_RAND_HASH, OFF_SENDER, TICKET_PACKED_LEN, packTicket } from './hash.js';
import { keccak256, keccak256Into } from './keccak.js';
import { recoverSignerBytes, recoverSignerInto } from './sig.js';
import type { HashedTicketFields } from './ticket.js';

const OFF_WIN_PROB = 72;
/** The low 4 bytes of the 32-byte senderNonce field (offset 104). */
const OFF_NONCE_LOW32 = 132;

export function invalidRecipient(): PmError {
  return new PmError('INVALID_RECIPIENT', 'invalid ticket recipient: the ticket names another orchestrator', true);
}
export function invalidSender(): PmError {
  return new PmError('INVALID_SENDER', 'invalid ticket sender: the sender is the zero address', true);
}
export function invalidRecipientRand(): PmError {
  return new PmError(
    'INVALID_RECIPIENT_RAND',
    'invalid recipientRand for ticket recipientRandHash: the ticket does not match params this orchestrator issued (stale params after a restart, or changed fields/price); fetch new params',
    true,
  );
}

/** Result of checking one ticket; `hash` is the ticket hash (a shared buffer: valid until the next check). */
export interface TicketCheck {
  hash: Uint8Array;
  error: PmError | null;
  won: boolean;
}

/**
 * Stateful, allocation-light checker bound to one recipient address. Not re-entrant (shared
 * scratch buffers); JS is single-threaded and check() is synchronous, so one per Recipient is fine.
 */
export class TicketChecker {
  private readonly recipient: Uint8Array;
  private readonly packed = Buffer.alloc(TICKET_PACKED_LEN);
  private readonly packedFull = this.packed.subarray(0, TICKET_PACKED_LEN);
  private readonly winPre = Buffer.alloc(65 + 32);
  private readonly winHash = new Uint8Array(32);
  private readonly hash = new Uint8Array(32);

  constructor(recipient: Address) {
    this.recipient = addressBytes(recipient, 'recipient');
  }

  /**
   * Validates `ticket` against `rand32` (recipientRand as 32 BE bytes) and `sig`, in go-livepeer's
   * order, and runs the lottery when the ticket is valid. `randHash` may pass a known
   * keccak256(rand32) to skip recomputing it. Throws PmError(INVALID_TICKET) on malformed fields.
   */
  check(ticket: HashedTicketFields, sig: Uint8Array, rand32: Uint8Array, randHash?: Uint8Array): TicketCheck {
    return this.checkPacked(this.pack(ticket), sig, rand32, randHash);
  }

  /** Packs `ticket` into the scratch buffer; returns the preimage length. Throws PmError(INVALID_TICKET). */
  pack(ticket: HashedTicketFields): number {
    try {
      return packTicket(ticket, this.packed);
    } catch (err) {
      throw new PmError('INVALID_TICKET', `malformed ticket: ${(err as Error).message}`, true, { cause: err });
    }
  }

  /**
   * Fast path for tickets that differ from an already packed one only by nonce: copies `template`
   * (a previous pack() result, see snapshot()) and writes the nonce. Throws PmError(INVALID_TICKET).
   */
  packWithNonce(template: Uint8Array, nonce: bigint): number {
    if (typeof nonce !== 'bigint' || nonce < 0n || nonce > MAX_UINT32) {
      throw new PmError('INVALID_TICKET', `malformed ticket: senderNonce must be a bigint in 0..2^32−1, got ${String(nonce)}`, true);
    }
    this.packed.set(template, 0);
    this.packed.writeUInt32BE(Number(nonce), OFF_NONCE_LOW32);
    return template.length;
  }

  /** A copy of the last packed preimage (nonce included; packWithNonce overwrites it). */
  snapshot(len: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.packed, 0, len);
  }

  /** Checks the ticket last packed (len bytes in the scratch buffer). */
  checkPacked(n: number, sig: Uint8Array, rand32: Uint8Array, randHash?: Uint8Array): TicketCheck {
    const p = this.packed;
    const hash = keccak256Into(n === TICKET_PACKED_LEN ? this.packedFull : p.subarray(0, n), this.hash, 0);
    if (!bytesEqual(p, OFF_RECIPIENT, this.recipient, 0, 20)) return { hash, error: invalidRecipient(), won: false };
    if (isZero(p, OFF_SENDER, 20)) return { hash, error: invalidSender(), won: false };
    const rh = randHash ?? keccak256(rand32);
    if (!bytesEqual(p, OFF_RECIPIENT_RAND_HASH, rh, 0, 32)) return { hash, error: invalidRecipientRand(), won: false };
    const signer = recoverSignerInto(hash, sig);
    if (typeof signer === 'string') return { hash, error: new InvalidSignatureError(signer), won: false };
    if (!bytesEqual(signer, 0, p, OFF_SENDER, 20)) return { hash, error: new InvalidSignatureError('wrong-signer'), won: false };
    return { hash, error: null, won: this.wins(sig, rand32, p, OFF_WIN_PROB) };
  }

  private wins(sig: Uint8Array, rand32: Uint8Array, winProb: Uint8Array, off: number): boolean {
    if (isZero(winProb, off, 32)) return false;
    const pre = this.winPre;
    pre.set(sig, 0);
    pre.set(rand32, 65);
    return compareBytes(keccak256Into(pre, this.winHash, 0), 0, winProb, off, 32) < 0;
  }
}

/** go-livepeer's Validator.ValidateTicket as a function: throws the first failing check. */
export function validateTicket(recipient: Address, ticket: HashedTicketFields, sig: Uint8Array, recipientRand: bigint): void {
  const r = Buffer.alloc(32);
  writeU256(r, 0, recipientRand, 'recipientRand');
  const c = new TicketChecker(recipient).check(ticket, sig, r);
  if (c.error) throw c.error;
}

/** What `pm check` reports for one ticket: hash, signer, signature validity, win. */
export interface TicketReport {
  hash: Uint8Array;
  signer?: Address;
  sigValid: boolean;
  winning?: boolean;
  reason?: SigReason;
}

const reportPacked = Buffer.alloc(TICKET_PACKED_LEN);

/** Hash + strict signature + lottery for one ticket, independent of any recipient. */
export function inspectTicket(ticket: HashedTicketFields, sig: Uint8Array, recipientRand: bigint): TicketReport {
  const n = packTicket(ticket, reportPacked);
  const hash = keccak256(reportPacked.subarray(0, n));
  const rand32 = Buffer.alloc(32);
  writeU256(rand32, 0, recipientRand, 'recipientRand');
  const r = recoverSignerBytes(hash, sig);
  if (typeof r === 'string') return { hash, sigValid: false, reason: r };
  const signer = checksumAddress(r);
  if (!bytesEqual(r, 0, reportPacked, OFF_SENDER, 20)) return { hash, signer, sigValid: false, reason: 'wrong-signer' };
  let winning = false;
  if (!isZero(reportPacked, OFF_WIN_PROB, 32)) {
    const pre = Buffer.concat([sig, rand32]);
    winning = compareBytes(keccak256(pre), 0, reportPacked, OFF_WIN_PROB, 32) < 0;
  }
  return { hash, signer, sigValid: true, winning };
}
