// createRemoteSigner: go-livepeer's /generate-live-payment step by step (docs/signer.md), plus, by
// default, the replay-proof high-water mark (a state must carry the latest sequence number issued for
// its session; per-session serialisation in process and a compare-and-set in the store, before
// anything is signed) and spend caps. `statelessSigner: true` is go-livepeer's behaviour exactly.
import { randomBytes } from 'node:crypto';
import { Rat } from '../money/index.js';
import { NO_PRICE_LIMITS, type PriceLimits } from '../market/index.js';
import { PmError, Sender, hexToBytes, localTicketSigner, type ChainView, type SenderInfoSource, type TicketParams, type TicketSigner } from '../pm/index.js';
import { MemorySignerStates, type SignerStateRecord, type SignerStateStore } from '../store/index.js';
import {
  PaymentHeaderEncoder, createPaymentSegCreds, encodeBase64, encodeSegmentHeader, orchestratorRequestHash, priceInfoFromWire, ticketParamsFromWire, toHex,
  type OrchestratorInfo,
} from '../wire/index.js';
import { billableUnits, configuredMaxPrice, parseMaxPrice, priceExceeded, retryAfterMs } from './billing.js';
import { SignerError, badRequest, invalidState } from './errors.js';
import { GO_ZERO_TIME_NS, formatGoTime, parseGoTime } from './gojson.js';
import { SessionLocks, SpendLedger, type SpendCaps } from './guards.js';
import { decodeRequest, type DecodedRequest } from './request.js';
import { decodeState, emptyState, encodeState, signBytes, verifyBytes } from './state.js';
import {
  ORCHESTRATOR_URL_HEADER, SIGNER_AUTH_ID_HEADER, SIGNER_STATUS, type RemotePaymentState, type RemoteSignerService, type SignerAuthorizer, type SignerCallContext,
  type SignerErrorBodyWire, type SignerEvents, type SignerJobType, type SignerOutcome, type SignOrchestratorInfoResponseWire,
} from './types.js';

export interface RemoteSignerOptions {
  /** The signer's Ethereum key (tickets, segment credentials, states). */
  privateKey: `0x${string}` | Uint8Array;
  chain: ChainView;
  /** Reads the signer's own deposit and reserve. */
  senders: SenderInfoSource;
  /** -maxTicketEV, -maxTotalEV, -depositMultiplier (pm Sender defaults: 3e12, 2e13, 1). */
  maxTicketEV?: bigint | Rat;
  maxTotalEV?: bigint;
  depositMultiplier?: bigint;
  /** -maxPricePerUnit / -pixelsPerUnit / -maxPricePerCapability (src/market parsePriceLimits). */
  priceLimits?: PriceLimits;
  authorizer?: SignerAuthorizer;
  events?: SignerEvents;
  /** go-livepeer's behaviour: no high-water mark, short StateIDs. Default false. */
  statelessSigner?: boolean;
  /** The high-water-mark store (the node passes its Store's signerStates); default in memory (one process). */
  store?: SignerStateStore;
  /** Records idle this long are pruned (their states then answer 409 SIGNER_STATE_UNKNOWN); default 24 h. */
  stateRetentionMs?: number;
  caps?: SpendCaps;
  /** ns since the epoch; default the wall clock. */
  now?: () => bigint;
}

/** go-livepeer authTokenValidPeriod (30 min) × 10 %: refresh inside the token's last 180 s. */
const AUTH_REFRESH_SECONDS = 180n;
const MAX_TICKETS = 100;

const b64 = (b: Uint8Array) => encodeBase64(b);
/** Sessions whose latest issued state is remembered (≈ 1 KB each). */
const ISSUED_STATES_MAX = 20_000;
const SEG_CREDS_MAX = 4096;
/** OrchestratorInfos decoded once and kept (a few KB each): orchestrators × their refreshes in flight. */
const ORCHESTRATORS_MAX = 1024;
/**
 * Longest text a cache keeps (an honest OrchestratorInfo is ~1 KB, a state < 1 KB): a caller sending
 * megabyte bodies cannot make the bounded caches hold gigabytes; longer ones are just not cached.
 */
