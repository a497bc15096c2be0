// Bounds on what an unauthenticated peer may make us decode, checked before the expensive step
// (base64 before decoding, bitstring and map sizes before expanding). Each bound comes from the
// protocol with a wide margin, so no honest go-livepeer peer comes near it:
//  - capabilities: go-livepeer's Capability enum has 38 ids (0…37, core/capabilities.go), one
//    64-bit bitstring word. 64 words (4096 ids) is a 100× margin and costs < 1 ms to expand;
//    the 3 MB bitstring this guards against took 8.9 s.
//  - per-capability constraints: a key is a capability id, so at most 4096 of them; a node runs a
//    handful of models per capability, 256 is far above any real deployment.
//  - tickets per payment: pm's Recipient accepts at most 600 nonces per ticket params
//    (go-livepeer's maxSenderNonces), so a payment with more cannot be valid.
//  - a GetOrchestrator request (address, signature, the job's capabilities) is a few KB; decoding
//    a 3 MB one takes ≈ 300 ms of protobuf alone, so the gRPC server reads at most 64 KiB
//    (≈ 2 ms) and answers a larger message RESOURCE_EXHAUSTED, as grpc-go does over its 4 MiB.
//  - headers: Node's HTTP/2 refuses a whole header list above 64 KiB (REFUSED_STREAM), so 600
//    full tickets (≈ 61 KB of base64) never fit anyway; 48 KiB of Livepeer-Payment is ≈ 470
//    tickets where a gateway sends the few that cover one job; Livepeer-Segment for a job carries one capability, an auth token and a signature
//    (≈ 300 bytes), 16 KiB leaves room for transcoding profile lists.
//  - a sender must never build a Livepeer-Payment that cannot be sent or is refused for its size:
//    Node's HTTP/2 client refuses to send a header block above 64 KiB (the stream ends
//    REFUSED_STREAM without reaching the peer, which a gateway took for a broken orchestrator),
//    so the gateway signs at most ticketsPerPaymentHeader tickets in one payment (derived below
//    from paymentHeaderChars, so the two cannot drift apart). The orchestrator advertises a header
//    list that holds both header limits, since Go's client refuses to send a list above the
//    peer's SETTINGS_MAX_HEADER_LIST_SIZE (Node's default advertises 64 KiB).
import type { Capabilities, Payment } from './gen/net/lp_rpc_pb.js';
import { MAX_SENDER_NONCES } from '../pm/index.js';
import { WireError } from './errors.js';

/** Bytes one can encode in `chars` characters of padded base64. */
const base64Capacity = (chars: number): number => 3 * Math.floor(chars / 4);

const PAYMENT_HEADER_CHARS = 48 * 1024;
const SEGMENT_HEADER_CHARS = 16 * 1024;
const MODEL_ID_CHARS = 1024;
/**
 * Largest encoding of one Payment.ticket_sender_params entry: the entry's tag and length (2), the
 * nonce as a uint32 varint with its tag (≤ 6), the 65-byte signature with tag and length (67).
 */
export const TICKET_SENDER_PARAMS_MAX_BYTES = 2 + 6 + 67;
/**
 * Largest encoding of everything else in a Payment, with a margin: ticket params (six ≤ 32-byte
 * fields and the expiration params, ≈ 242), sender (22), expiration params (47) and the expected
 * price (two int64s, the capability and its constraint, a model id of up to modelIdChars: ≈ 1058),
 * ≈ 1369 bytes in all.
 */
export const PAYMENT_FIXED_MAX_BYTES = 1536;

