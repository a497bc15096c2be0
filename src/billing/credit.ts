// The gateway's view of the credit an orchestrator holds for it. Keyed the way the orchestrator
// keys its Balances — (our address, manifest "<capability>_<model>") — per orchestrator, so the
// credit survives auth-session refreshes and (persisted) gateway restarts. go-livepeer's gateway
// keys by (recipient, auth session id) while its orchestrator keys by (sender, manifest), which
// strands the credit at every refresh; we do not.
//
// Concurrent jobs share one entry: each job reserves its fee out of the available credit
// (acknowledged + in flight − fees of jobs in flight) and buys tickets only for what is missing,
// so the credit held stays below what the jobs in flight need plus one ticket's EV. A job that
// counts on credit still in flight (tickets sent with an earlier request not answered yet) waits
// until that request is sent, so the orchestrator sees the tickets first.
import { Rat } from '../money/index.js';

export interface CreditKey {
  /** Ticket recipient (the orchestrator's address). */
  recipient: string;
  /** The orchestrator's discovery URL: two nodes may share one address but not one balance. */
  orchestrator: string;
  /** go-livepeer's AI manifest id, "<capability>_<model>". */
  manifest: string;
}

/** What a job's payment takes from and adds to the credit; settle it exactly once. */
export interface CreditReservation {
  readonly key: string;
  readonly fee: Rat;
  /** Tickets to send with this job and the credit they add (numTickets × EV). */
  readonly numTickets: number;
  readonly newCredit: Rat;
  /** The job counts on credit sent with earlier requests that are not answered yet. */
  readonly reliesOnPending: boolean;
}

/** How a job's payment ended, as far as the credit goes. */
export type CreditOutcome =
  /** The job ran: the tickets were credited and the fee debited. */
  | 'received'
  /** The tickets were credited but nothing was debited (the job failed after the payment). */
  | 'credited'
  /** Nothing was credited or debited (refused before the payment was processed, or never sent). */
  | 'refused'
  /** Refused with "Insufficient balance": the orchestrator does not hold the credit we counted on. */
  | 'insufficient-balance';

export interface CreditSnapshotEntry {
  key: CreditKey;
  /** Acknowledged credit, wei, "n/d". */
  credit: string;
  /** ms since the epoch. */
  lastUpdate: number;
}

interface Entry {
  key: CreditKey;
  /** Credit acknowledged by answers, net of the fees of finished jobs (may be negative). */
  confirmed: Rat;
  /** EV of tickets sent with requests not answered yet. */
  pending: Rat;
  /** Fees of jobs in flight. */
  reserved: Rat;
  inFlight: number;
  lastUpdate: number;
  /** Resolves when the latest reservation's request, and every one before it, has been sent. */
  tail: Promise<void>;
}

interface Live {
  entry: Entry;
  settled: boolean;
  markSent: () => void;
  after: Promise<void> | undefined;
}

/** go-livepeer sweeps orchestrator balances idle for 10 min: our view of them expires as well. */
export const CREDIT_TTL_MS = 10 * 60_000;
/** A job waits at most this long for an earlier request to be sent before going out anyway. */
const ORDER_WAIT_MS = 2_000;

export class CreditLedger {
  readonly #entries = new Map<string, Entry>();
  readonly #live = new WeakMap<CreditReservation, Live>();
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #onChange: (() => void) | undefined;

  constructor(opts: { ttlMs?: number; now?: () => number; onChange?: () => void } = {}) {
    this.#ttlMs = opts.ttlMs ?? CREDIT_TTL_MS;
    this.#now = opts.now ?? Date.now;
    this.#onChange = opts.onChange;
  }

  static keyOf(k: CreditKey): string {
    return `${k.recipient.toLowerCase()}|${k.orchestrator}|${k.manifest}`;
  }

  #entry(k: CreditKey): Entry {
    const id = CreditLedger.keyOf(k);
    let e = this.#entries.get(id);
    if (!e) {
      e = { key: { ...k }, confirmed: Rat.ZERO, pending: Rat.ZERO, reserved: Rat.ZERO, inFlight: 0, lastUpdate: this.#now(), tail: Promise.resolve() };
      this.#entries.set(id, e);
    }
    return e;
  }

