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
import type { Capabilities, Payment } from './gen/net/lp_rpc_pb.js';
import { MAX_SENDER_NONCES } from '../pm/index.js';
import { WireError } from './errors.js';

export const WIRE_LIMITS = {
  /** Words (64 bits each) of a capabilities or mandatories bitstring. */
  capabilityWords: 64,
  /** Entries of Capabilities.capacities and of constraints.PerCapability. */
  capabilityEntries: 64 * 64,
  /** Models per capability in constraints.PerCapability[cap].models. */
  modelsPerCapability: 256,
  /** Characters of a model id (Hugging Face ids are ≤ 96; URLs of custom models run longer). */
  modelIdChars: 1024,
  /** ticket_sender_params of one Payment (pm's nonce limit per ticket params). */
  ticketsPerPayment: MAX_SENDER_NONCES,
  /** Bytes of one gRPC request message the orchestrator reads (GetOrchestrator, Ping). */
  orchestratorRequestBytes: 64 * 1024,
  /** Characters of the Livepeer-Payment header value (base64). */
  paymentHeaderChars: 48 * 1024,
  /** Characters of the Livepeer-Segment header value (base64). */
  segmentHeaderChars: 16 * 1024,
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
