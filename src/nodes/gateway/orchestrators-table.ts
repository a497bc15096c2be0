// GET /orchestrators?pipeline=P&model=M: every known orchestrator as the market sees it for that
// job — address, service URI, sources, capabilities, price, stake, latency, last seen, suspension —
// and either `qualifies: true` with its selection probability, or the exact reason it is not chosen.
import { formatRatWei } from '../../money/index.js';
import { capabilityToPipeline, type Evaluation } from '../../market/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import type { MarketView } from './market.js';
import type { SessionPool, JobTarget } from './sessions.js';

export interface OrchestratorRow {
  url: string;
  address: string | null;
  /** Where job requests go (OrchestratorInfo.transcoder), when it answered. */
  transcoder: string | null;
  sources: string[];
  /** "pipeline/model" (warm ones marked " (warm)") from its last answer. */
  capabilities: string[];
  /** Wei per unit for this pipeline/model, exact (a decimal, "≈" when rounded for display), with the raw pair. */
  price: { weiPerUnit: string; pricePerUnit: string; pixelsPerUnit: string } | null;
  /** Wei, decimal string. */
  stake: string | null;
  latencyMs: number | null;
  /** Its last GetOrchestrator answer (ISO), or null. */
  lastSeen: string | null;
  /** The last time a discovery source listed it (ISO). */
  lastListed: string;
  suspension: { until: string; cause: string; faults: number } | null;
  qualifies: true | string;
  detail: string | null;
  /** Selection probability (0 for a qualifier held in reserve: see `standby`). */
  probability: number | null;
  standby: string | null;
}

export interface OrchestratorsTable {
  pipeline: string;
  modelId: string;
  /** Max wei per unit for this job, or null (any price). */
  maxPrice: string | null;
  weights: { stakeWeight: number; priceWeight: number; randWeight: number; priceExpFactor: number; latencyBandMs: number | null };
  orchestrators: OrchestratorRow[];
  /** Counts by reason. */
  summary: Record<string, number>;
}

export function orchestratorsTable(job: JobTarget, view: MarketView, pool: SessionPool, weights: OrchestratorsTable['weights']): OrchestratorsTable {
  const rows: OrchestratorRow[] = [];
  const summary: Record<string, number> = {};
  const verdict = new Map<string, { qualifies: true | string; detail: string | null; probability: number | null; standby: string | null }>();
  const ev: Evaluation = view.evaluation;
  for (const q of ev.qualified) verdict.set(q.candidate.key, { qualifies: true, detail: q.standby ? (q.note ?? null) : null, probability: q.probability, standby: q.standby ?? null });
  for (const r of ev.rejected) verdict.set(r.candidate.key, { qualifies: r.reason, detail: r.detail, probability: null, standby: null });
  for (const c of [...ev.qualified.map((q) => q.candidate), ...ev.rejected.map((r) => r.candidate)]) {
    const e = view.entry(c.key);
    const v = verdict.get(c.key)!;
    summary[v.qualifies === true ? 'qualifies' : v.qualifies] = (summary[v.qualifies === true ? 'qualifies' : v.qualifies] ?? 0) + 1;
    const s = view.session(c.key);
    const caps: string[] = [];
    if (s) {
      for (const [cap, models] of capabilitiesFromWire(s.info.capabilities).perCapability) {
        const p = capabilityToPipeline(cap) ?? String(cap);
        for (const [model, m] of models) caps.push(`${p}/${model}${m.warm ? ' (warm)' : ''}`);
      }
    }
    const susp = pool.suspension(c.key, job.capability);
    rows.push({
      url: c.key,
      address: c.address ?? null,
      transcoder: s?.transcoder ?? null,
      sources: e?.sources ?? [],
      capabilities: caps,
      price: s && c.price ? { weiPerUnit: formatRatWei(c.price, 6), pricePerUnit: s.price.pricePerUnit.toString(), pixelsPerUnit: s.price.pixelsPerUnit.toString() } : null,
      stake: e?.stake === undefined ? null : e.stake.toString(),
      latencyMs: c.latencyMs ?? null,
      lastSeen: s ? new Date(s.answeredAt).toISOString() : null,
      lastListed: new Date(e?.lastListed ?? 0).toISOString(),
      suspension: susp ? { until: new Date(susp.until).toISOString(), cause: susp.cause, faults: susp.faults } : null,
      ...v,
    });
  }
  return {
    pipeline: job.pipeline,
    modelId: job.modelId,
    maxPrice: job.maxPrice ? formatRatWei(job.maxPrice, 6) : null,
    weights,
    orchestrators: rows,
    summary,
  };
}

/** The table as text, one orchestrator per line (the CLI prints this). */
export function formatOrchestratorsTable(t: OrchestratorsTable): string {
  const head = ['ORCHESTRATOR', 'ADDRESS', 'SOURCE', 'PRICE/UNIT', 'STAKE', 'LATENCY', 'LAST SEEN', 'QUALIFIES', 'P'];
  const lines = t.orchestrators.map((r) => [
    r.url,
    r.address ? `${r.address.slice(0, 10)}…` : '-',
    r.sources.join('+') || '-',
    r.price ? r.price.weiPerUnit : '-',
    r.stake ?? '-',
    r.latencyMs === null ? '-' : `${r.latencyMs} ms`,
    r.lastSeen ? r.lastSeen.slice(11, 19) : '-',
    r.qualifies === true ? (r.standby ? `yes (${r.standby})` : 'yes') : r.qualifies,
    r.probability === null ? '-' : r.probability.toFixed(3),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [`${t.pipeline}/${t.modelId}  max price: ${t.maxPrice ?? 'any'} wei/unit`, fmt(head), ...lines.map(fmt)];
  const why = t.orchestrators.filter((r) => r.detail);
  if (why.length > 0) {
    out.push('');
    for (const r of why) out.push(`${r.url}: ${r.qualifies === true ? r.standby : r.qualifies}: ${r.detail}`);
  }
  for (const r of t.orchestrators) if (r.suspension) out.push(`${r.url}: suspended until ${r.suspension.until} after ${r.suspension.cause} (${r.suspension.faults} in a row)`);
  return out.join('\n');
}
