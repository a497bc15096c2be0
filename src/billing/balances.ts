// Credit balances with go-livepeer's accounting semantics (core/accounting.go, live-signer-wire.md §4):
// one entry per (address, id) — the orchestrator keys by (sender, manifestID), a gateway by
// (recipient, session id). Amounts are exact rationals of wei and may go negative (a debit larger than
// the credit is recorded, not refused, so the next payment must cover it).
//
// Differences from go-livepeer, on purpose:
// - Fixed prices are set on the FIRST payment from an unknown sender too (go-livepeer's SetFixedPrice is a
//   no-op until the address map exists, so the price is only fixed on the second payment — §4).
// - Reads never create entries; `reserve()` on an unknown entry returns zero without creating one.
import { Rat } from '../money/index.js';

const ZERO = Rat.ZERO;

interface Entry {
  amount: Rat;
  fixedPrice?: Rat;
  lastUpdate: number;
}

export interface StagedUpdate {
  /** Tickets to send now. */
  numTickets: number;
  /** Credit those tickets will add: numTickets × ev. */
  newCredit: Rat;
  /** Credit that was on the balance and has been taken out (reserved) for this update. */
  existingCredit: Rat;
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

  /** Takes the whole balance out (sets it to zero) and returns what it held. */
  reserve(address: string, id: string): Rat {
    const e = this.#entries.get(Balances.key(address, id));
    if (!e) return ZERO;
    const held = e.amount;
    e.amount = ZERO;
    return held;
  }

  fixedPrice(address: string, id: string): Rat | undefined {
    return this.#entries.get(Balances.key(address, id))?.fixedPrice;
  }

  setFixedPrice(address: string, id: string, price: Rat): void {
    this.#touch(address, id).fixedPrice = price;
  }

  /**
   * Stages a payment that must leave at least `minCredit` of credit: reserves the existing credit, and
   * returns how many tickets of expected value `ev` are needed to cover the rest (ceil). The caller must
   * settle with `completeUpdate` once it knows whether the payment went through.
   */
  stageUpdate(address: string, id: string, minCredit: Rat, ev: Rat): StagedUpdate {
    const existingCredit = this.reserve(address, id);
    if (existingCredit.gte(minCredit) || ev.lte(ZERO)) {
      return { numTickets: 0, newCredit: ZERO, existingCredit };
    }
    const n = minCredit.sub(existingCredit).div(ev).ceil();
    return { numTickets: Number(n), newCredit: ev.mul(Rat.from(n)), existingCredit };
  }

  /**
   * Settles a staged update (go-livepeer's completeBalanceUpdate):
   * - 'staged': the payment was not sent; the existing credit is restored.
   * - 'spent': the credit was consumed and nothing more is known; nothing changes.
   * - 'received': the payment went through and `debit` was charged: existing + new − debit is credited
   *   (possibly negative).
   */
  completeUpdate(address: string, id: string, staged: StagedUpdate, outcome: 'staged' | 'spent' | 'received', debit: Rat = ZERO): void {
    if (outcome === 'staged') this.credit(address, id, staged.existingCredit);
    else if (outcome === 'received') this.credit(address, id, staged.existingCredit.add(staged.newCredit).sub(debit));
  }

  /** Removes entries (and their fixed prices) not updated within the TTL. Returns how many were removed. */
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
