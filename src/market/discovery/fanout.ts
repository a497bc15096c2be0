// GetOrchestrator fan-out with go-livepeer's timing (discovery/discovery.go GetOrchestrators):
// every target is asked at once (in a random order, at most maxConcurrent in flight), answers are
// taken at the checkpoints 0.5, 1, 2 and 4 s — the first checkpoint at which at least one accepted
// answer is in ends the wait — and 6 s is the hard cut-off. The wait also ends as soon as every
// target has answered or `want` accepted answers are in. Each answer carries its round-trip time.
// Calls still running when the wait ends go on until the cut-off (their results still reach the
// caller's cache through `call` itself), then they are aborted; the caller's signal aborts all.

/** go-livepeer -discoveryTimeout default: the first checkpoint. */
export const FIRST_CHECKPOINT_MS = 500;
/** go-livepeer maxGetOrchestratorCutoffTimeout. */
export const CUTOFF_MS = 6_000;
/** Calls in flight at once; the rest queue (go-livepeer has no bound; 10,000 sockets at once would hurt). */
export const DEFAULT_MAX_CONCURRENT = 64;

export interface FanOutOptions {
  /** Stop waiting once this many accepted answers are in (default: every target). */
  want?: number;
  /**
   * Accepted answers the caller already holds (cached sessions): they count at the checkpoints, so
   * with any the wait ends at the first checkpoint at the latest.
   */
  acceptedBefore?: number;
  firstCheckpointMs?: number;
  cutoffMs?: number;
  maxConcurrent?: number;
  signal?: AbortSignal;
  /** [0, 1); shuffles the query order (go-livepeer rand.Perm). */
  random?: () => number;
  now?: () => number;
}

export interface FanOutAnswer<T> {
  target: string;
  /** Round-trip time of the call, ms. */
  latencyMs: number;
  value?: T;
  error?: unknown;
  /** `accept` said yes (only for values). */
  accepted: boolean;
}

export interface FanOutResult<T> {
  /** Answers in the order they came (fastest first). */
  answers: FanOutAnswer<T>[];
  /** Targets that had not answered when the wait ended. */
  pending: string[];
  /** Why the wait ended. */
  ended: 'all-answered' | 'enough' | 'checkpoint' | 'cutoff' | 'aborted';
  /** ms from the start to the end of the wait. */
  waitedMs: number;
}

export function fanOut<T>(
  targets: readonly string[],
  call: (target: string, signal: AbortSignal) => Promise<T>,
  accept: (target: string, value: T) => boolean,
  opts: FanOutOptions = {},
): Promise<FanOutResult<T>> {
  const now = opts.now ?? (() => performance.now());
  const random = opts.random ?? Math.random;
  const first = opts.firstCheckpointMs ?? FIRST_CHECKPOINT_MS;
  const cutoff = opts.cutoffMs ?? CUTOFF_MS;
  const want = Math.max(1, Math.min(opts.want ?? targets.length, targets.length));
  const maxConcurrent = Math.max(1, opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const start = now();
  if (targets.length === 0) return Promise.resolve({ answers: [], pending: [], ended: 'all-answered', waitedMs: 0 });

  const order = [...targets];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const calls = new AbortController();

  return new Promise((resolve) => {
    const answers: FanOutAnswer<T>[] = [];
    const answered = new Set<string>();
    let accepted = Math.max(0, opts.acceptedBefore ?? 0);
    let acceptedAnswers = 0;
    let done = false;
    let next = 0;
    let running = 0;
    let checkpoint = first;
    let checkpointTimer: NodeJS.Timeout | undefined;
    const finishCalls = (): void => {
      clearTimeout(cutoffTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (!calls.signal.aborted) calls.abort(new Error('GetOrchestrator cut-off'));
    };
    // After the wait ended, the cut-off and the caller's abort still stop the calls left.
    const onAbort = (): void => (done ? finishCalls() : end('aborted'));
    const end = (ended: FanOutResult<T>['ended']): void => {
      if (done) return;
      done = true;
      clearTimeout(checkpointTimer);
      // Calls still running finish in the background until the cut-off.
      if (ended === 'cutoff' || ended === 'aborted' || running === 0) finishCalls();
      // Nobody waits on the background calls: they must not keep the process alive.
      else cutoffTimer.unref();
      resolve({ answers: [...answers], pending: order.filter((t) => !answered.has(t)), ended, waitedMs: now() - start });
    };
    const onCheckpoint = (): void => {
      if (accepted >= 1) return end('checkpoint');
      checkpoint *= 2;
      if (checkpoint < cutoff) checkpointTimer = setTimeout(onCheckpoint, checkpoint - (now() - start));
    };
    const cutoffTimer = setTimeout(() => (done ? finishCalls() : end('cutoff')), cutoff);
    checkpointTimer = setTimeout(onCheckpoint, first);
    if (opts.signal?.aborted) return end('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const launch = (): void => {
      while (running < maxConcurrent && next < order.length && !calls.signal.aborted) {
        const target = order[next++]!;
        running++;
        const t0 = now();
        let p: Promise<T>;
        try {
          p = call(target, calls.signal);
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (value) => settle({ target, latencyMs: now() - t0, value, accepted: safeAccept(target, value) }),
          (error: unknown) => settle({ target, latencyMs: now() - t0, error, accepted: false }),
        );
      }
    };
    const safeAccept = (target: string, value: T): boolean => {
      try {
        return accept(target, value);
      } catch {
        return false;
      }
    };
    const settle = (a: FanOutAnswer<T>): void => {
      running--;
      answered.add(a.target);
      if (!done) {
        answers.push(a);
        if (a.accepted) {
          accepted++;
          acceptedAnswers++;
        }
        if (answered.size === order.length) end('all-answered');
        else if (acceptedAnswers >= want) end('enough');
      }
      if (done && running === 0 && next >= order.length) finishCalls();
      else launch();
    };
    launch();
  });
}
