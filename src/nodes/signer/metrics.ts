// The signer's metrics, fed by the service through the SignerEvents seam and by the HTTP layer
// (requests it answered itself: 401, 413, bad JSON, 404/405), served on /metrics in Prometheus'
// text format. Label sets are bounded: type (4 values), status and code (the signer's own sets),
// route (fixed), and auth id — at most MAX_AUTH_ID_LABELS distinct ids, the rest counted as
// "(other)", so a caller inventing auth ids cannot grow the node's memory or the scrape.
import { Rat } from '../../money/index.js';
import type { SignerEvents, SignerJobType } from '../../signer/index.js';
import { Counter, Histogram, Registry } from './prom.js';

export const MAX_AUTH_ID_LABELS = 256;
export const NO_AUTH_ID_LABEL = '(none)';
export const OTHER_AUTH_ID_LABEL = '(other)';
/** Seconds; the signer answers in well under a millisecond to a few ms (a batch of signatures). */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

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

export class SignerMetrics implements SignerEvents {
  readonly registry = new Registry();
  private readonly calls = this.registry.register(
    new Counter('livepeer_signer_calls_total', 'POST /generate-live-payment calls answered by the signer, by job type, HTTP status (200, 400, 409, 480, 481, 482, …) and error code', ['type', 'status', 'code']),
  );
  private readonly latency = this.registry.register(
    new Histogram('livepeer_signer_call_duration_seconds', 'Time the signer took to answer /generate-live-payment, by job type', LATENCY_BUCKETS_S, ['type']),
  );
  private readonly tickets = this.registry.register(new Counter('livepeer_signer_tickets_signed_total', 'PM tickets signed, by job type', ['type']));
  private readonly ev = this.registry.register(new Counter('livepeer_signer_ev_signed_wei_total', 'Expected value of the tickets signed (wei), by job type', ['type']));
  private readonly spend = this.registry.register(
    new Counter('livepeer_signer_spend_wei_total', `Expected value signed (wei) per auth id (at most ${MAX_AUTH_ID_LABELS} ids; the rest are "${OTHER_AUTH_ID_LABEL}", none "${NO_AUTH_ID_LABEL}")`, ['auth_id']),
  );
  private readonly http = this.registry.register(
    new Counter('livepeer_signer_http_requests_total', 'HTTP requests by route and status (including refusals answered before the signer: 401, 404, 405, 408, 413, bad JSON)', ['route', 'status']),
  );
  private readonly authIds = new Set<string>();
  private readonly byStatus: Record<string, number> = {};
  private ticketsSigned = 0;
  private evSigned = Rat.ZERO;
  private readonly spendExact = new Map<string, Rat>();

  call(type: SignerJobType, status: number, code: string | undefined, ms: number): void {
    const t = typeLabel(type);
    const s = String(status);
    this.calls.inc({ type: t, status: s, code: code ?? '' });
    this.latency.observe({ type: t }, ms / 1000);
    this.byStatus[s] = (this.byStatus[s] ?? 0) + 1;
  }

  signed(type: SignerJobType, tickets: number, ev: Rat, authId: string): void {
    const t = typeLabel(type);
    this.tickets.inc({ type: t }, tickets);
    const evNum = ratToNumber(ev);
    this.ev.inc({ type: t }, evNum);
    const label = this.authIdLabel(authId);
    this.spend.inc({ auth_id: label }, evNum);
    this.ticketsSigned += tickets;
    this.evSigned = this.evSigned.add(ev);
    this.spendExact.set(label, (this.spendExact.get(label) ?? Rat.ZERO).add(ev));
  }

  /** One HTTP answer (every route). */
  request(route: SignerRoute, status: number): void {
    this.http.inc({ route, status: String(status) });
  }

  private authIdLabel(authId: string): string {
    if (authId === '') return NO_AUTH_ID_LABEL;
    if (this.authIds.has(authId)) return authId;
    if (this.authIds.size >= MAX_AUTH_ID_LABELS) return OTHER_AUTH_ID_LABEL;
    this.authIds.add(authId);
    return authId;
  }

  text(): string {
    return this.registry.metricsText();
  }

  snapshot(): SignerMetricsSnapshot {
    return { callsByStatus: { ...this.byStatus }, ticketsSigned: this.ticketsSigned, evSigned: this.evSigned, spendByAuthId: Object.fromEntries(this.spendExact) };
  }
}
