// The signer's metrics, fed by the service through the SignerEvents seam and by the HTTP layer
// (every answer, including the requests it refused itself: 401, 413, bad JSON, 404/405), served on
// /metrics in Prometheus' text format by prom-client. Each SignerMetrics has its own prom-client
// Registry (never the global default one), so two signer nodes in one process do not collide.
// Label sets are bounded: type (4 values), status and code (the signer's own sets), route (fixed),
// and auth id — at most MAX_AUTH_ID_LABELS distinct ids, the rest counted as "(other)", so a caller
// inventing auth ids cannot grow the node's memory or the scrape. The hot path keeps one prom-client
// child per label set (looked up by a joined key), so a call costs a map lookup per metric.
import { Counter, Histogram, Registry } from 'prom-client';
import { Rat } from '../../money/index.js';
import type { SignerEvents, SignerJobType } from '../../signer/index.js';

export const MAX_AUTH_ID_LABELS = 256;
export const NO_AUTH_ID_LABEL = '(none)';
export const OTHER_AUTH_ID_LABEL = '(other)';
/** Seconds; the signer answers in well under a millisecond to a few ms (a batch of signatures). */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** The exposition format's Content-Type (prom-client's Registry.PROMETHEUS_CONTENT_TYPE). */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export type SignerRoute = 'sign-orchestrator-info' | 'generate-live-payment' | 'discover-orchestrators' | 'metrics' | 'other';

export interface SignerMetricsSnapshot {
  /** /generate-live-payment calls the service reported, by status. */
  callsByStatus: Record<string, number>;
  ticketsSigned: number;
  /** Exact total EV signed, wei. */
  evSigned: Rat;
  /** Exact EV signed per auth id label (bounded as the metric is). */
  spendByAuthId: Record<string, Rat>;
}

const typeLabel = (t: SignerJobType): string => (t === '' ? 'untyped' : t);

function ratToNumber(r: Rat): number {
  return Number(r.num) / Number(r.den);
}

interface Inc {
  inc(by?: number): void;
}
interface Observe {
  observe(v: number): void;
}

/** prom-client children by a joined label key: built once per label set, reused after. */
function childCache<C>(make: (values: string[]) => C): (...values: string[]) => C {
  const m = new Map<string, C>();
  return (...values) => {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let c = m.get(key);
    if (c === undefined) {
      c = make(values);
      m.set(key, c);
    }
    return c;
  };
}

export class SignerMetrics implements SignerEvents {
  /** This node's own registry (prom-client's global default registry is never used). */
  readonly registry = new Registry();
  private readonly calls: (type: string, status: string, code: string) => Inc;
  private readonly latency: (type: string) => Observe;
  private readonly tickets: (type: string) => Inc;
  private readonly ev: (type: string) => Inc;
  private readonly spend: (authId: string) => Inc;
  private readonly http: (route: string, status: string) => Inc;
  private readonly httpLatency: (route: string) => Observe;
  private readonly authIds = new Set<string>();
  private readonly byStatus: Record<string, number> = {};
  private ticketsSigned = 0;
  private evSigned = Rat.ZERO;
  private readonly spendExact = new Map<string, Rat>();

  constructor() {
    const registers = [this.registry];
    const calls = new Counter({
      name: 'livepeer_signer_calls_total',
      help: 'POST /generate-live-payment calls answered by the signer, by job type, HTTP status (200, 400, 409, 480, 481, 482, …) and error code',
      labelNames: ['type', 'status', 'code'] as const,
      registers,
    });
    const latency = new Histogram({
      name: 'livepeer_signer_call_duration_seconds',
      help: 'Time the signer took to answer /generate-live-payment, by job type',
      labelNames: ['type'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    const tickets = new Counter({ name: 'livepeer_signer_tickets_signed_total', help: 'PM tickets signed, by job type', labelNames: ['type'] as const, registers });
    const ev = new Counter({ name: 'livepeer_signer_ev_signed_wei_total', help: 'Expected value of the tickets signed (wei), by job type', labelNames: ['type'] as const, registers });
    const spend = new Counter({
      name: 'livepeer_signer_spend_wei_total',
      help: `Expected value signed (wei) per auth id (at most ${MAX_AUTH_ID_LABELS} ids; the rest are "${OTHER_AUTH_ID_LABEL}", none "${NO_AUTH_ID_LABEL}")`,
      labelNames: ['auth_id'] as const,
      registers,
    });
    const http = new Counter({
      name: 'livepeer_signer_http_requests_total',
      help: 'HTTP requests by route and status (including refusals answered before the signer: 401, 404, 405, 408, 413, bad JSON)',
      labelNames: ['route', 'status'] as const,
      registers,
    });
    const httpLatency = new Histogram({
      name: 'livepeer_signer_http_request_duration_seconds',
      help: 'Time from a request\'s headers to its answer being written, by route (body read, parse, the signer, the write)',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.calls = childCache(([type, status, code]) => calls.labels({ type: type!, status: status!, code: code! }));
    this.latency = childCache(([type]) => latency.labels({ type: type! }));
    this.tickets = childCache(([type]) => tickets.labels({ type: type! }));
    this.ev = childCache(([type]) => ev.labels({ type: type! }));
    this.spend = childCache(([authId]) => spend.labels({ auth_id: authId! }));
    this.http = childCache(([route, status]) => http.labels({ route: route!, status: status! }));
    this.httpLatency = childCache(([route]) => httpLatency.labels({ route: route! }));
  }

  call(type: SignerJobType, status: number, code: string | undefined, ms: number): void {
    const t = typeLabel(type);
    const s = String(status);
    this.calls(t, s, code ?? '').inc();
    this.latency(t).observe(ms / 1000);
    this.byStatus[s] = (this.byStatus[s] ?? 0) + 1;
  }

  signed(type: SignerJobType, tickets: number, ev: Rat, authId: string): void {
    const t = typeLabel(type);
    this.tickets(t).inc(tickets);
    const evNum = ratToNumber(ev);
    this.ev(t).inc(evNum);
    const label = this.authIdLabel(authId);
    this.spend(label).inc(evNum);
    this.ticketsSigned += tickets;
    this.evSigned = this.evSigned.add(ev);
    this.spendExact.set(label, (this.spendExact.get(label) ?? Rat.ZERO).add(ev));
  }

  /** One HTTP answer (every route); `ms` the time since its headers arrived, when known. */
  request(route: SignerRoute, status: number, ms?: number): void {
    this.http(route, String(status)).inc();
    if (ms !== undefined) this.httpLatency(route).observe(ms / 1000);
  }

  private authIdLabel(authId: string): string {
    if (authId === '') return NO_AUTH_ID_LABEL;
    if (this.authIds.has(authId)) return authId;
    if (this.authIds.size >= MAX_AUTH_ID_LABELS) return OTHER_AUTH_ID_LABEL;
    this.authIds.add(authId);
    return authId;
  }

  /** The exposition text (Content-Type PROMETHEUS_CONTENT_TYPE). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  snapshot(): SignerMetricsSnapshot {
    return { callsByStatus: { ...this.byStatus }, ticketsSigned: this.ticketsSigned, evSigned: this.evSigned, spendByAuthId: Object.fromEntries(this.spendExact) };
  }
}
