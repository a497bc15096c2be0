// Protobuf bytes ↔ messages with typed errors, and the two payment headers go-livepeer sends on
// every paid request: `Livepeer-Payment` = base64(net.Payment) and `Livepeer-Segment` =
// base64(net.SegData), both standard base64 with padding.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { PaymentSchema, SegDataSchema, type Payment, type SegData } from './gen/net/lp_rpc_pb.js';
import { decodeBase64Strict, encodeBase64 } from './bytes.js';
import { HeaderDecodeError, WireError } from './errors.js';
import { WIRE_LIMITS, WireLimitError, checkCapabilitiesLimits, checkPaymentLimits } from './limits.js';

export const PAYMENT_HEADER = 'Livepeer-Payment';
export const SEGMENT_HEADER = 'Livepeer-Segment';

/** Serializes a message (fields in number order, as Go does; unknown fields kept). */
export function encodeMessage<Desc extends DescMessage>(schema: Desc, msg: MessageShape<Desc>): Uint8Array {
  return toBinary(schema, msg);
}

/** Parses protobuf bytes; malformed input → WireError WIRE_BAD_PROTOBUF. Unknown fields are kept. */
export function decodeMessage<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw new WireError('WIRE_BAD_PROTOBUF', `not a valid ${schema.typeName} protobuf message (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** A header value as node's http, fastify or fetch Headers may give it. */
export type HeaderValue = string | readonly string[] | null | undefined;

export interface HeaderDecodeOptions {
  /**
   * When false, an absent or empty header decodes to the empty message — what go-livepeer does
   * (base64 of "" is no bytes, which is a valid empty message); an offchain orchestrator relies on
   * it. Default true: a missing header is refused with WIRE_MISSING_HEADER.
   */
  required?: boolean;
}

function firstValue(v: HeaderValue): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return v[0];
}

function decodeHeader<Desc extends DescMessage>(
  schema: Desc,
  header: string,
  status: number,
  value: HeaderValue,
  opts: HeaderDecodeOptions,
  limit: 'paymentHeaderChars' | 'segmentHeaderChars',
): MessageShape<Desc> {
  const raw = firstValue(value) ?? '';
  // Checked before trimming or decoding anything: the length is all a hostile value costs us.
  if (raw.length > WIRE_LIMITS[limit]) throw new WireLimitError(limit, `${header} header length`, raw.length, { status });
  const text = raw.trim();
  if (text === '' && (opts.required ?? true)) {
    throw new HeaderDecodeError('WIRE_MISSING_HEADER', header, `missing ${header} header: send base64(${schema.typeName}) in it`, {
      status,
    });
  }
  const bytes = decodeBase64Strict(text);
  if (bytes === undefined) {
    throw new HeaderDecodeError(
      'WIRE_BAD_BASE64',
      header,
      `${header} header is not standard base64 (alphabet A-Z a-z 0-9 + /, '=' padding): encode the ${schema.typeName} bytes with standard base64`,
      { status },
    );
  }
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw new HeaderDecodeError(
      'WIRE_BAD_PROTOBUF',
      header,
      `${header} header does not hold a valid ${schema.typeName} protobuf message (${(err as Error).message})`,
      { status, cause: err },
    );
  }
}

/** base64(net.Payment bytes) for the Livepeer-Payment header. */
export function encodePaymentHeader(payment: Payment): string {
  return encodeBase64(toBinary(PaymentSchema, payment));
}

/** Livepeer-Payment → net.Payment. Errors carry status 402, as go-livepeer answers. */
export function decodePaymentHeader(value: HeaderValue, opts: HeaderDecodeOptions = {}): Payment {
  const p = decodeHeader(PaymentSchema, PAYMENT_HEADER, 402, value, opts, 'paymentHeaderChars');
  checkPaymentLimits(p);
  return p;
}

/** base64(net.SegData bytes) for the Livepeer-Segment header. */
export function encodeSegmentHeader(seg: SegData): string {
  return encodeBase64(toBinary(SegDataSchema, seg));
}

/** Livepeer-Segment → net.SegData. Errors carry status 403 (go-livepeer's ErrSegEncoding). */
export function decodeSegmentHeader(value: HeaderValue, opts: HeaderDecodeOptions = {}): SegData {
  const seg = decodeHeader(SegDataSchema, SEGMENT_HEADER, 403, value, opts, 'segmentHeaderChars');
  if (seg.capabilities) checkCapabilitiesLimits(seg.capabilities, 403);
  return seg;
}