export const WIRE_LIMITS = {
  /** Words (64 bits each) of a capabilities or mandatories bitstring. */
  capabilityWords: 64,
  /** Entries of Capabilities.capacities and of constraints.PerCapability. */
  capabilityEntries: 64 * 64,
  /** Models per capability in constraints.PerCapability[cap].models. */
  modelsPerCapability: 256,
  /** Characters of a model id (Hugging Face ids are ≤ 96; URLs of custom models run longer). */
  modelIdChars: MODEL_ID_CHARS,
  /** ticket_sender_params of one Payment (pm's nonce limit per ticket params). */
  ticketsPerPayment: MAX_SENDER_NONCES,
  /** Bytes of one gRPC request message the orchestrator reads (GetOrchestrator, Ping). */
  orchestratorRequestBytes: 64 * 1024,
  /** Characters of the Livepeer-Payment header value (base64). */
  paymentHeaderChars: PAYMENT_HEADER_CHARS,
  /** Characters of the Livepeer-Segment header value (base64). */
  segmentHeaderChars: SEGMENT_HEADER_CHARS,
  /**
   * Tickets a sender puts in one Livepeer-Payment: as many as surely fit paymentHeaderChars (471),
   * and never more than ticketsPerPayment.
   */
  ticketsPerPaymentHeader: Math.min(MAX_SENDER_NONCES, Math.floor((base64Capacity(PAYMENT_HEADER_CHARS) - PAYMENT_FIXED_MAX_BYTES) / TICKET_SENDER_PARAMS_MAX_BYTES)),
  /**
   * Bytes of request header list the orchestrator's HTTP/2 server advertises
   * (SETTINGS_MAX_HEADER_LIST_SIZE): both header limits and 16 KiB for the rest, so a client that
   * honours it can always send a payment or segment at its limit and get the typed refusal.
   * (go-livepeer's Go server advertises 1 MiB.)
   */
  headerListBytes: PAYMENT_HEADER_CHARS + SEGMENT_HEADER_CHARS + 16 * 1024,
} as const;

export type WireLimitName = keyof typeof WIRE_LIMITS;

/** A peer's input above one of WIRE_LIMITS (code WIRE_LIMIT_EXCEEDED; `limit` names which). */
export class WireLimitError extends WireError {
  override name = 'WireLimitError';
  readonly limit: WireLimitName;
  constructor(limit: WireLimitName, what: string, got: number, opts: { status?: number } = {}) {
    super('WIRE_LIMIT_EXCEEDED', `${what}: ${got} is above the limit of ${WIRE_LIMITS[limit]}`, { fatal: true, ...opts });
    this.limit = limit;
  }
}

/** Throws WireLimitError when a Capabilities message is larger than any honest peer sends. */
export function checkCapabilitiesLimits(c: Capabilities, status?: number): void {
  const opts = status === undefined ? {} : { status };
  const words = WIRE_LIMITS.capabilityWords;
  if (c.bitstring.length > words) throw new WireLimitError('capabilityWords', 'capabilities bitstring words', c.bitstring.length, opts);
  if (c.mandatories.length > words) throw new WireLimitError('capabilityWords', 'mandatories bitstring words', c.mandatories.length, opts);
  const capacities = Object.keys(c.capacities).length;
  if (capacities > WIRE_LIMITS.capabilityEntries) throw new WireLimitError('capabilityEntries', 'capabilities capacities entries', capacities, opts);
  const per = c.constraints?.PerCapability ?? {};
  const caps = Object.keys(per);
  if (caps.length > WIRE_LIMITS.capabilityEntries) throw new WireLimitError('capabilityEntries', 'per-capability constraints', caps.length, opts);
  for (const k of caps) {
    const ids = Object.keys(per[Number(k)]?.models ?? {});
    if (ids.length > WIRE_LIMITS.modelsPerCapability) throw new WireLimitError('modelsPerCapability', `models constrained for capability ${k}`, ids.length, opts);
    for (const id of ids) if (id.length > WIRE_LIMITS.modelIdChars) throw new WireLimitError('modelIdChars', `model id length for capability ${k}`, id.length, opts);
  }
}

/** Throws WireLimitError (402) when a Payment carries more tickets than its params can take. */
export function checkPaymentLimits(p: Payment): void {
  if (p.ticketSenderParams.length > WIRE_LIMITS.ticketsPerPayment) {
    throw new WireLimitError('ticketsPerPayment', 'tickets in one payment', p.ticketSenderParams.length, { status: 402 });
  }
}
