// Segment credentials: the signed net.SegData sent in the Livepeer-Segment header (go-livepeer
// `genSegCreds` / `verifySegCreds`, core/streamdata.go `Flatten`).
//   sig = personal_sign(keccak256(manifestId ‖ pad32(|seq|) ‖ hash32 ‖ profilesHex))
// profilesHex is ASCII lowercase hex of keccak256(profile name)[0:4] for each transcoding profile
// of the full profile lists. The legacy `profiles` bytes are never signed: go-livepeer's sender
// signs its in-memory profiles (none for AI and live payments) and sets `profiles` to the literal
// "invalid" afterwards, and its orchestrator rebuilds the profiles from fullProfiles3/2/1 only
// (server/rpc.go coreSegMetadata). Whatever legacy bytes arrive, they do not change the hash.
import { create } from '@bufbuild/protobuf';
import {
  SegDataSchema,
  VideoProfile_Format,
  VideoProfile_Profile,
  VideoProfile_VideoCodec,
  type AuthToken,
  type Capabilities,
  type SegData,
  type VideoProfile,
} from './gen/net/lp_rpc_pb.js';
import { verifyAuthToken } from './auth-token.js';
import { concatBytes, pad32 } from './bytes.js';
import { decodeSegmentHeader, type HeaderValue } from './codec.js';
import { InvalidFieldError } from './errors.js';
import { keccak256, verifyPersonalSig, type Hash32Signer } from './sig.js';

/** keccak256 of no bytes: the `hash` go-livepeer puts in segment credentials for payments. */
export const EMPTY_KECCAK = keccak256(new Uint8Array(0));
/** go-livepeer's legacy `profiles` filler that makes old orchestrators refuse non-transcode jobs. */
export const INVALID_PROFILES = new TextEncoder().encode('invalid');
/** go-livepeer's common.MaxDuration: a segment longer than this is refused (403 "invalid duration"). */
export const MAX_SEGMENT_DURATION_MS = 5 * 60 * 1000;

function profileName(p: VideoProfile): string {
  // go-livepeer names unnamed net profiles "net_" + DefaultProfileName(w, h, bitrate).
  return p.name !== '' ? p.name : `net_${p.width}x${p.height}_${p.bitrate}`;
}

function hexOfNames(profiles: readonly VideoProfile[]): string {
  let out = '';
  for (const p of profiles) {
    out += Buffer.from(keccak256(new TextEncoder().encode(profileName(p))).subarray(0, 4)).toString('hex');
  }
  return out;
}

/** The full profile list go-livepeer's orchestrator reads: fullProfiles3, else 2, else 1. */
function fullProfiles(seg: Pick<SegData, 'fullProfiles' | 'fullProfiles2' | 'fullProfiles3'>): readonly VideoProfile[] {
  if (seg.fullProfiles3.length > 0) return seg.fullProfiles3;
  if (seg.fullProfiles2.length > 0) return seg.fullProfiles2;
  return seg.fullProfiles;
}

/** The profiles part of the flattened credentials (legacy `profiles` bytes play no part). */
export function segProfilesHex(seg: Pick<SegData, 'fullProfiles' | 'fullProfiles2' | 'fullProfiles3'>): string {
  return hexOfNames(fullProfiles(seg));
}

const FORMATS = new Set<number>([VideoProfile_Format.MPEGTS, VideoProfile_Format.MP4]);
const ENCODER_PROFILES = new Set<number>([
  VideoProfile_Profile.ENCODER_DEFAULT,
  VideoProfile_Profile.H264_BASELINE,
  VideoProfile_Profile.H264_MAIN,
  VideoProfile_Profile.H264_HIGH,
  VideoProfile_Profile.H264_CONSTRAINED_HIGH,
]);
const CODECS = new Set<number>([VideoProfile_VideoCodec.H264, VideoProfile_VideoCodec.H265, VideoProfile_VideoCodec.VP8, VideoProfile_VideoCodec.VP9]);

/**
 * The checks go-livepeer's coreSegMetadata makes before the signature (each a 403 with its text):
 * every full profile of the list in use has a known format, encoder profile and codec, and the
 * duration is within 0…5 min.
 */
