// POST /generate-live-payment body → what the signer works on, as Go's json.Decode into
// RemotePaymentRequest reads it: field names matched case-insensitively, []byte fields standard
// base64 with padding (CR/LF ignored, as Go's decoder does), null = absent, protobuf via src/wire.
import { JsonNumber } from '../market/index.js';
import { CapabilitiesSchema, OrchestratorInfoSchema, decodeBase64Strict, decodeMessage, type Capabilities, type OrchestratorInfo } from '../wire/index.js';
import { badRequest } from './errors.js';
import { goField } from './gojson.js';

export interface RawMaxPrice {
  /** The price's text as sent (a JSON number's literal, or a string). */
  price: string;
  currency: string;
  unit: string;
}

export interface DecodedRequest {
  hasState: boolean;
  stateBytes: Uint8Array;
  sigBytes: Uint8Array;
  /** The state's and signature's base64 text as sent ('' when absent): what the signer's caches compare. */
  stateText: string;
  sigText: string;
  /** The orchestrator's and capabilities' base64 text as sent ('' when absent). */
  orchestratorText: string;
  capabilitiesText: string;
  orchestrator: OrchestratorInfo;
  manifestId: string;
  app: string;
  inPixels: bigint;
  type: string;
  maxPrice: RawMaxPrice | undefined;
  capabilities: Capabilities | undefined;
}

const I64_MAX = (1n << 63n) - 1n;

