// One signer session (one orchestrator, one job type, one manifest): the opaque signed state the
// signer returned last, the OrchestratorInfo its calls carry, and the rules for each answer
// (docs/gateway-signer.md):
// - 200: the new state is kept (resent byte for byte next time) and the payment is used;
// - 480: the orchestrator info is refreshed (GetOrchestrator, ignoreCapacityCheck) and the call
//   retried, at most `maxRefreshes` times (go-livepeer: 3);
// - 481: GW_SIGNER_PRICE_EXCEEDED (swap or stop; never retried here);
// - 482: nothing to pay this time: the state is kept unchanged, `retryAfterMs` is passed on;
// - 409: the signer's latest state (in the body) is adopted and the call retried once.
// Calls are serialised: a second call waits for the first (two calls with one state would mint
// overlapping nonces at a go-livepeer signer, and be refused 409 by ours).
import { OrchestratorInfoSchema, encodeBase64, encodeMessage, type OrchestratorInfo } from '../../../wire/index.js';
import { SIGNER_STATUS, type SignedStateWire, type SignerJobType } from '../../../signer/index.js';
import type { RemoteSignerClient, SignerReply } from './client.js';
import { SignerClientError } from './errors.js';

/** go-livepeer remotePaymentSender: more than 3 consecutive refreshes is an error. */
export const MAX_SIGNER_REFRESHES = 3;

export interface SignerCall {
  type: SignerJobType;
  /** The orchestrator's manifest id (required by the signer once there is a state). */
  manifestId?: string;
  /** Untyped jobs: the billable units. */
  inPixels?: bigint;
  signal?: AbortSignal;
}

export type SignerPayResult =
  | { kind: 'paid'; payment: string; segCreds: string; info: OrchestratorInfo }
  /** 482: paid enough for now. */
  | { kind: 'skip'; retryAfterMs: number | undefined; info: OrchestratorInfo };

export interface SignerSessionOptions {
  client: RemoteSignerClient;
  info: OrchestratorInfo;
  /** base64 net.Capabilities sent with every call (segCreds carry them; the signer's per-capability ceilings use them). */
  capabilities?: string;
  app?: string;
  /** GetOrchestrator again (ignoreCapacityCheck): the fresh info for a 480. */
  refresh(signal?: AbortSignal): Promise<OrchestratorInfo>;
  maxRefreshes?: number;
  onRefresh?(info: OrchestratorInfo): void;
}

/** The bytes of an OrchestratorInfo as the signer gets them: the message as decoded (unknown fields kept), encoded once. */
const infoBytes = new WeakMap<OrchestratorInfo, string>();
export function orchestratorInfoBase64(info: OrchestratorInfo): string {
  let b = infoBytes.get(info);
  if (b === undefined) {
    b = encodeBase64(encodeMessage(OrchestratorInfoSchema, info));
    infoBytes.set(info, b);
  }
  return b;
}

export class SignerSession {
  #state: SignedStateWire | undefined;
  #info: OrchestratorInfo;
  #queue: Promise<unknown> = Promise.resolve();
  #last: { status: number; code: string | undefined; at: number } | undefined;

  constructor(private readonly o: SignerSessionOptions) {
    this.#info = o.info;
  }

  get info(): OrchestratorInfo {
    return this.#info;
  }
  /** The state the next call sends (undefined = a fresh session). */
  get state(): SignedStateWire | undefined {
    return this.#state;
  }
  get last(): { status: number; code: string | undefined; at: number } | undefined {
    return this.#last;
  }
  /** Replaces the info the next calls carry (e.g. a PaymentResult's fresh ticket params). */
  setInfo(info: OrchestratorInfo): void {
    this.#info = info;
  }

  /** One payment call, after the ones already queued. */
  call(c: SignerCall): Promise<SignerPayResult> {
    const run = this.#queue.then(() => this.#run(c));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #run(c: SignerCall): Promise<SignerPayResult> {
    let refreshes = 0;
    let resynced = false;
    const max = this.o.maxRefreshes ?? MAX_SIGNER_REFRESHES;
    for (;;) {
      c.signal?.throwIfAborted();
      const body = {
        ...(this.#state ? { state: this.#state } : {}),
        orchestrator: orchestratorInfoBase64(this.#info),
        ...(c.manifestId ? { ManifestID: c.manifestId } : {}),
        ...(this.o.app ? { app: this.o.app } : {}),
        type: c.type,
        ...(this.o.capabilities ? { capabilities: this.o.capabilities } : {}),
        ...(c.type === '' && c.inPixels !== undefined ? { inPixels: c.inPixels } : {}),
      };
      let r: SignerReply;
      try {
        r = await this.o.client.generateLivePayment(body, c.signal);
      } catch (err) {
        this.#last = { status: 0, code: (err as { code?: string }).code, at: Date.now() };
        throw err;
      }
      this.#last = { status: r.status, code: 'code' in r ? r.code : undefined, at: Date.now() };
      if (r.status === 200 && 'payment' in r) {
        this.#state = r.state;
        return { kind: 'paid', payment: r.payment, segCreds: r.segCreds, info: this.#info };
      }
      const e = r as Extract<SignerReply, { code: string | undefined }>;
      const what = `${e.status}${e.code ? ` ${e.code}` : ''}: ${e.message}`;
      switch (e.status) {
        case SIGNER_STATUS.REFRESH_SESSION: {
          if (refreshes >= max) throw new SignerClientError('GW_SIGNER_REFRESH_FAILED', `the remote signer still asks for a session refresh after ${refreshes} refreshes (${what})`, { status: e.status, ...(e.code ? { remoteCode: e.code } : {}) });
          refreshes++;
          let info: OrchestratorInfo;
          try {
            info = await this.o.refresh(c.signal);
          } catch (err) {
            c.signal?.throwIfAborted();
            throw new SignerClientError('GW_SIGNER_REFRESH_FAILED', `could not refresh the orchestrator session for the remote signer: ${(err as Error).message}`, { status: e.status, cause: err });
          }
          this.#info = info;
          this.o.onRefresh?.(info);
          continue;
        }
        case SIGNER_STATUS.PRICE_EXCEEDED:
          throw new SignerClientError('GW_SIGNER_PRICE_EXCEEDED', `the remote signer refused the orchestrator's price (${what})`, { status: e.status, ...(e.code ? { remoteCode: e.code } : {}) });
        case SIGNER_STATUS.NO_TICKETS:
          // The state is unchanged: ours is kept (the body's copy, when sent, is the same bytes).
          return { kind: 'skip', retryAfterMs: e.retryAfterMs, info: this.#info };
        case SIGNER_STATUS.STATE_CONFLICT:
          if (resynced || !e.state) throw new SignerClientError('GW_SIGNER_CONFLICT', `the remote signer refused the session state${resynced ? ' again after a resync' : ' and sent no state to resync to'} (${what})`, { status: e.status, ...(e.code ? { remoteCode: e.code } : {}) });
          resynced = true;
          this.#state = e.state;
          continue;
        default:
          throw new SignerClientError('GW_SIGNER_REFUSED', `the remote signer refused the payment (${what})`, { status: e.status, ...(e.code ? { remoteCode: e.code } : {}) });
      }
    }
  }
}
