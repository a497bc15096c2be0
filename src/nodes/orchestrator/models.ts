// What the orchestrator advertises, read at start: its aiModels entries (a file, inline JSON or
// the pipeline:model:warm list), the -pricePerUnit/-pixelsPerUnit default price, and each
// runner's version (the lowest per pipeline/model, for the model constraints).
import { RunnerClient } from '../../ai/index.js';
import type { AiModelEntry, AiModelsConfig } from '../../market/index.js';
import { loadAiModels, parseAiModelsJson, parseDecimal } from '../../market/index.js';
import { priceFromRat, type PriceInfo } from '../../money/index.js';
import type { OrchestratorConfig } from './config.js';
import { OrchestratorConfigError } from './errors.js';

export function loadModels(arg: string, cfg: OrchestratorConfig): AiModelsConfig {
  const opts = {
    requirePrices: !cfg.offchain,
    defaults: cfg.pricePerUnit === undefined ? undefined : { pricePerUnit: cfg.pricePerUnit, pixelsPerUnit: cfg.pixelsPerUnit ?? 1 },
  };
  const t = arg.trim();
  // Inline JSON is accepted too (a file path or the `pipeline:model:warm` list go through loadAiModels).
  if (t.startsWith('[')) return parseAiModelsJson(t, opts);
  return loadAiModels(arg, opts);
}

export function basePrice(cfg: OrchestratorConfig): PriceInfo | undefined {
  if (cfg.pricePerUnit === undefined) return undefined;
  try {
    const num = parseDecimal(String(cfg.pricePerUnit));
    const den = parseDecimal(String(cfg.pixelsPerUnit ?? 1));
    if (!num || num.isNegative()) throw new Error(`pricePerUnit ${String(cfg.pricePerUnit)} is not a number ≥ 0`);
    if (!den || den.isZero() || den.isNegative()) throw new Error('pixelsPerUnit must be > 0');
    return priceFromRat(num.div(den));
  } catch (err) {
    throw new OrchestratorConfigError(`-pricePerUnit/-pixelsPerUnit: ${(err as Error).message}`, { cause: err });
  }
}

export async function runnerVersions(entries: readonly AiModelEntry[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    entries.map(async (e) => {
      if (!e.url) return;
      try {
        const v = await new RunnerClient({ url: e.url, token: e.token, infoTimeoutMs: 1000 }).version();
        const k = `${e.pipeline}/${e.modelId}`;
        const prev = out.get(k);
        if (prev === undefined || v.version < prev) out.set(k, v.version);
      } catch {
        // A runner that is down at start is advertised without a version; jobs to it get 503.
      }
    }),
  );
  return out;
}