export function checkSegMetadata(seg: SegData): void {
  for (const p of fullProfiles(seg)) {
    if (!FORMATS.has(p.format)) throw new InvalidFieldError('fullProfiles.format', 'unrecognized profile output format', 403);
    if (!ENCODER_PROFILES.has(p.profile)) throw new InvalidFieldError('fullProfiles.profile', 'unrecognized encoder profile', 403);
    if (!CODECS.has(p.encoder)) throw new InvalidFieldError('fullProfiles.encoder', 'unrecognized video codec', 403);
  }
  if (seg.duration < 0 || seg.duration > MAX_SEGMENT_DURATION_MS) throw new InvalidFieldError('duration', 'invalid duration', 403);
}

/** Go's common.BytesToHash: keep the last 32 bytes, left-pad shorter input with zeros. */
function hash32(h: Uint8Array): Uint8Array {
  if (h.length === 32) return h;
  if (h.length > 32) return h.subarray(h.length - 32);
  const out = new Uint8Array(32);
  out.set(h, 32 - h.length);
  return out;
}

/** manifestId ‖ pad32(|seq|) ‖ hash32 ‖ profilesHex — the bytes go-livepeer hashes and signs. */
export function segCredsFlatten(seg: SegData): Uint8Array {
  // big.NewInt(seq).Bytes() is the absolute value, so a negative seq flattens like its magnitude.
  const seq = seg.seq < 0n ? -seg.seq : seg.seq;
  return concatBytes(seg.manifestId, pad32(seq, 'seq'), hash32(seg.hash), new TextEncoder().encode(segProfilesHex(seg)));
}

/** keccak256(segCredsFlatten(seg)): the 32-byte hash that is personal_signed. */
export function segCredsHash(seg: SegData): Uint8Array {
  return keccak256(segCredsFlatten(seg));
}

/** Sets seg.sig = signer's personal_sign over segCredsHash(seg); returns seg. */
export async function signSegData(seg: SegData, signer: Hash32Signer): Promise<SegData> {
  seg.sig = await signer.sign(segCredsHash(seg));
  return seg;
}

/** Throws WireSignatureError (403) unless seg.sig is the sender's signature over the credentials. */
export function verifySegDataSig(seg: SegData, sender: string): void {
  verifyPersonalSig(segCredsHash(seg), seg.sig, sender, 'segment credentials signature');
}

export interface PaymentSegCredsInput {
  /** The request's manifest ID (for lv2v: the O-issued manifest_id) as a string or raw bytes. */
  manifestId: string | Uint8Array;
  /** The auth token from the OrchestratorInfo in use. */
  authToken?: AuthToken | undefined;
  /** The job's capabilities, when known. */
  capabilities?: Capabilities | undefined;
}

/**
 * Segment credentials for a payment (AI jobs, live payments), as go-livepeer's genSegCreds makes
 * them: seq 0, hash = keccak256(""), duration 0, profiles "invalid", no full profiles.
 */
export async function createPaymentSegCreds(input: PaymentSegCredsInput, signer: Hash32Signer): Promise<SegData> {
  const seg = create(SegDataSchema, {
    manifestId: typeof input.manifestId === 'string' ? new TextEncoder().encode(input.manifestId) : input.manifestId,
    seq: 0n,
    hash: EMPTY_KECCAK,
    profiles: INVALID_PROFILES,
    capabilities: input.capabilities,
    authToken: input.authToken,
  });
  return signSegData(seg, signer);
}

export interface VerifySegmentCredentialsOptions {
  /** Payment.sender; when undefined (offchain orchestrator) the signature is not checked, as in go-livepeer. */
  sender?: string | undefined;
  /** The orchestrator's auth-token secret; when given, the auth token must be present, valid and unexpired. */
  authSecret?: Uint8Array | undefined;
  /** Unix seconds, for tests. */
  now?: bigint;
}

/**
 * The orchestrator's check of a Livepeer-Segment header (go-livepeer verifySegCreds minus the
 * capability and capacity checks, which belong to the market/node layers): decode (403
 * HeaderDecodeError), profiles and duration (403 InvalidFieldError), signature by the payment's
 * sender (403 WireSignatureError), auth token (403 AuthTokenError). Returns the decoded SegData.
 */
export function verifySegmentCredentials(value: HeaderValue, opts: VerifySegmentCredentialsOptions = {}): SegData {
  const seg = decodeSegmentHeader(value);
  checkSegMetadata(seg);
  if (opts.sender !== undefined) verifySegDataSig(seg, opts.sender);
  if (opts.authSecret !== undefined) verifyAuthToken(opts.authSecret, seg.authToken, opts.now === undefined ? {} : { now: opts.now });
  return seg;
}
