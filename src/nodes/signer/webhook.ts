// The auth webhook client (go-livepeer authLivePayment, #3897): the signer's SignerAuthorizer.
// POST <-remoteSignerWebhookUrl> with JSON {"headers": the incoming request's headers as Go's
// map[string][]string (canonical names), "state": RemotePaymentState after the call's updates, Go's
// field names and order} and the -remoteSignerWebhookHeaders, 5 s timeout. The answer:
//  - HTTP status ≠ 200, a body that is not JSON (or above 64 KiB), `status` missing or ≤ 0 → a
//    SignerWebhookError, 500 (go-livepeer: 500, "Internal Server Error" on the wire);
//  - a `maxPrice` that is not a positive wei price in the job type's unit → SignerWebhookError 502
//    (go-livepeer http.StatusBadGateway);
//  - otherwise the decision: `status` (200 = allowed; anything else goes back to the gateway with
//    `reason`, go-livepeer's default reason when empty), `expiry`, `auth_id`, `maxPrice`.
// Keys are matched case-insensitively and typed as Go's json.Unmarshal does (a quoted status is an
// error, not a number). The skip while `AuthExpiry` is still valid is the service's (it knows the
// state); this client is called only when the webhook must run.
import { Rat } from '../../money/index.js';
import { JsonNumber, parseDecimal, parseJsonKeepingNumbers } from '../../market/index.js';
import type { RemotePaymentState, SignerAuthDecision, SignerAuthorizer, SignerCallContext, SignerJobType, SignerMaxPrice } from '../../signer/index.js';
import { SignerWebhookError } from './errors.js';

export const WEBHOOK_TIMEOUT_MS = 5_000;
export const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookAuthorizerOptions {
  url: string;
  /** -remoteSignerWebhookHeaders, set on every webhook request (after Content-Type, as go-livepeer). */
  headers?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /**
   * Incoming headers not forwarded (lower-case). The node drops `authorization` when it checked an
   * -authToken itself: that token is the signer's secret, not the caller's identity.
   */
  dropHeaders?: readonly string[];
}

/** Go's textproto.CanonicalMIMEHeaderKey for a header name made of token characters. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) return name;
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p === '' ? p : p[0]!.toUpperCase() + p.slice(1)))
    .join('-');
}

/** RemotePaymentState as Go's json.Marshal writes it: Go's field names, in struct order, integers as JSON numbers. */
export function goStateJson(s: RemotePaymentState): string {
  const q = JSON.stringify;
  return (
    `{"StateID":${q(s.StateID)},"PMSessionID":${q(s.PMSessionID)},"LastUpdate":${q(s.LastUpdate)},"OrchestratorAddress":${q(s.OrchestratorAddress)},` +
    `"App":${q(s.App)},"AuthExpiry":${s.AuthExpiry},"SenderNonce":${s.SenderNonce},"Balance":${q(s.Balance)},` +
    `"InitialPricePerUnit":${s.InitialPricePerUnit},"InitialPixelsPerUnit":${s.InitialPixelsPerUnit},"Type":${q(s.Type)},` +
    `"SequenceNumber":${s.SequenceNumber},"AuthID":${q(s.AuthID)}}`
  );
}

function headersJson(headers: SignerCallContext['headers'], drop: ReadonlySet<string>): string {
  const out: Record<string, string[]> = {};
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined || drop.has(name.toLowerCase())) continue;
    const key = canonicalHeaderKey(name);
    (out[key] ??= []).push(...(Array.isArray(v) ? v : [v]));
  }
  return JSON.stringify(out);
}

/** go-livepeer's maxPrice unit per payment type (parseRemotePaymentMaxPrice). */
const UNIT_FOR_TYPE: Partial<Record<SignerJobType, string>> = { live: 'seconds', lv2v: '720p-pixel-seconds', fixed: 'fixed' };

const INT64_MAX = (1n << 63n) - 1n;

function fail(message: string, status: 500 | 502 = 500, cause?: unknown): SignerWebhookError {
  return new SignerWebhookError(message, status, cause === undefined ? {} : { cause });
}

/** Go's json.Unmarshal of a number into an int / int64: an integer literal in range, nothing else. */
function goInt(field: string, v: unknown, max: bigint): bigint {
  if (!(v instanceof JsonNumber) || !/^-?\d+$/.test(v.text)) throw fail(`signer auth invalid response: ${field} is not an integer`);
  const n = BigInt(v.text);
  if (n > max || n < -max - 1n) throw fail(`signer auth invalid response: ${field} is out of range`);
  return n;
}

function goString(field: string, v: unknown): string {
  if (typeof v !== 'string') throw fail(`signer auth invalid response: ${field} is not a string`);
  return v;
}

/** The object's fields by lower-cased key, later keys winning (Go's case-insensitive match). */
function folded(o: unknown): Map<string, unknown> | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o instanceof JsonNumber) return undefined;
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) m.set(k.toLowerCase(), v);
  return m;
}

