// A small Prometheus registry in the text exposition format 0.0.4 (counters and histograms with
// labels), for the signer node's /metrics. prom-client is not a dependency of the package yet; this
// keeps the same metric model (name, help, labels, cumulative buckets, _sum/_count) so a swap to
// prom-client changes this file only. Series are kept in maps keyed by the joined label values;
// callers bound the label values they pass (see metrics.ts).

type Labels = Readonly<Record<string, string>>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra !== undefined) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Go's strconv.FormatFloat(v, 'g', -1, 64) as Prometheus prints values: +Inf, integers without ".0". */
function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

interface Metric {
  render(out: string[]): void;
}

export class Counter<L extends string = never> implements Metric {
  private readonly series = new Map<string, { values: string[]; v: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly L[] = [],
  ) {}

  inc(labels: Labels & Record<L, string>, by = 1): void {
    const values = this.labelNames.map((n) => labels[n]);
    const key = values.join('\u0000');
    const s = this.series.get(key);
    if (s) s.v += by;
    else this.series.set(key, { values, v: by });
  }

  get(labels: Labels & Record<L, string>): number {
    return this.series.get(this.labelNames.map((n) => labels[n]).join('\u0000'))?.v ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`);
    for (const s of this.series.values()) out.push(`${this.name}${labelText(this.labelNames, s.values)} ${num(s.v)}`);
  }
}

export class Histogram<L extends string = never> implements Metric {
  private readonly series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
    private readonly labelNames: readonly L[] = [],
  ) {}

  observe(labels: Labels & Record<L, string>, v: number): void {
    const values = this.labelNames.map((n) => labels[n]);
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = { values, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, `le="${num(b)}"`)} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${labelText(this.labelNames, s.values, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${labelText(this.labelNames, s.values)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(this.labelNames, s.values)} ${s.count}`);
    }
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  /** The text exposition format (Content-Type text/plain; version=0.0.4). */
  metricsText(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return `${out.join('\n')}\n`;
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
