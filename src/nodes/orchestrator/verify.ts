// Per-request checks in go-livepeer's order: Livepeer-Payment (402), Livepeer-Segment (403), and
// the ticket batch through pm's Recipient (400), crediting EV to (sender, manifest).
import { zeroAddress, type Address } from 'viem';
import type { Balances } from '../../billing/index.js';
import { Rat } from '../../money/index.js';
import type { Capabilities } from '../../market/index.js';
import { incompatibility } from '../../market/index.js';
import type { Recipient } from '../../pm/index.js';
import type { DecodedPayment, SegData } from '../../wire/index.js';
import { AuthTokenError, HeaderDecodeError, WireError, WireSignatureError, decodePaymentHeader, paymentFromWire, verifySegmentCredentials } from '../../wire/index.js';
import type { HeaderValue } from '../../wire/index.js';
import { capabilitiesFromWire } from '../common/index.js';
import { OrchestratorError } from './errors.js';
import type { StatsCollector } from './stats.js';

/** Decodes Livepeer-Payment; 402 when missing (on chain) or garbled. Offchain, a missing header is an empty payment. */
export function decodePayment(value: HeaderValue, offchain: boolean): DecodedPayment {
  try {
    return paymentFromWire(decodePaymentHeader(value, { required: !offchain }));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new OrchestratorError('PAYMENT_INVALID', 402, msg, { reason: err instanceof WireError ? err.code : undefined, cause: err });
  }
}

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
    if (err instanceof HeaderDecodeError) throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { reason: err.code, cause: err });
    throw new OrchestratorError('SEGMENT_INVALID', 403, msg, { cause: err });
  }
  // Absent capabilities count as compatible (go-livepeer treats nil as the empty set here).
  if (seg.capabilities) {
    const why = incompatibility(capabilitiesFromWire(seg.capabilities), opts.orchCaps);
    if (why) throw new OrchestratorError('INCOMPATIBLE_CAPABILITIES', 403, `incompatible capabilities (${why.kind})`, { reason: why.kind });
  }
  return seg;
}

/**
 * go-livepeer ProcessPayment: no ticket params = nothing to process; the first priced payment fixes
 * the price for (sender, manifest); every ticket goes through the Recipient; the EV of credited
 * tickets goes to Balances even when a later ticket fails; any error → 400 with its reason.
 */
export async function processPayment(
  payment: DecodedPayment,
  manifest: string,
  deps: { recipient: Recipient; balances: Balances; stats: StatsCollector },
): Promise<void> {
  if (!payment.ticketParams || !payment.sender) return;
  const sender = payment.sender;
  if (payment.expectedPrice && deps.balances.fixedPrice(sender, manifest) === undefined) {
    deps.balances.setFixedPrice(sender, manifest, priceOf(payment.expectedPrice));
  }
  if (payment.tickets.length === 0) return;
  const res = await deps.recipient.processPayment({
    params: payment.ticketParams,
    expirationParams: payment.expirationParams,
    sender,
    senderParams: payment.senderParams,
  });
  const valid = res.tickets.filter((t) => t.credited).length;
  deps.stats.ticketsSeen(res.tickets.length, valid, res.winners);
  if (!res.credited.isZero()) {
    deps.balances.credit(sender, manifest, res.credited);
    deps.stats.credited(res.credited);
  }
  if (res.error) {
    throw new OrchestratorError('PAYMENT_REJECTED', 400, res.error.message, { reason: res.error.code, fatal: res.error.fatal, cause: res.error });
  }
}

function priceOf(p: { pricePerUnit: bigint; pixelsPerUnit: bigint }) {
  return Rat.of(p.pricePerUnit, p.pixelsPerUnit);
}
