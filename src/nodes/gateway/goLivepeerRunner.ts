// go-livepeer compatibility table — runner failures. A go-livepeer orchestrator reports a runner's
// failure only as text: HTTP 500 "<pipeline> container returned <status>: <message>" (src/ai
// containerError.ts writes the same). This is the one place that text is read; everything after
// decides on the status it yields.
//
// go-livepeer's gateway answers its client 400 when the text holds "returned 400" and otherwise
// suspends the orchestrator and retries. We also count the runner's other verdicts on the request
// itself (413 too large, 415 unsupported media, 422 invalid fields) as the client's: the same
// request would fail the same way on every orchestrator, so retrying only spends money. A runner's
// 401 (the orchestrator's own runner token is wrong) or 5xx is the orchestrator's fault.

const CONTAINER_RETURNED = /container returned (\d{3})\b/;

/** The runner's status inside a go-livepeer orchestrator's failure text, or undefined. */
export function goLivepeerRunnerStatus(text: string): number | undefined {
  const m = CONTAINER_RETURNED.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Runner statuses that mean the client's request is wrong (answered 400, not retried). */
export const CLIENT_RUNNER_STATUSES: ReadonlySet<number> = new Set([400, 413, 415, 422]);

/**
 * 'client' when an orchestrator's 5xx answer is its runner refusing the request itself; 'server'
 * when it is another runner failure; undefined when the answer is not a runner failure.
 */
export function goLivepeerRunnerFailure(status: number, text: string): 'client' | 'server' | undefined {
  if (status < 500) return undefined;
  const runner = goLivepeerRunnerStatus(text);
  if (runner === undefined) return undefined;
  return CLIENT_RUNNER_STATUSES.has(runner) ? 'client' : 'server';
}
