// Which pm sessions (ticket params, by recipientRandHash) the gateway's cached orchestrator
// sessions still pay with. A pm session no cached session uses is retired, and ended at the
// Sender after a grace period (a job that selected it just before may still sign with it), or
// sooner once too many are retiring (a time bound alone scales with the refresh rate).

/**
 * A job that selected a session just before it was replaced may still be about to sign its
 * tickets: the pm session is ended this long after no cached session uses it.
 */
export const PM_SESSION_GRACE_MS = 5_000;
/** Retired pm sessions kept through their grace at most (the oldest are ended first beyond it). */
export const MAX_RETIRING_PM_SESSIONS = 1024;

export class PmSessionRefs {
  /** pm session id (lower-case) → how many cached sessions use it. */
  private readonly refs = new Map<string, number>();
  /** pm session id → when its last cached session went (insertion order = age). */
  private readonly retiring = new Map<string, number>();
  private readonly maxRetiring: number;

  constructor(
    private readonly endSession: (id: string) => void,
    private readonly now: () => number,
    maxEntries: number,
  ) {
    this.maxRetiring = Math.min(maxEntries, MAX_RETIRING_PM_SESSIONS);
  }

  get size(): number {
    return this.refs.size;
  }
  get retiringCount(): number {
    return this.retiring.size;
  }

  retain(pmSessionId: string | undefined): void {
    if (!pmSessionId) return;
    const id = pmSessionId.toLowerCase();
    this.retiring.delete(id);
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
  }

  release(pmSessionId: string | undefined): void {
    if (!pmSessionId) return;
    const id = pmSessionId.toLowerCase();
    const n = (this.refs.get(id) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(id, n);
      return;
    }
    this.refs.delete(id);
    this.retiring.set(id, this.now());
  }

  /** Ends the pm sessions retired more than PM_SESSION_GRACE_MS ago, and the oldest beyond the cap. */
  endRetired(now = this.now()): void {
    for (const [id, at] of this.retiring) {
      if (now - at < PM_SESSION_GRACE_MS && this.retiring.size <= this.maxRetiring) break;
      this.retiring.delete(id);
      // No cached session pays with these params any more: the Sender need not keep their nonces.
      this.endSession(id);
    }
  }
}