function str(obj: Record<string, unknown>, name: string): string {
  const v = goField(obj, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw badRequest(`json: cannot unmarshal ${kind(v)} into Go struct field RemotePaymentRequest.${name} of type string`);
  return v;
}

function kind(v: unknown): string {
  if (v instanceof JsonNumber || typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

const textOf = (obj: Record<string, unknown>, name: string): string => {
  const v = goField(obj, name);
  return typeof v === 'string' ? v : '';
};

function bytes(obj: Record<string, unknown>, name: string, field: string): Uint8Array {
  const v = goField(obj, name);
  if (v === undefined || v === null) return new Uint8Array(0);
  if (typeof v !== 'string') throw badRequest(`json: cannot unmarshal ${kind(v)} into Go struct field ${field} of type []uint8`);
  const b = decodeBase64Strict(v);
  if (b === undefined) throw badRequest(`illegal base64 data in ${field}: standard base64 with '=' padding is required`);
  return b;
}

function int64(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  const text = v instanceof JsonNumber ? v.text : typeof v === 'bigint' ? v.toString() : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
  if (text === undefined || !/^-?(0|[1-9]\d*)$/.test(text) || BigInt(text) > I64_MAX || BigInt(text) < -I64_MAX - 1n) {
    throw badRequest(`json: cannot unmarshal ${kind(v)} ${String(v)} into Go struct field RemotePaymentRequest.inPixels of type int64`);
  }
  return BigInt(text);
}

function maxPrice(v: unknown): RawMaxPrice | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) throw badRequest(`json: cannot unmarshal ${kind(v)} into Go struct field RemotePaymentRequest.maxPrice of type runner.LiveRunnerPriceInfo`);
  const o = v as Record<string, unknown>;
  const p = goField(o, 'price');
  let price: string;
  if (p === undefined || p === null) price = '';
  else if (p instanceof JsonNumber) price = p.text;
  else if (typeof p === 'number' || typeof p === 'bigint') price = String(p);
  // json.Number takes a string only when it holds a valid JSON number.
  else if (typeof p === 'string' && (p === '' || /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(p))) price = p;
  else throw badRequest(`json: invalid number literal, trying to unmarshal ${JSON.stringify(JSON.stringify(p))} into Number`);
  const text = (name: string): string => {
    const x = goField(o, name);
    if (x === undefined || x === null) return '';
    if (typeof x !== 'string') throw badRequest(`json: cannot unmarshal ${kind(x)} into Go struct field LiveRunnerPriceInfo.maxPrice.${name} of type string`);
    return x;
  };
  return { price, currency: text('currency'), unit: text('unit') };
}

/**
 * Decodes and checks the request up to the OrchestratorInfo's price and ticket params (go-livepeer's
 * order and texts). `orchestrators` caches the OrchestratorInfos that passed those checks by their
 * base64 text (a gateway sends the same one on every call of a session; texts longer than
 * `maxCachedText` are not kept): a hit skips the base64 and protobuf decoding, and the same text
 * always decodes to the same message. The cached messages are shared: nothing may change them.
 */
export function decodeRequest(
  body: unknown, orchestrators?: Map<string, OrchestratorInfo>, maxCachedText = Infinity,
  /** True for a state (base64 State and Sig texts) the signer issued itself: its bytes are then decoded only if asked for. */
  issued?: (stateText: string, sigText: string) => boolean,
): DecodedRequest {
  if (body === null || body === undefined) throw badRequest('missing orchestrator');
  if (typeof body !== 'object' || Array.isArray(body) || body instanceof JsonNumber) throw badRequest(`json: cannot unmarshal ${kind(body)} into Go value of type server.RemotePaymentRequest`);
  const obj = body as Record<string, unknown>;
  const st = goField(obj, 'state');
  let stateBytes: Uint8Array = new Uint8Array(0);
  let sigBytes: Uint8Array = new Uint8Array(0);
  let stateText = '';
  let sigText = '';
  // An issued state's texts are the signer's own valid base64 (both non-empty): nothing to check,
  // and the bytes are rarely needed (a state we issued skips recovery and decoding).
  let lazy = false;
  if (st !== undefined && st !== null) {
    if (typeof st !== 'object' || Array.isArray(st) || st instanceof JsonNumber) throw badRequest(`json: cannot unmarshal ${kind(st)} into Go struct field RemotePaymentRequest.state of type server.RemotePaymentStateSig`);
    stateText = textOf(st as Record<string, unknown>, 'State');
    sigText = textOf(st as Record<string, unknown>, 'Sig');
    lazy = stateText !== '' && sigText !== '' && issued !== undefined && issued(stateText, sigText);
    if (!lazy) {
      stateBytes = bytes(st as Record<string, unknown>, 'State', 'RemotePaymentRequest.state.State');
      sigBytes = bytes(st as Record<string, unknown>, 'Sig', 'RemotePaymentRequest.state.Sig');
    }
  }
  const orchestratorText = textOf(obj, 'orchestrator');
  const known = orchestratorText === '' ? undefined : orchestrators?.get(orchestratorText);
  const orch = known ? undefined : bytes(obj, 'orchestrator', 'RemotePaymentRequest.orchestrator');
  const manifestId = str(obj, 'ManifestID');
  const app = str(obj, 'app');
  const inPixels = int64(goField(obj, 'inPixels'));
  const type = str(obj, 'type');
  const mp = maxPrice(goField(obj, 'maxPrice'));
  const capsBytes = bytes(obj, 'capabilities', 'RemotePaymentRequest.capabilities');
  let orchestrator: OrchestratorInfo;
  if (known) orchestrator = known;
  else {
    if (orch!.length === 0) throw badRequest('missing orchestrator');
    try {
      orchestrator = decodeMessage(OrchestratorInfoSchema, orch!);
    } catch (err) {
      throw badRequest((err as Error).message, err);
    }
    const p = orchestrator.priceInfo;
    if (!p || p.pricePerUnit === 0n || p.pixelsPerUnit === 0n) throw badRequest('missing or zero priceInfo');
    if (!orchestrator.ticketParams) throw badRequest('missing ticketParams in OrchestratorInfo');
    if (orchestratorText.length <= maxCachedText) orchestrators?.set(orchestratorText, orchestrator);
  }
  let capabilities: Capabilities | undefined;
  if (capsBytes.length > 0) {
    try {
      capabilities = decodeMessage(CapabilitiesSchema, capsBytes);
    } catch (err) {
      throw badRequest((err as Error).message, err);
    }
  }
  const out: DecodedRequest = {
    hasState: lazy || stateBytes.length !== 0 || sigBytes.length !== 0, stateBytes, sigBytes, stateText, sigText,
    orchestratorText, capabilitiesText: textOf(obj, 'capabilities'),
    orchestrator, manifestId, app, inPixels, type, maxPrice: mp, capabilities,
  };
  if (lazy) {
    let sb: Uint8Array | undefined;
    let gb: Uint8Array | undefined;
    Object.defineProperty(out, 'stateBytes', { get: () => (sb ??= decodeBase64Strict(stateText)!), enumerable: true });
    Object.defineProperty(out, 'sigBytes', { get: () => (gb ??= decodeBase64Strict(sigText)!), enumerable: true });
  }
  return out;
}
