// The gateway's HTTP client of a remote signer (go-livepeer server/remote_signer.go, the gateway side
// in server/live_payment.go remotePaymentSender and starter.go): POST /sign-orchestrator-info once at
// start, POST /generate-live-payment per payment. Every call carries -remoteSignerHeaders (and only
// signer calls do), has a timeout, is cancellable, and reads at most `maxBodyBytes` of the answer.
// The answer is returned by status for the session (session.ts) to decide on: 200, 480, 481, 482, 409
// and the rest, with the signer's error.code. What the signer said last is kept for the status API.
import { getAddress } from 'viem';
import { SIGNER_PATHS, type GenerateLivePaymentRequestWire, type SignedStateWire } from '../../../signer/index.js';
import { fromHex, orchestratorRequestHash, recoverPersonalSigner } from '../../../wire/index.js';
import { SignerClientError } from './errors.js';

/** go-livepeer's paymentRequestTimeout (the signer client's http.Client timeout). */
export const SIGNER_CALL_TIMEOUT_MS = 60_000;
/** A signer answer is a few KiB (≤ 100 tickets); anything past this is not a signer. */
export const SIGNER_MAX_BODY_BYTES = 1024 * 1024;

/**
 * go-livepeer's rule for -remoteSignerUrl: parsed as a URL; when it has no scheme or no host
 * ("host:port", "host"), "https://" is prepended. Throws on what is not a URL even then.
 */
export function normalizeSignerUrl(raw: string): string {
  const s = raw.trim();
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  // "localhost:8935" parses as scheme "localhost:" with no host: Go sees an empty Host too.
  if (!u || u.host === '' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) u = new URL(`https://${s}`);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`-remoteSignerUrl ${raw} must be an http:// or https:// URL`);
  return u.toString().replace(/\/+$/, '');
}

/** go-livepeer parseHeaderMap: "k:v,k2:v2", split on the first ':', trimmed, empty keys dropped. */
export function parseSignerHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k !== '') out[k] = part.slice(i + 1).trim();
  }
  return out;
}

/** One answer of /generate-live-payment, by status. */
export type SignerReply =
  | { status: 200; payment: string; segCreds: string; state: SignedStateWire }
  | {
      status: number;
      /** The signer's error.code (ours; go-livepeer's signer sends none). */
      code: string | undefined;
      message: string;
      /** 482: the unchanged state; 409: the latest state the signer issued. */
      state: SignedStateWire | undefined;
      retryAfterMs: number | undefined;
      latestSequenceNumber: string | undefined;
      /** 480: Livepeer-Orchestrator-URL. */
      orchestratorUrl: string | undefined;
    };

/** What the signer said last, for the gateway's status. */
export interface SignerLastAnswer {
  path: string;
  /** HTTP status, or 0 when it could not be reached. */
  status: number;
  code: string | undefined;
  at: number;
}

export interface RemoteSignerStatus {
  url: string;
  address: string | undefined;
  last: SignerLastAnswer | undefined;
  /** /generate-live-payment answers by status ("0" = unreachable). */
  calls: Record<string, number>;
}

export interface RemoteSignerClientOptions {
  /** Already normalised (normalizeSignerUrl). */
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxBodyBytes?: number;
  now?: () => number;
}