const CACHE_TEXT_MAX = 16 * 1024;

/** A Map that forgets its oldest entry past `max`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(k: K, v: V): this {
    super.set(k, v);
    if (this.size > this.max) this.delete(this.keys().next().value!);
    return this;
  }
}
const utf8 = (s: string) => new TextEncoder().encode(s);

function outcome(err: SignerError, extra: Partial<SignerErrorBodyWire['error']> = {}, state?: SignerErrorBodyWire['state'], headers?: Record<string, string>): SignerOutcome {
  const status = err.status ?? 500;
  // go-livepeer's respondJsonError masks these two whatever the cause.
  const message = status === 500 ? 'Internal Server Error' : status === 503 ? 'Service Unavailable Error' : err.message;
  return { status, body: { error: { message, code: err.code, ...extra }, ...(state ? { state } : {}) }, ...(headers ? { headers } : {}) };
}

/** A state this signer issued: its base64 text, its fields, and the values behind three of them. */
interface Issued {
  text: string;
  state: Readonly<RemotePaymentState>;
  /** parseGoTime(state.LastUpdate). */
  lastUpdateNs: bigint;
  /** Rat.parse(state.Balance). */
  balance: Rat;
  /** The session's spent as written to the store with this state: its text and value. */
  spentText: string;
  spent: Rat;
}

class Refusal extends Error {
  constructor(readonly out: SignerOutcome) {
    super('refused');
  }
}

