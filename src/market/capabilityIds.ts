// go-livepeer's capability enum (core/capabilities.go). The integer values travel on the wire
// (bitstrings, capacities, per-capability constraints and prices), so they must never change.

export const Capability = {
  Invalid: -2,
  Unused: -1,
  H264: 0,
  MPEGTS: 1,
  MP4: 2,
  FractionalFramerates: 3,
  StorageDirect: 4,
  StorageS3: 5,
  StorageGCS: 6,
  ProfileH264Baseline: 7,
  ProfileH264Main: 8,
  ProfileH264High: 9,
  ProfileH264ConstrainedHigh: 10,
  GOP: 11,
  AuthToken: 12,
  SceneClassification: 13, // deprecated; go-livepeer leaves its name unset
  MPEG7VideoSignature: 14,
  HEVCDecode: 15,
  HEVCEncode: 16,
  VP8Decode: 17,
  VP9Decode: 18,
  VP8Encode: 19,
  VP9Encode: 20,
  H264DecodeYUV444: 21,
  H264DecodeYUV422: 22,
  H264DecodeYUV444_10bit: 23,
  H264DecodeYUV422_10bit: 24,
  H264DecodeYUV420_10bit: 25,
  SegmentSlicing: 26,
  TextToImage: 27,
  ImageToImage: 28,
  ImageToVideo: 29,
  Upscale: 30,
  AudioToText: 31,
  SegmentAnything2: 32,
  LLM: 33,
  ImageToText: 34,
  LiveVideoToVideo: 35,
  TextToSpeech: 36,
  BYOC: 37,
} as const;

export type CapabilityId = number;

/** Human names as go-livepeer spells them; PipelineToCapability matches pipelines against these. */
export const capabilityNames: Readonly<Record<number, string>> = {
  [-2]: 'Invalid',
  [-1]: 'Unused',
  0: 'H.264',
  1: 'MPEGTS',
  2: 'MP4',
  3: 'Fractional framerates',
  4: 'Storage direct',
  5: 'Storage S3',
  6: 'Storage GCS',
  7: 'H264 Baseline profile',
  8: 'H264 Main profile',
  9: 'H264 High profile',
  10: 'H264 Constrained, Contained High profile',
  11: 'GOP',
  12: 'Auth token',
  14: 'MPEG7 signature',
  15: 'HEVC decode',
  16: 'HEVC encode',
  17: 'VP8 decode',
  18: 'VP9 decode',
  19: 'VP8 encode',
  20: 'VP9 encode',
  21: 'H264 Decode YUV444 8-bit',
  22: 'H264 Decode YUV422 8-bit',
  23: 'H264 Decode YUV444 10-bit',
  24: 'H264 Decode YUV422 10-bit',
  25: 'H264 Decode YUV420 10-bit',
  26: 'Segment slicing',
  27: 'Text to image',
  28: 'Image to image',
  29: 'Image to video',
  30: 'Upscale',
  31: 'Audio to text',
  32: 'Segment anything 2',
  33: 'Llm',
  34: 'Image to text',
  35: 'Live video to video',
  36: 'Text to speech',
  37: 'byoc',
};

/** AI pipelines (batch, then live) — the `pipeline` values aiModels.json accepts. */
export const AI_PIPELINES = [
  'text-to-image',
  'image-to-image',
  'image-to-video',
  'upscale',
  'audio-to-text',
  'llm',
  'segment-anything-2',
  'image-to-text',
  'text-to-speech',
  'live-video-to-video',
] as const;
export type AiPipeline = (typeof AI_PIPELINES)[number];

/** Name → id for pipelineToCapability (called for every job); the first id of a name wins, as the scan did. */
const capabilityByName: ReadonlyMap<string, CapabilityId> = (() => {
  const m = new Map<string, CapabilityId>();
  for (const [id, n] of Object.entries(capabilityNames)) if (Number(id) >= 0 && !m.has(n)) m.set(n, Number(id));
  return m;
})();

/**
 * go-livepeer's PipelineToCapability: upper-case the first letter, `-` → space, then match the
 * capability names exactly. Returns undefined for anything else (go-livepeer: Capability_Invalid).
 */
export function pipelineToCapability(pipeline: string): CapabilityId | undefined {
  // Asked several times per job: the canonical names are looked up; only others are rebuilt.
  return byPipeline.get(pipeline) ?? byName(pipeline);
}

function byName(pipeline: string): CapabilityId | undefined {
  if (pipeline === '') return undefined;
  return capabilityByName.get(pipeline[0]!.toUpperCase() + pipeline.slice(1).replaceAll('-', ' '));
}

/** Reverse mapping used by remote discovery: lower-case the name, spaces → `-`. */
export function capabilityToPipeline(cap: CapabilityId): string | undefined {
  const name = capabilityNames[cap];
  return name === undefined ? undefined : name.toLowerCase().replaceAll(' ', '-');
}

/** Each capability's pipeline name (capabilityToPipeline) that byName maps back to it: fixed, from the names above. */
const byPipeline: ReadonlyMap<string, CapabilityId> = (() => {
  const m = new Map<string, CapabilityId>();
  for (const id of capabilityByName.values()) {
    const p = capabilityToPipeline(id);
    if (p !== undefined && byName(p) === id) m.set(p, id);
  }
  return m;
})();

export function isAiPipeline(p: string): p is AiPipeline {
  return (AI_PIPELINES as readonly string[]).includes(p);
}

/** DefaultCapabilities(): 0–12, 14 and 26. AI jobs send these plus the AI capability. */
export function defaultCapabilities(): CapabilityId[] {
  return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 26];
}

/** MandatoryOCapabilities(): what an orchestrator requires every gateway to support. */
export function mandatoryOCapabilities(): CapabilityId[] {
  return [Capability.AuthToken];
}

/** The set assumed for orchestrators that send no capability message: 0–11. */
export function legacyCapabilities(): CapabilityId[] {
  return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
}
