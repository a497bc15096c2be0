// A request's "the caller went away" as a cheap abort source. Node's AbortController costs ≈ 5 µs to
// build and ≈ 3 µs more per listener added and removed (an EventTarget, property definitions) —
// per job on both the gateway and the orchestrator, for a signal that almost never fires. This one
// is a flag and a listener list; the few consumers that need a real AbortSignal (fetch, gRPC) get
// one built on demand from `signal`, which follows this source's state.

/** What a consumer of a cancellation needs of it: an AbortSignal is one, and so is a LazyAbort. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class LazyAbort implements AbortSignalLike {
  #aborted = false;
  #reason: unknown;
  #listeners: (() => void)[] | undefined;
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** A real AbortSignal that aborts with this one (built at the first call). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Listeners run once, in the order added, like an AbortSignal's `{ once: true }` listeners. */
  addEventListener(type: 'abort', listener: () => void, _options?: { once?: boolean }): void {
    if (type !== 'abort' || this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(type: 'abort', listener: () => void): void {
    const l = this.#listeners;
    if (type !== 'abort' || !l) return;
    const i = l.lastIndexOf(listener);
    if (i >= 0) l.splice(i, 1);
  }

  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const l = this.#listeners;
    this.#listeners = undefined;
    if (l) for (const fn of l) fn();
    this.#controller?.abort(reason);
  }
}

/** The real AbortSignal behind a signal-like (undefined stays undefined). */
export function realSignal(s: AbortSignalLike | undefined): AbortSignal | undefined {
  if (s === undefined || s instanceof AbortSignal) return s;
  if (s instanceof LazyAbort) return s.signal;
  throw new TypeError('realSignal: neither an AbortSignal nor a LazyAbort');
}
