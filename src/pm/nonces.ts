// O's memory of nonces per recipientRand (go-livepeer recipient.senderNonces, pm.md §6.2 step 5):
// nonces must be unique (not necessarily increasing) per recipientRand, at most 600 of them, and
// an entry is forgotten once its params expire.
import { PmError } from './errors.js';
import { MAX_SENDER_NONCES } from './params.js';

interface Entry {
  seen: Set<bigint>;
  expirationBlock: bigint;
}

export class NonceTracker {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly max = MAX_SENDER_NONCES) {}

  /**
   * Records `nonce` under `key` (the recipientRand / its hash). The expiration block comes from the
   * first ticket seen for the key. Returns a non-fatal PmError when the nonce is refused.
   */
  record(key: string, nonce: bigint, expirationBlock: bigint, sender: string): PmError | null {
    let e = this.entries.get(key);
    if (!e) {
      e = { seen: new Set(), expirationBlock };
      this.entries.set(key, e);
    }
    if (e.seen.has(nonce)) {
      return new PmError('NONCE_ALREADY_SEEN', `invalid ticket senderNonce: already seen sender=${sender} nonce=${nonce}`, false);
    }
    if (e.seen.size >= this.max) {
      return new PmError('NONCE_TOO_MANY', `invalid ticket senderNonce: too many values sender=${sender} nonce=${nonce}: the gateway must fetch new params`, false);
    }
    e.seen.add(nonce);
    return null;
  }

  /** Forgets every entry whose expiration block is ≤ latestBlock. Returns how many were dropped. */
  cleanupExpired(latestBlock: bigint): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (e.expirationBlock <= latestBlock) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  count(key: string): number {
    return this.entries.get(key)?.seen.size ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
