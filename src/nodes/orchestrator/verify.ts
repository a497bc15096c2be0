// Livepeer-Segment checks (403), after Livepeer-Payment is decoded (402, billing's receiver) and
// before the payment is charged (billing's receiver): go-livepeer's order.
import { zeroAddress, type Address } from 'viem';
import type { Capabilities } from '../../market/index.js';
import { incompatibility } from '../../market/index.js';
import type { SegData } from '../../wire/index.js';
import { AuthTokenError, HeaderDecodeError, WireLimitError, WireSignatureError, verifySegmentCredentials } from '../../wire/index.js';
import type { HeaderValue } from '../../wire/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import { OrchestratorError } from './errors.js';

export interface VerifySegmentOptions {
  sender: Address | undefined;
  offchain: boolean;
  authSecret: Uint8Array;
  orchCaps: Capabilities;
  /** Unix seconds (tests); default the clock. */
  now?: bigint;
}

/**
 * go-livepeer verifySegCreds: decode, signature by the payment's sender (skipped offchain),
 * capability compatibility, auth token. All failures are 403.
 */
export function verifySegment(value: HeaderValue, opts: VerifySegmentOptions): SegData {
  return checkCompatible(verifyCredentials(value, opts), opts.orchCaps).seg;
}

interface Verified {
  seg: SegData;
  /** The gateway's capabilities, decoded once (undefined: none sent). */
  caps: Capabilities | undefined;
}

function verifyCredentials(value: HeaderValue, opts: VerifySegmentOptions): Verified {
  let seg: SegData;
  try {
    seg = verifySegmentCredentials(value, {
      sender: opts.offchain ? undefined : (opts.sender ?? zeroAddress),
      authSecret: opts.authSecret,
      ...(opts.now === undefined ? {} : { now: opts.now }),
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof WireSignatureError) throw new OrchestratorError('BAD_SEGMENT_SIGNATURE', 403, msg, { reason: err.reason, cause: err });
    if (err instanceof AuthTokenError) throw new OrchestratorError('AUTH_TOKEN', 403, msg, { reason: err.code, cause: err });
    if (err instanceof HeaderDecodeError || err instanceof WireLimitError) throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { reason: err.code, cause: err });
    throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { cause: err });
  }
  return { seg, caps: seg.capabilities ? capabilitiesFromWire(seg.capabilities) : undefined };
}

function checkCompatible(v: Verified, orchCaps: Capabilities): Verified {
  // Absent capabilities count as compatible (go-livepeer treats nil as the empty set here).
  if (v.caps) {
    const why = incompatibility(v.caps, orchCaps);
    if (why) throw new OrchestratorError('INCOMPATIBLE_CAPABILITIES', 403, `incompatible capabilities (${why.kind})`, { reason: why.kind });
  }
  return v;
}

/** Verified credentials kept; enough for the gateways × jobs' manifests of a busy node. */
export const SEGMENT_CACHE_ENTRIES = 2048;

/**
 * verifySegment with the work done once per distinct header: a gateway sends the same signed
 * credentials with every job of a (session, manifest), and the signature recovery, HMAC and
 * protobuf decode cost more than the rest of the job's handling. A hit is the same header bytes
 * checked against the same sender (so the same signature and HMAC outcome); what can change
 * since — the auth token's expiry and the capability check — is checked again on every use. Only
 * headers that passed are kept, in a bounded LRU. The SegData returned is shared: read it only.
 */
export class SegmentVerifier {
  readonly #cache = new Map<string, Verified>();
  readonly #max: number;

  constructor(private readonly o: { offchain: boolean; authSecret: Uint8Array; maxEntries?: number; now?: () => bigint }) {
    this.#max = o.maxEntries ?? SEGMENT_CACHE_ENTRIES;
  }

  verify(value: HeaderValue, sender: Address | undefined, orchCaps: Capabilities): SegData {
    const now = this.o.now?.() ?? BigInt(Math.floor(Date.now() / 1000));
    const opts: VerifySegmentOptions = { sender, offchain: this.o.offchain, authSecret: this.o.authSecret, orchCaps, now };
    if (typeof value !== 'string') return verifySegment(value, opts);
    const key = `${this.o.offchain ? '-' : (sender ?? zeroAddress).toLowerCase()}\n${value}`;
    const hit = this.#cache.get(key);
    if (hit) {
      const exp = hit.seg.authToken?.expiration;
      if (exp !== undefined && exp >= now) {
        // Most recently used last: the first key is the one to evict.
        this.#cache.delete(key);
        this.#cache.set(key, hit);
        return checkCompatible(hit, orchCaps).seg;
      }
      // Expired: the full check below answers it (with its own error).
      this.#cache.delete(key);
    }
    const v = verifyCredentials(value, opts);
    if (v.seg.authToken !== undefined) {
      this.#cache.set(key, v);
      if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    }
    return checkCompatible(v, orchCaps).seg;
  }

  get size(): number {
    return this.#cache.size;
  }
}
