// The load client of bench/signer.bench.ts, in its own process (child_process.fork with IPC) so the
// signer it measures has a core of its own on a 2-core machine and the two processes' CPU times are
// read apart. `sessions` sessions, each one keep-alive connection and one call in flight: POST
// /generate-live-payment (type lv2v, the OrchestratorInfo and manifest id of its session) in a loop,
// carrying the state each answer returns, as a live gateway does. Calls during the warm-up (at least
// `warmupMs`, and until every session has had two answers) are not counted; after `durationMs` of
// measuring no new call starts and the calls in flight finish.
//
// Parent → child: {op: 'run', url, orchestrator, sessions, warmupMs, durationMs}.
// Child → parent: {measuring: true} when the warm-up ends, then {ok: true, result: LoadResult} | {ok: false, error}.
import { Agent, request } from 'node:http';

export interface LoadRequest {
  op: 'run';
  url: string;
  /** base64 OrchestratorInfo, as the gateway forwards it. */
  orchestrator: string;
  sessions: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Calls answered 200 inside the measured window. */
  calls: number;
  /** Answers by status inside the measured window (200 included). */
  byStatus: Record<string, number>;
  /** Seconds the measured window lasted (its first call's start to its last answer). */
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The client process's CPU time during the window, µs (user + system). */
  cpuUs: number;
  /** Answers whose body did not carry a state (a 200 must). */
  missingState: number;
  /** The first non-200 answer's body, for the log. */
  firstError?: string;
}

interface SignedState {
  State: string;
  Sig: string;
}

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: '/generate-live-payment', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('call took over 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function pctl(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runLoad(o: LoadRequest, onMeasuring?: () => void): Promise<LoadResult> {
  const url = new URL(o.url);
  // One socket per session: each session keeps its own keep-alive connection.
  const agent = new Agent({ keepAlive: true, maxSockets: o.sessions, maxFreeSockets: o.sessions });
  const t0 = performance.now();
  // The window opens once the warm-up time has passed and every session has had two answers (its
  // first call signs the 60 s preload, far more tickets than a later one): then no call in the window
  // is a session's first.
  let measureFrom = Infinity;
  let stopAt = Infinity;
  let warmed = 0;
  const open = (): void => {
    if (measureFrom !== Infinity || warmed < o.sessions) return;
    const now = performance.now();
    if (now < t0 + o.warmupMs) return;
    measureFrom = now;
    stopAt = now + o.durationMs;
    onMeasuring?.();
  };
  const measuring = setTimeout(open, o.warmupMs);
  // Bounded: a client that never warms up (every session failing) gives up.
  const giveUp = setTimeout(() => {
    if (measureFrom === Infinity) {
      measureFrom = performance.now();
      stopAt = measureFrom;
    }
  }, o.warmupMs + 60_000);
  // Bounded: at most this many latencies are kept (far above 100 sessions × 10 s at the target).
  const lat = new Float64Array(2_000_000);
  let n = 0;
  let calls = 0;
  let missingState = 0;
  let firstError: string | undefined;
  const byStatus: Record<string, number> = {};
  let firstStart = Infinity;
  let lastEnd = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  const session = async (i: number): Promise<void> => {
    let state: SignedState | null = null;
    const manifestId = `bench-${i}`;
    let answers = 0;
    for (;;) {
      const start = performance.now();
      if (start >= stopAt) return;
      const body = JSON.stringify({ orchestrator: o.orchestrator, type: 'lv2v', ManifestID: manifestId, state });
      const r = await post(agent, url, body);
      const end = performance.now();
      if (++answers === 2) {
        warmed++;
        open();
      }
      const parsed = JSON.parse(r.text) as { state?: SignedState; error?: unknown };
      if (r.status === 200 || r.status === 482 || r.status === 409) {
        if (parsed.state) state = parsed.state;
        else if (r.status === 200) missingState++;
      } else {
        // Anything else: start the session afresh (a 400 or 500 is a bench bug; counted and logged).
        state = null;
      }
      if (start < measureFrom) continue;
      cpu0 ??= process.cpuUsage();
      firstStart = Math.min(firstStart, start);
      lastEnd = Math.max(lastEnd, end);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      if (r.status === 200) calls++;
      else firstError ??= `${r.status} ${JSON.stringify(parsed.error ?? r.text.trim())}`;
      if (n < lat.length) lat[n++] = end - start;
    }
  };
  await Promise.all(Array.from({ length: o.sessions }, (_, i) => session(i)));
  clearTimeout(measuring);
  clearTimeout(giveUp);
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const sorted = lat.subarray(0, n).sort();
  return {
    calls,
    byStatus,
    seconds: Math.max(1e-9, (lastEnd - firstStart) / 1000),
    p50Ms: pctl(sorted, 50),
    p99Ms: pctl(sorted, 99),
    maxMs: n ? sorted[n - 1]! : 0,
    cpuUs: cpu.user + cpu.system,
    missingState,
    ...(firstError === undefined ? {} : { firstError: firstError.slice(0, 500) }),
  };
}

if (process.send) {
  process.on('message', (m: LoadRequest) => {
    if (m.op !== 'run') return;
    runLoad(m, () => process.send!({ measuring: true })).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, () => process.exit(1)),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