  /**
   * Reserves `fee` for one job and says how many tickets of expected value `ev` it must carry so
   * the credit covers max(fee, ev) — the orchestrator runs a priced job only while it holds at least
   * one ticket's EV (go-livepeer SufficientBalance) and debits the fee after it. `confirmedOnly`
   * leaves credit still in flight out (a retry after "Insufficient balance").
   */
  reserve(k: CreditKey, fee: Rat, ev: Rat, opts: { confirmedOnly?: boolean } = {}): CreditReservation {
    const e = this.#entry(k);
    const confirmedAvail = e.confirmed.sub(e.reserved);
    const available = opts.confirmedOnly ? confirmedAvail : confirmedAvail.add(e.pending);
    const need = fee.gt(ev) ? fee : ev;
    let n = 0n;
    if (available.lt(need) && ev.gt(Rat.ZERO)) n = need.sub(available).div(ev).ceil();
    const newCredit = ev.mul(n);
    const reliesOnPending = !opts.confirmedOnly && confirmedAvail.add(newCredit).lt(need);
    e.pending = e.pending.add(newCredit);
    e.reserved = e.reserved.add(fee);
    e.inFlight++;
    e.lastUpdate = this.#now();
    const after = e.tail;
    let markSent!: () => void;
    const own = new Promise<void>((r) => (markSent = r));
    // Transitive: "sent" means this request and every earlier one of the entry went out.
    e.tail = Promise.all([after, own]).then(() => undefined);
    const res: CreditReservation = { key: CreditLedger.keyOf(k), fee, numTickets: Number(n), newCredit, reliesOnPending };
    this.#live.set(res, { entry: e, settled: false, markSent, after: reliesOnPending ? after : undefined });
    return res;
  }

  /** Resolves once the requests this reservation counts on have been sent (bounded wait). */
  async ready(res: CreditReservation): Promise<void> {
    const l = this.#live.get(res);
    if (!l?.after) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([l.after, new Promise<void>((r) => (timer = setTimeout(r, ORDER_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** The job's request is about to go out: later jobs that count on its tickets may follow. */
  sent(res: CreditReservation): void {
    this.#live.get(res)?.markSent();
  }

  settle(res: CreditReservation, outcome: CreditOutcome): void {
    const l = this.#live.get(res);
    if (!l || l.settled) return;
    l.settled = true;
    l.markSent();
    const e = l.entry;
    e.pending = e.pending.sub(res.newCredit);
    e.reserved = e.reserved.sub(res.fee);
    e.inFlight--;
    e.lastUpdate = this.#now();
    if (outcome === 'received') e.confirmed = e.confirmed.add(res.newCredit).sub(res.fee);
    else if (outcome === 'credited') e.confirmed = e.confirmed.add(res.newCredit);
    else if (outcome === 'insufficient-balance' && !res.reliesOnPending && e.confirmed.gt(Rat.ZERO)) {
      // The orchestrator lost what we counted on (restarted, or swept it): start from nothing.
      e.confirmed = Rat.ZERO;
    }
    this.#onChange?.();
  }

  /** Acknowledged credit (net of finished jobs' fees), or undefined when there is no entry. */
  credit(k: CreditKey): Rat | undefined {
    return this.#entries.get(CreditLedger.keyOf(k))?.confirmed;
  }

  /** Drops idle entries older than the TTL (the orchestrator has swept them too). */
  sweep(): number {
    const cutoff = this.#now() - this.#ttlMs;
    let removed = 0;
    for (const [id, e] of this.#entries) {
      if (e.inFlight === 0 && e.lastUpdate < cutoff) {
        this.#entries.delete(id);
        removed++;
      }
    }
    if (removed > 0) this.#onChange?.();
    return removed;
  }

  /** Acknowledged credit of every entry, for persistence. */
  snapshot(): CreditSnapshotEntry[] {
    const out: CreditSnapshotEntry[] = [];
    for (const e of this.#entries.values()) {
      if (!e.confirmed.isZero()) out.push({ key: { ...e.key }, credit: e.confirmed.toString(), lastUpdate: e.lastUpdate });
    }
    return out;
  }

  /** Restores persisted credit (entries past the TTL are left out). */
  restore(entries: readonly CreditSnapshotEntry[]): void {
    const cutoff = this.#now() - this.#ttlMs;
    for (const s of entries) {
      if (s.lastUpdate < cutoff) continue;
      const e = this.#entry(s.key);
      e.confirmed = Rat.parse(s.credit);
      e.lastUpdate = s.lastUpdate;
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Reservations not settled yet, over every entry (jobs in flight). */
  get inFlight(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.inFlight;
    return n;
  }
}
