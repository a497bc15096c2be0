// The orchestrator's credit balances, go-livepeer's accounting (core/accounting.go): one entry per
// (sender, manifest id). Amounts are exact rationals of wei and may go negative (a debit larger than
// the credit is recorded, not refused, so the next payment must cover it). Reads never create entries.
//
// No fixed prices, unlike go-livepeer: the price of a job is the orchestrator's own (receiver.ts).
// The gateway's side of the same credit is credit.ts.
import { Rat } from '../money/index.js';

const ZERO = Rat.ZERO;

interface Entry {
  amount: Rat;
  lastUpdate: number;
}

export class Balances {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  /** `ttlMs`: entries not updated for this long are swept by `sweep()` (go-livepeer: 10 min). */
  constructor(opts: { ttlMs?: number; now?: () => number } = {}) {
    this.#ttlMs = opts.ttlMs ?? 10 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  static key(address: string, id: string): string {
    return `${address.toLowerCase()}|${id}`;
  }

  #touch(address: string, id: string): Entry {
    const k = Balances.key(address, id);
    let e = this.#entries.get(k);
    if (!e) {
      e = { amount: ZERO, lastUpdate: this.#now() };
      this.#entries.set(k, e);
    }
    e.lastUpdate = this.#now();
    return e;
  }

  credit(address: string, id: string, amount: Rat): Rat {
    const e = this.#touch(address, id);
    e.amount = e.amount.add(amount);
    return e.amount;
  }

  debit(address: string, id: string, amount: Rat): Rat {
    const e = this.#touch(address, id);
    e.amount = e.amount.sub(amount);
    return e.amount;
  }

  /** Current balance, or undefined when there is no entry. Does not refresh the entry. */
  balance(address: string, id: string): Rat | undefined {
    return this.#entries.get(Balances.key(address, id))?.amount;
  }

  /** Removes entries not updated within the TTL. Returns how many were removed. */
  sweep(): number {
    const cutoff = this.#now() - this.#ttlMs;
    let removed = 0;
    for (const [k, e] of this.#entries) {
      if (e.lastUpdate < cutoff) {
        this.#entries.delete(k);
        removed++;
      }
    }
    return removed;
  }

  get size(): number {
    return this.#entries.size;
  }
}
