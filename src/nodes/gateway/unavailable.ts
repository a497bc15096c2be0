// The reason in the client's 503 when no orchestrator was even tried: each one's real cause from the
// market's evaluation (no-capability, price-above-max with the price and the max, suspended until
// when and why, …), never a bare "no capacity".
import type { Evaluation } from '../../market/index.js';
import { summarizeRejections } from '../../market/index.js';

/** Lines shown at most; the counts by reason cover the rest. */
const MAX_LINES = 8;

export function noUsableOrchestratorMessage(pipeline: string, modelId: string, evaluation: Evaluation | undefined): string {
  const rejected = evaluation?.rejected ?? [];
  if (rejected.length === 0) return `no orchestrator is configured or discovered for ${pipeline}/${modelId}`;
  const lines = rejected.slice(0, MAX_LINES).map((r) => `${r.candidate.key}: ${r.reason}: ${r.detail}`);
  const more = rejected.length > MAX_LINES ? `; and ${rejected.length - MAX_LINES} more` : '';
  return `no orchestrator can run ${pipeline}/${modelId} (${summarizeRejections(rejected).text}): ${lines.join('; ')}${more}`;
}
