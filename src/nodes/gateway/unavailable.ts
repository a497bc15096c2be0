// The reason in the client's 503 when no orchestrator was even tried: each one's real cause
// (suspended, refused at discovery for its price, capabilities or params), not a guess.

/** `unusable`: one line per orchestrator, from SessionPool.unusable. */
export function noUsableOrchestratorMessage(pipeline: string, modelId: string, unusable: readonly string[]): string {
  if (unusable.length === 0) return `no orchestrator is configured or discovered for ${pipeline}/${modelId}`;
  return `no orchestrator can run ${pipeline}/${modelId}: ${unusable.join('; ')}`;
}