export function createRemoteSigner(opts: RemoteSignerOptions): RemoteSignerService {
  const key = typeof opts.privateKey === 'string' ? hexToBytes(opts.privateKey, 'signer private key') : Uint8Array.from(opts.privateKey);
  const signer: TicketSigner = localTicketSigner(key);
  const address = signer.address;
  const infoSig = signer.sign(orchestratorRequestHash(address)) as Uint8Array;
  const stateless = opts.statelessSigner ?? false;
  let closed = false;
  const store = opts.store ?? new MemorySignerStates(() => {
    if (closed) throw new SignerError('SIGNER_INTERNAL', 500, 'the signer is closed');
  });
  const limits = opts.priceLimits ?? NO_PRICE_LIMITS;
  const now = opts.now ?? (() => BigInt(Date.now()) * 1_000_000n);
  const locks = new SessionLocks();
  const spend = new SpendLedger(opts.caps ?? {});
  const statelessSpent = new Map<string, Rat>();
  const retention = opts.stateRetentionMs ?? 86_400_000;
  const pruneTimer = stateless ? undefined : setInterval(() => void store.prune(Date.now() - retention).catch(() => undefined), Math.min(retention, 600_000));
  pruneTimer?.unref();
  const senderCfg = { signer, chain: opts.chain, senders: opts.senders, maxEV: opts.maxTicketEV, maxTotalEV: opts.maxTotalEV, depositMultiplier: opts.depositMultiplier };

  const signedState = (bytes: Uint8Array) => ({ State: b64(bytes), Sig: b64(signBytes(bytes, key)) });
  // States this signer issued, by their signature's base64 → the state's base64 and fields: a state
  // sent back exactly as issued needs no signature recovery (we made that signature over those
  // bytes) and no decoding. Only the latest per session is kept (the previous one is dropped when a
  // session advances), bounded. With it, the values its texts were made from (LastUpdate's ns, the
  // Balance, the session's spent as recorded), so they are not parsed back.
  const issued = new BoundedMap<string, Issued>(ISSUED_STATES_MAX);
  const isIssued = (stateText: string, sigText: string): boolean => issued.get(sigText)?.text === stateText;
  /** The issued state `req` carries exactly, or undefined. */
  const issuedState = (req: DecodedRequest): Issued | undefined => {
    if (req.sigText === '') return undefined;
    const hit = issued.get(req.sigText);
    return hit !== undefined && hit.text === req.stateText ? hit : undefined;
  };
  // Segment credentials are a deterministic signature (RFC 6979) over the manifest id, the
  // orchestrator's auth token and the capabilities: the same inputs give the same header, so it is
  // signed once per (manifest id, OrchestratorInfo, capabilities) and reused.
  const segCredsCache = new BoundedMap<string, string>(SEG_CREDS_MAX);
  // OrchestratorInfos by their base64 text (decoded and checked once), and their ticket params.
  const orchestrators = new BoundedMap<string, OrchestratorInfo>(ORCHESTRATORS_MAX);
  const paramsOf = new WeakMap<OrchestratorInfo, TicketParams>();
  // Livepeer-Payment bytes: the params, sender and price fields encoded once per params object
  // (one per cached OrchestratorInfo), only the (nonce, sig) pairs per call — the same bytes.
  const payments = new PaymentHeaderEncoder();
  const latestOutcome = (code: 'SIGNER_STATE_REPLAYED' | 'SIGNER_STATE_CONFLICT', rec: SignerStateRecord) =>
    outcome(new SignerError(code, 409, code === 'SIGNER_STATE_REPLAYED' ? `state sequence number is not the latest issued for this session (latest ${rec.sequence})` : 'a concurrent call advanced this session first'), { latestSequenceNumber: rec.sequence.toString() }, signedState(utf8(rec.state)));

  async function pay(req: DecodedRequest, ctx: SignerCallContext, type: SignerJobType, decoded?: RemotePaymentState): Promise<SignerOutcome> {
    const o = req.orchestrator;
    const raw = o.address.length >= 20 ? o.address.subarray(o.address.length - 20) : Uint8Array.from([...new Uint8Array(20 - o.address.length), ...o.address]);
    const orchAddr = toHex(raw).toLowerCase();
    let state: RemotePaymentState;
    let prevSeq = -1n;
    let ours: Issued | undefined;
    if (req.hasState) {
      ours = issuedState(req);
      if (ours) state = { ...ours.state }; // every field is a primitive: a copy to change
      else {
        if (verifyBytes(address, req.stateBytes, req.sigBytes) !== null) throw invalidState('invalid sig');
        state = decoded ?? decodeState(req.stateBytes);
      }
      if (state.OrchestratorAddress !== orchAddr) throw invalidState('orchestratorAddress mismatch');
      if (state.App !== req.app) throw invalidState('app mismatch');
      if (state.Type !== '' && state.Type !== req.type) throw invalidState('job type mismatch');
      state.Type = type;
      prevSeq = state.SequenceNumber;
      state.SequenceNumber++;
    } else {
      state = {
        ...emptyState(), StateID: randomBytes(stateless ? 4 : 16).toString('hex'), OrchestratorAddress: orchAddr, App: req.app,
        InitialPricePerUnit: o.priceInfo!.pricePerUnit, InitialPixelsPerUnit: o.priceInfo!.pixelsPerUnit, Type: type,
      };
    }
    // Replay-proof mode: the state must be the latest issued for its session.
    let rec: SignerStateRecord | undefined;
    if (!stateless && req.hasState) {
      rec = await store.get(state.StateID);
      if (!rec) throw new SignerError('SIGNER_STATE_UNKNOWN', 409, 'no record of this signer session (pruned or from another signer): start a new session with a null state');
      if (rec.sequence !== prevSeq) throw new Refusal(latestOutcome('SIGNER_STATE_REPLAYED', rec));
    }
    let manifestId = req.manifestId;
    if (manifestId === '') {
      if (req.hasState) throw badRequest('missing manifestID');
      manifestId = randomBytes(4).toString('hex');
    }
    let params = paramsOf.get(o);
    if (params === undefined) {
      try {
        params = ticketParamsFromWire(o.ticketParams!, priceInfoFromWire(o.priceInfo!));
      } catch (err) {
        throw badRequest(`failed to derive ticket params from OrchestratorInfo: ${(err as Error).message}`, err);
      }
      paramsOf.set(o, params);
    }
    const sid = params.recipientRandHash.toLowerCase();
    const nonce = state.PMSessionID === sid ? state.SenderNonce : 0;
    const sender = new Sender(senderCfg);
    sender.startSessionWithNonce(params, nonce);
    // 480: the auth token's last 10 %, or expired params; other param refusals are 400.
    const nowNs = now();
    if (!o.authToken) throw badRequest('remote signer could not check whether to refresh session: missing auth token');
    const refresh = () => outcome(new SignerError('SIGNER_REFRESH_SESSION', SIGNER_STATUS.REFRESH_SESSION, 'refresh session for remote signer'), {}, undefined, { [ORCHESTRATOR_URL_HEADER]: o.transcoder });
    if (nowNs > (o.authToken.expiration - AUTH_REFRESH_SECONDS) * 1_000_000_000n) throw new Refusal(refresh());
    try {
      await sender.validateTicketParams(params, 1);
    } catch (err) {
      if (err instanceof PmError && err.code === 'TICKET_PARAMS_EXPIRED') throw new Refusal(refresh());
      throw badRequest(`remote signer could not check whether to refresh session: ${(err as Error).message}`, err);
    }
    const last = ours ? ours.lastUpdateNs : (parseGoTime(state.LastUpdate) ?? GO_ZERO_TIME_NS);
    const elapsed = last === GO_ZERO_TIME_NS ? 0n : nowNs - last;
    const { units, seconds } = billableUnits(req.type, elapsed, req.inPixels);
    // 481: the lowest ceiling.
    const orchPrice = Rat.of(o.priceInfo!.pricePerUnit, o.priceInfo!.pixelsPerUnit);
    let requestMax: Rat | undefined;
    try {
      requestMax = parseMaxPrice(req.maxPrice, req.type);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    if (req.hasState && (state.InitialPricePerUnit <= 0n || state.InitialPixelsPerUnit <= 0n)) throw badRequest('invalid initial price in state');
    const initialPrice = Rat.of(state.InitialPricePerUnit, state.InitialPixelsPerUnit);
    const over = priceExceeded(orchPrice, [
      { source: 'configured maximum price', price: configuredMaxPrice(limits, req.capabilities) },
      { source: 'request maxPrice', price: requestMax },
      { source: 'initial session price', price: req.hasState ? initialPrice : undefined },
    ]);
    if (over) throw new SignerError('SIGNER_PRICE_EXCEEDED', SIGNER_STATUS.PRICE_EXCEEDED, over);
    const fee = initialPrice.mul(units);
    let existing = Rat.ZERO;
    try {
      if (ours) existing = ours.balance;
      else if (state.Balance !== '') existing = Rat.parse(state.Balance);
    } catch {
      existing = Rat.ZERO; // go-livepeer: an unparsable balance is ignored
    }
    const ev = sender.ev(sid);
    const minCredit = fee.gt(ev) ? fee : ev;
    const n = !ev.gt(0n) || existing.gte(minCredit) ? 0n : minCredit.sub(existing).divCeil(ev);
    if (n === 0n) {
      const body = outcome(new SignerError('SIGNER_NO_TICKETS', SIGNER_STATUS.NO_TICKETS, 'no tickets'), { ...(retryMs(type, existing, initialPrice, seconds, elapsed)) },
        req.hasState ? { State: b64(req.stateBytes), Sig: b64(req.sigBytes) } : undefined);
      throw new Refusal(body);
    }
    if (n > BigInt(MAX_TICKETS)) throw new SignerError('SIGNER_TOO_MANY_TICKETS', 400, `numTickets ${n} exceeds maximum of ${MAX_TICKETS}`);
    const count = Number(n);
    try {
      await sender.validateTicketParams(params, count);
    } catch (err) {
      throw new SignerError('SIGNER_INTERNAL', 500, (err as Error).message, { cause: err });
    }
    const signedEv = ev.mul(n);
    const balance = existing.add(signedEv).sub(fee);
    state.Balance = balance.toString();
    state.LastUpdate = formatGoTime(nowNs);
    state.PMSessionID = sid;
    state.SenderNonce = nonce + count;
    // The webhook (go-livepeer step 12), skipped while the state's AuthExpiry holds.
    let webhookId = '';
    if (opts.authorizer && !(state.AuthExpiry !== 0n && nowNs / 1_000_000_000n <= state.AuthExpiry)) {
      let d;
      try {
        d = await opts.authorizer.authorize({ ...state }, ctx);
      } catch (err) {
        throw new SignerError('SIGNER_WEBHOOK_FAILED', 500, (err as Error).message, { cause: err });
      }
      if (d.status !== 200) throw new SignerError('SIGNER_WEBHOOK_REFUSED', d.status, d.reason || `signer auth rejected request with status ${d.status}`);
      state.AuthExpiry = d.expiry ?? 0n;
      if (d.maxPrice) {
        let m: Rat | undefined;
        try {
          m = parseMaxPrice({ price: String(d.maxPrice.price), currency: d.maxPrice.currency, unit: d.maxPrice.unit }, req.type);
        } catch (err) {
          throw new SignerError('SIGNER_WEBHOOK_FAILED', 502, `signer auth invalid maxPrice: ${(err as Error).message}`);
        }
        const o2 = priceExceeded(orchPrice, [{ source: 'auth webhook maxPrice', price: m }]);
        if (o2) throw new SignerError('SIGNER_PRICE_EXCEEDED', SIGNER_STATUS.PRICE_EXCEEDED, o2);
      }
      webhookId = d.authId ?? '';
    }
    const hdr = ctx.headers[SIGNER_AUTH_ID_HEADER.toLowerCase()];
    const headerId = Array.isArray(hdr) ? (hdr[0] ?? '') : (hdr ?? '');
    return finish(req, state, prevSeq, rec, ours, { sender, sid, count, signedEv, manifestId, headerId, type, webhookId, nowNs, balance });
  }

  function retryMs(type: SignerJobType, balance: Rat, price: Rat, seconds: number, elapsed: bigint): { retryAfterMs?: number } {
    const ms = retryAfterMs(type, balance, price, elapsed === 0n ? 0 : seconds);
    return ms === undefined ? {} : { retryAfterMs: ms };
  }

  async function finish(
    req: DecodedRequest, state: RemotePaymentState, prevSeq: bigint, rec: SignerStateRecord | undefined, ours: Issued | undefined,
    x: { sender: Sender; sid: string; count: number; signedEv: Rat; manifestId: string; headerId: string; type: SignerJobType; webhookId: string; nowNs: bigint; balance: Rat },
  ): Promise<SignerOutcome> {
    // Auth id pinning: the webhook's id, else the header's; a different one than the state's → 500.
    const wanted = x.webhookId !== '' ? x.webhookId : x.headerId;
    if (wanted !== '' && state.AuthID !== wanted) {
      if (state.AuthID !== '') throw new SignerError('SIGNER_AUTH_ID_CHANGED', 500, 'remote signer auth ID changed');
      state.AuthID = wanted;
    }
    const stateBytes = encodeState(state);
    const sessionSpent = rec ? (ours && ours.spentText === rec.spent ? ours.spent : Rat.parse(rec.spent)) : (statelessSpent.get(state.StateID) ?? Rat.ZERO);
    const capHit = spend.reserve(x.signedEv, sessionSpent, state.AuthID, Date.now());
    if (capHit) throw new SignerError('SIGNER_SPEND_CAP', 403, capHit);
    const spent = sessionSpent.add(x.signedEv);
    const next: SignerStateRecord = { stateId: state.StateID, sequence: state.SequenceNumber, state: new TextDecoder().decode(stateBytes), spent: spent.toString(), updatedAt: Date.now() };
    let rollback: (() => Promise<unknown>) | undefined;
    try {
      if (!stateless) {
        if (req.hasState) {
          const r = await store.advance(state.StateID, prevSeq, next);
          if (!r.ok) {
            if (r.current) throw new Refusal(latestOutcome('SIGNER_STATE_CONFLICT', r.current));
            throw new SignerError('SIGNER_STATE_UNKNOWN', 409, 'no record of this signer session (pruned or from another signer): start a new session with a null state');
          }
          rollback = () => store.advance(state.StateID, next.sequence, rec!);
        } else if (!(await store.create(next))) {
          throw new SignerError('SIGNER_INTERNAL', 500, 'StateID collision');
        }
      } else {
        statelessSpent.delete(state.StateID);
        statelessSpent.set(state.StateID, spent);
        if (statelessSpent.size > 10_000) statelessSpent.delete(statelessSpent.keys().next().value!);
      }
      // Only now is anything signed: the tickets, the segment credentials, the state.
      let batch;
      try {
        batch = await x.sender.createTicketBatch(x.sid, x.count);
      } catch (err) {
        await rollback?.().catch(() => undefined);
        throw new SignerError('SIGNER_INTERNAL', 500, (err as Error).message, { cause: err });
      }
      const payment = payments.encode(batch, req.orchestrator.priceInfo!);
      const segKey = req.orchestratorText === '' || x.manifestId.length + req.orchestratorText.length + req.capabilitiesText.length > CACHE_TEXT_MAX
        ? undefined
        : `${x.manifestId}\u0000${req.orchestratorText}\u0000${req.capabilitiesText}`;
      let segCreds = segKey === undefined ? undefined : segCredsCache.get(segKey);
      if (segCreds === undefined) {
        segCreds = encodeSegmentHeader(await createPaymentSegCreds({ manifestId: x.manifestId, authToken: req.orchestrator.authToken, capabilities: req.capabilities }, signer));
        if (segKey !== undefined) segCredsCache.set(segKey, segCreds);
      }
      const out = signedState(stateBytes);
      if (req.sigText !== '') issued.delete(req.sigText);
      if (out.State.length <= CACHE_TEXT_MAX) issued.set(out.Sig, { text: out.State, state: { ...state }, lastUpdateNs: x.nowNs, balance: x.balance, spentText: next.spent, spent });
      opts.events?.signed(x.type, x.count, x.signedEv, state.AuthID);
      return { status: 200, body: { payment, segCreds, state: out } };
    } catch (err) {
      spend.release(x.signedEv, state.AuthID);
      throw err;
    }
  }

  function run(req: DecodedRequest, ctx: SignerCallContext, type: SignerJobType): Promise<SignerOutcome> {
    if (stateless || !req.hasState) return pay(req, ctx, type);
    // Serialise one session's calls; the StateID is read before the signature is checked only to
    // pick the queue (a forged one just queues behind itself).
    const ours = issuedState(req);
    if (ours) return locks.run(ours.state.StateID, () => pay(req, ctx, type));
    let decoded: RemotePaymentState;
    try {
      decoded = decodeState(req.stateBytes);
    } catch {
      return pay(req, ctx, type);
    }
    // pay() still checks the signature before it uses the decoded state.
    return locks.run(decoded.StateID, () => pay(req, ctx, type, decoded));
  }

  return {
    signOrchestratorInfo(): SignOrchestratorInfoResponseWire {
      return { address, signature: toHex(infoSig) };
    },
    async generateLivePayment(body: unknown, ctx: SignerCallContext): Promise<SignerOutcome> {
      const t0 = performance.now();
      let type: SignerJobType = '';
      let out: SignerOutcome;
      try {
        if (closed) throw new SignerError('SIGNER_INTERNAL', 503, 'the signer is shutting down');
        const req = decodeRequest(body, orchestrators, CACHE_TEXT_MAX, isIssued);
        type = (['lv2v', 'live', 'fixed'].includes(req.type) ? req.type : '') as SignerJobType;
        out = await run(req, ctx, type);
      } catch (err) {
        if (err instanceof Refusal) out = err.out;
        else if (err instanceof SignerError) out = outcome(err);
        else out = outcome(new SignerError('SIGNER_INTERNAL', 500, (err as Error).message, { cause: err }));
      }
      const code = out.status === 200 ? undefined : (out.body as SignerErrorBodyWire).error.code;
      opts.events?.call(type, out.status, code, performance.now() - t0);
      return out;
    },
    async close(): Promise<void> {
      closed = true;
      if (pruneTimer) clearInterval(pruneTimer);
    },
  };
}