function parseMaxPrice(v: unknown, type: SignerJobType): SignerMaxPrice {
  const f = folded(v);
  if (!f) throw fail('signer auth invalid response: maxPrice is not an object');
  const priceRaw = f.get('price');
  // json.Number takes a number or a numeric string.
  const text = priceRaw instanceof JsonNumber ? priceRaw.text : typeof priceRaw === 'string' ? priceRaw.trim() : undefined;
  const currency = f.get('currency') ?? '';
  const unit = f.get('unit') ?? '';
  if (typeof currency !== 'string' || typeof unit !== 'string') throw fail('signer auth invalid response: maxPrice.currency and maxPrice.unit must be strings');
  const price = text === undefined ? undefined : parseFraction(text);
  if (price === undefined || !price.gt(0n)) throw fail('signer auth invalid maxPrice: maxPrice.price must be a positive decimal', 502);
  if (currency.trim().toLowerCase() !== 'wei') throw fail('signer auth invalid maxPrice: maxPrice.currency must be wei', 502);
  const expected = UNIT_FOR_TYPE[type];
  if (expected === undefined) throw fail('signer auth invalid maxPrice: maxPrice requires payment type live, lv2v, or fixed', 502);
  if (unit.trim().toLowerCase() !== expected) throw fail(`signer auth invalid maxPrice: maxPrice.unit must be ${expected} for payment type ${type}`, 502);
  return { price: text!, currency: currency.trim().toLowerCase(), unit: expected };
}

/** big.Rat SetString: a decimal ("0.5", "1e3") or a fraction ("7/3"). */
function parseFraction(text: string): Rat | undefined {
  const m = /^([+-]?\d+)\/(\d+)$/.exec(text);
  if (m) return BigInt(m[2]!) === 0n ? undefined : Rat.of(BigInt(m[1]!), BigInt(m[2]!));
  return parseDecimal(text);
}

async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw fail(`signer auth invalid response: body above ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createWebhookAuthorizer(o: WebhookAuthorizerOptions): SignerAuthorizer {
  const timeoutMs = o.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const max = o.maxResponseBytes ?? WEBHOOK_MAX_RESPONSE_BYTES;
  const drop = new Set((o.dropHeaders ?? []).map((h) => h.toLowerCase()));
  const extra = Object.entries(o.headers ?? {});
  return {
    async authorize(state: RemotePaymentState, ctx: SignerCallContext): Promise<SignerAuthDecision> {
      const body = `{"headers":${headersJson(ctx.headers, drop)},"state":${goStateJson(state)}}`;
      const headers = new Headers({ 'content-type': 'application/json' });
      for (const [k, v] of extra) headers.set(k, v);
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
      let text: string;
      try {
        const res = await fetch(o.url, { method: 'POST', headers, body, signal, redirect: 'error' });
        if (res.status !== 200) {
          await res.body?.cancel().catch(() => {});
          throw fail(`signer auth error status ${res.status}`);
        }
        text = await readBounded(res, max);
      } catch (err) {
        if (err instanceof SignerWebhookError) throw err;
        throw fail(`failed to call remote signer webhook: ${(err as Error).message}`, 500, err);
      }
      let doc: unknown;
      try {
        doc = parseJsonKeepingNumbers(text);
      } catch (err) {
        throw fail(`signer auth invalid response: ${(err as Error).message}`, 500, err);
      }
      const f = folded(doc);
      if (!f) throw fail('signer auth invalid response: not a JSON object');
      const statusRaw = f.get('status');
      if (statusRaw === undefined || statusRaw === null) throw fail('signer auth invalid status');
      const status = goInt('status', statusRaw, INT64_MAX);
      if (status <= 0n) throw fail('signer auth invalid status');
      const decision: SignerAuthDecision = {
        // An HTTP status must be three digits (Go's WriteHeader panics otherwise): anything else is the webhook's fault.
        status: status >= 100n && status <= 999n ? Number(status) : 500,
      };
      const reason = f.get('reason');
      if (reason !== undefined && reason !== null) decision.reason = goString('reason', reason);
      const expiry = f.get('expiry');
      if (expiry !== undefined && expiry !== null) decision.expiry = goInt('expiry', expiry, INT64_MAX);
      const authId = f.get('auth_id');
      if (authId !== undefined && authId !== null) {
        const id = goString('auth_id', authId);
        if (id !== '') decision.authId = id;
      }
      if (decision.status !== 200 && !decision.reason) decision.reason = `signer auth rejected request with status ${status}`;
      const maxPrice = f.get('maxprice');
      // go-livepeer checks maxPrice only on an allowed call (a refusal returns before it).
      if (decision.status === 200 && maxPrice !== undefined && maxPrice !== null) decision.maxPrice = parseMaxPrice(maxPrice, state.Type);
      return decision;
    },
  };
}