/** Case-insensitive key lookup, as Go's encoding/json matches keys. */
function field(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const rec = obj as Record<string, unknown>;
  if (key in rec) return rec[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

function stateOf(v: unknown): SignedStateWire | undefined {
  const State = field(v, 'State');
  const Sig = field(v, 'Sig');
  return typeof State === 'string' && typeof Sig === 'string' ? { State, Sig } : undefined;
}

export class RemoteSignerClient {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #maxBody: number;
  readonly #now: () => number;
  #address: string | undefined;
  #last: SignerLastAnswer | undefined;
  readonly #calls: Record<string, number> = {};

  constructor(o: RemoteSignerClientOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.#headers = { ...(o.headers ?? {}) };
    this.#timeoutMs = o.timeoutMs ?? SIGNER_CALL_TIMEOUT_MS;
    this.#maxBody = o.maxBodyBytes ?? SIGNER_MAX_BODY_BYTES;
    this.#now = o.now ?? Date.now;
  }

  status(): RemoteSignerStatus {
    return { url: this.url, address: this.#address, last: this.#last ? { ...this.#last } : undefined, calls: { ...this.#calls } };
  }

  #record(path: string, status: number, code: string | undefined): void {
    this.#last = { path, status, code, at: this.#now() };
    if (path === SIGNER_PATHS.generateLivePayment) this.#calls[String(status)] = (this.#calls[String(status)] ?? 0) + 1;
  }

  async #post(path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const s = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method: 'POST',
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.#headers },
        ...(body === undefined ? {} : { body }),
        signal: s,
      });
    } catch (err) {
      this.#record(path, 0, undefined);
      signal?.throwIfAborted();
      const why = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : (err as Error).message;
      throw new SignerClientError('GW_SIGNER_UNREACHABLE', `remote signer ${this.url}${path}: ${why}`, { cause: err });
    }
    let text: string;
    try {
      text = await this.#readBounded(res, path);
    } catch (err) {
      this.#record(path, res.status, undefined);
      signal?.throwIfAborted();
      if (err instanceof SignerClientError) throw err;
      throw new SignerClientError('GW_SIGNER_UNREACHABLE', `remote signer ${this.url}${path}: reading the answer failed: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  async #readBounded(res: Response, path: string): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > this.#maxBody) {
      await res.body?.cancel().catch(() => {});
      throw new SignerClientError('GW_SIGNER_BAD_REPLY', `remote signer ${this.url}${path}: a ${declared}-byte answer, above the ${this.#maxBody}-byte limit`);
    }
    if (!res.body) return '';
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > this.#maxBody) {
        await reader.cancel().catch(() => {});
        throw new SignerClientError('GW_SIGNER_BAD_REPLY', `remote signer ${this.url}${path}: the answer is above the ${this.#maxBody}-byte limit`);
      }
      parts.push(value);
    }
    return Buffer.concat(parts).toString('utf8');
  }

  /**
   * POST /sign-orchestrator-info (no body, as go-livepeer's gateway): the signer's address and its
   * signature for OrchestratorRequest. The signature is checked to recover to the address.
   */
  async signOrchestratorInfo(signal?: AbortSignal): Promise<{ address: `0x${string}`; signature: Uint8Array }> {
    const path = SIGNER_PATHS.signOrchestratorInfo;
    let r;
    try {
      r = await this.#post(path, undefined, signal);
    } catch (err) {
      throw new SignerClientError('GW_SIGNER_START', `cannot query the remote signer: ${(err as Error).message}`, { fatal: true, cause: err });
    }
    const code = field(field(r.json, 'error'), 'code');
    this.#record(path, r.status, typeof code === 'string' ? code : undefined);
    if (r.status !== 200) {
      throw new SignerClientError('GW_SIGNER_START', `the remote signer ${this.url}${path} answered ${r.status}: ${r.text.slice(0, 300)}`, { status: r.status, fatal: true, ...(typeof code === 'string' ? { remoteCode: code } : {}) });
    }
    const address = field(r.json, 'address');
    const signature = field(r.json, 'signature');
    if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address) || typeof signature !== 'string') {
      throw new SignerClientError('GW_SIGNER_START', `the remote signer ${this.url}${path} answered without a usable address and signature: ${r.text.slice(0, 300)}`, { fatal: true });
    }
    let sig: Uint8Array;
    let recovered: string;
    try {
      sig = fromHex(signature, 'signature', 65);
      recovered = recoverPersonalSigner(orchestratorRequestHash(address), sig);
    } catch (err) {
      throw new SignerClientError('GW_SIGNER_START', `the remote signer's signature is unusable: ${(err as Error).message}`, { fatal: true, cause: err });
    }
    const checksummed = getAddress(address);
    if (recovered !== checksummed) {
      throw new SignerClientError('GW_SIGNER_START', `the remote signer's signature recovers to ${recovered}, not its address ${checksummed}`, { fatal: true });
    }
    this.#address = checksummed;
    return { address: checksummed, signature: sig };
  }

  /**
   * POST /generate-live-payment. `inPixels` (int64) is written as a JSON number, exactly, however
   * large (Go's int64 field takes no string). Throws SignerClientError only when there is no answer
   * to decide on (unreachable, timeout, an unusable 200); every status is returned.
   */
  async generateLivePayment(req: Omit<GenerateLivePaymentRequestWire, 'inPixels'> & { inPixels?: bigint | number }, signal?: AbortSignal): Promise<SignerReply> {
    const path = SIGNER_PATHS.generateLivePayment;
    const { inPixels, ...rest } = req;
    let body = JSON.stringify(rest);
    if (inPixels !== undefined) body = `${body.slice(0, -1)}${body === '{}' ? '' : ','}"inPixels":${BigInt(inPixels).toString()}}`;
    const r = await this.#post(path, body, signal);
    if (r.status === 200) {
      const payment = field(r.json, 'payment');
      const segCreds = field(r.json, 'segCreds');
      const state = stateOf(field(r.json, 'state'));
      if (typeof payment !== 'string' || typeof segCreds !== 'string' || !state) {
        this.#record(path, 200, 'GW_SIGNER_BAD_REPLY');
        throw new SignerClientError('GW_SIGNER_BAD_REPLY', `the remote signer answered 200 without payment, segCreds and state: ${r.text.slice(0, 300)}`);
      }
      this.#record(path, 200, undefined);
      return { status: 200, payment, segCreds, state };
    }
    const err = field(r.json, 'error');
    const code = field(err, 'code');
    const message = field(err, 'message');
    const retry = field(err, 'retryAfterMs');
    const seq = field(err, 'latestSequenceNumber');
    const out: SignerReply = {
      status: r.status,
      code: typeof code === 'string' ? code : undefined,
      message: typeof message === 'string' ? message : r.text.slice(0, 500),
      state: stateOf(field(r.json, 'state')),
      retryAfterMs: typeof retry === 'number' && Number.isFinite(retry) && retry >= 0 ? retry : undefined,
      latestSequenceNumber: typeof seq === 'string' || typeof seq === 'number' ? String(seq) : undefined,
      orchestratorUrl: r.headers.get('livepeer-orchestrator-url') ?? undefined,
    };
    this.#record(path, r.status, out.code);
    return out;
  }
}
