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

/**
 * go-livepeer verifySegCreds: decode, signature by the payment's sender (skipped offchain),
 * capability compatibility, auth token. All failures are 403.
 */
export function verifySegment(
  value: HeaderValue,
  opts: { sender: Address | undefined; offchain: boolean; authSecret: Uint8Array; orchCaps: Capabilities },
): SegData {
  let seg: SegData;
  try {
    seg = verifySegmentCredentials(value, { sender: opts.offchain ? undefined : (opts.sender ?? zeroAddress), authSecret: opts.authSecret });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof WireSignatureError) throw new OrchestratorError('BAD_SEGMENT_SIGNATURE', 403, msg, { reason: err.reason, cause: err });
    if (err instanceof AuthTokenError) throw new OrchestratorError('AUTH_TOKEN', 403, msg, { reason: err.code, cause: err });
    if (err instanceof HeaderDecodeError || err instanceof WireLimitError) throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { reason: err.code, cause: err });
    throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { cause: err });
  }
  // Absent capabilities count as compatible (go-livepeer treats nil as the empty set here).
  if (seg.capabilities) {
    const why = incompatibility(capabilitiesFromWire(seg.capabilities), opts.orchCaps);
    if (why) throw new OrchestratorError('INCOMPATIBLE_CAPABILITIES', 403, `incompatible capabilities (${why.kind})`, { reason: why.kind });
  }
  return seg;
}
