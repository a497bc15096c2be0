// O's memory of nonces per recipientRand (go-livepeer recipient.senderNonces, pm.md §6.2 step 5):
// nonces must be unique (not necessarily increasing) per recipientRand, at most 600 of them, and
// an entry is forgotten once its params expire. snapshot/restore carry the memory across a clean
// restart (the node persists it); seal stops recording so a snapshot taken after it is complete.
import { PmError } from './errors.js';
import { MAX_SENDER_NONCES } from './params.js';

/** One recipientRand's memory, as exported. */
export interface NonceSnapshotEntry {
  key: string;
  expirationBlock: bigint;
  nonces: bigint[];
}

interface Entry {
  seen: Set<bigint>;
  expirationBlock: bigint;
}

export class NonceTracker {
  private readonly entries = new Map<string, Entry>();
  private sealed = false;
  constructor(private readonly max = MAX_SENDER_NONCES) {}

  /**
   * Records `nonce` under `key` (the recipientRand / its hash). The expiration block comes from the
   * first ticket seen for the key. Returns a non-fatal PmError when the nonce is refused.
   */
  record(key: string, nonce: bigint, expirationBlock: bigint, sender: string): PmError | null {
    if (this.sealed) return sealedError();
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

  /** Entries whose params are unexpired at `latestBlock` (expirationBlock > latestBlock), copied. */
  snapshot(latestBlock: bigint): NonceSnapshotEntry[] {
    const out: NonceSnapshotEntry[] = [];
    for (const [key, e] of this.entries) {
      if (e.expirationBlock > latestBlock) out.push({ key, expirationBlock: e.expirationBlock, nonces: [...e.seen] });
    }
    return out;
  }

  /**
   * Pre-seeds the memory with a snapshot (merged with what is there): those nonces are then refused
   * as already seen. More than `max` nonces for one key is refused (RangeError): no snapshot of
   * ours holds that many.
   */
  restore(entries: readonly NonceSnapshotEntry[]): void {
    if (this.sealed) throw sealedError();
    for (const s of entries) {
      const e = this.entries.get(s.key) ?? { seen: new Set<bigint>(), expirationBlock: s.expirationBlock };
      for (const n of s.nonces) e.seen.add(n);
      if (e.seen.size > this.max) throw new RangeError(`nonce snapshot entry ${s.key} holds ${e.seen.size} nonces, more than ${this.max}`);
      this.entries.set(s.key, e);
    }
  }

  /** Refuses every later record (RECIPIENT_CLOSED): a snapshot taken after this misses nothing. */
  seal(): void {
    this.sealed = true;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  count(key: string): number {
    return this.entries.get(key)?.seen.size ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function sealedError(): PmError {
  return new PmError('RECIPIENT_CLOSED', 'the orchestrator is shutting down and takes no more tickets: retry on another orchestrator or after it restarts', true);
}
