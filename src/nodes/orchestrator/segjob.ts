// Ties the Livepeer-Segment credentials to the job they pay for. A go-livepeer gateway signs, for an
// AI job, the manifest id "<capability>_<model>" (server/ai_session.go getSessions) and the
// capabilities of that job (its capability, with that model in its constraints). go-livepeer's
// orchestrator checks neither against the request (handleAIRequest derives the manifest from the
// body and ignores the signed one), so credentials signed for one job can be replayed on another
// pipeline or model; we refuse that with its verifySegCreds status, 403.
import { fromBitstring, type CapabilityId } from '../../market/index.js';
import type { SegData } from '../../wire/index.js';
import { OrchestratorError } from './errors.js';

/** The manifest id a gateway pays an AI job under (go-livepeer's "<capability>_<model>"). */
export function aiManifestId(cap: CapabilityId, modelId: string): string {
  return `${cap}_${modelId}`;
}

/**
 * What the check reads of a SegData, decoded once per object: verified credentials are shared
 * between the jobs that send the same header (SegmentVerifier), so this runs once per header.
 */
const decoded = new WeakMap<SegData, { manifest: string; capabilities: ReadonlySet<CapabilityId> | undefined }>();

function decode(seg: SegData): { manifest: string; capabilities: ReadonlySet<CapabilityId> | undefined } {
  let d = decoded.get(seg);
  if (!d) {
    d = { manifest: Buffer.from(seg.manifestId).toString('utf8'), capabilities: seg.capabilities ? fromBitstring(seg.capabilities.bitstring) : undefined };
    decoded.set(seg, d);
  }
  return d;
}

/** Throws SEGMENT_JOB_MISMATCH (403) when the signed manifest id or capabilities are not this job's. */
export function checkSegmentForJob(seg: SegData, cap: CapabilityId, modelId: string): void {
  const want = aiManifestId(cap, modelId);
  const { manifest: got, capabilities } = decode(seg);
  if (got !== want) {
    throw new OrchestratorError('SEGMENT_JOB_MISMATCH', 403, `segment credentials are for manifest ${JSON.stringify(got)}, not this job's ${JSON.stringify(want)}`);
  }
  // Absent capabilities stay accepted, as verifySegCreds treats them (nil is compatible): the signed
  // manifest id above already names the job. Present ones must include the job's capability and,
  // where they constrain its models, this model.
  const caps = seg.capabilities;
  if (!caps) return;
  if (!capabilities!.has(cap)) {
    throw new OrchestratorError('SEGMENT_JOB_MISMATCH', 403, `segment credentials do not include capability ${cap} of this job`);
  }
  const models = caps.constraints?.PerCapability[cap]?.models;
  if (models && Object.keys(models).length > 0 && !Object.hasOwn(models, modelId)) {
    throw new OrchestratorError('SEGMENT_JOB_MISMATCH', 403, `segment credentials do not list model ${JSON.stringify(modelId)} for capability ${cap}`);
  }
}
