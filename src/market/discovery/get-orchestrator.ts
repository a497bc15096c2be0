// One GetOrchestrator call as a gateway makes it (go-livepeer server/rpc.go GetOrchestratorInfo):
// a signed OrchestratorRequest with the job's capabilities, over the peer's gRPC client, timed.
import type { Capabilities, Hash32Signer, OrchestratorClient, OrchestratorInfo } from '../../wire/index.js';
import { createOrchestratorRequest } from '../../wire/index.js';

export interface OrchestratorAnswer {
  info: OrchestratorInfo;
  /** Round trip of the call, ms (go-livepeer LocalInfo.Latency). */
  latencyMs: number;
  /** When the answer arrived (ms since the epoch). */
  at: number;
}

export interface GetOrchestratorOptions {
  /** The job's capabilities (nil asks for the orchestrator's general info and capabilities_prices). */
  capabilities?: Capabilities | undefined;
  ignoreCapacityCheck?: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function getOrchestratorInfo(client: OrchestratorClient, signer: Hash32Signer, o: GetOrchestratorOptions): Promise<OrchestratorAnswer> {
  const req = await createOrchestratorRequest(signer, { capabilities: o.capabilities, ...(o.ignoreCapacityCheck ? { ignoreCapacityCheck: true } : {}) });
  const t0 = performance.now();
  const info = await client.getOrchestrator(req, { timeoutMs: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
  return { info, latencyMs: performance.now() - t0, at: Date.now() };
}
