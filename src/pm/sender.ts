// Gateway side (go-livepeer pm/sender.go, pm.md §5): sessions per set of O's ticket params, keyed
// by recipientRandHash; strictly increasing nonces from 1; validation of O's params before signing.
import type { Address } from 'viem';
import { Rat } from '../money/index.js';
import type { ChainView, SenderInfoSource } from './deps.js';
import { isPromise, unlockingSoon } from './deps.js';
import { PmError, ticketParamsExpired } from './errors.js';
import { ticketHashBytes } from './hash.js';
import { PARAMS_EXPIRY_BUFFER } from './params.js';
import type { TicketSigner } from './sig.js';
import type { Hex32, TicketBatch, TicketExpirationParams, TicketParams, TicketSenderParams } from './ticket.js';
import { MAX_UINT32 } from './bytes.js';
import { newTicket } from './ticket.js';
import { ticketEV } from './win.js';

export interface SenderConfig {
  signer: TicketSigner;
  chain: ChainView;
  /** Reads this gateway's own deposit/reserve. */
  senders: SenderInfoSource;
  /** -maxTicketEV (wei, default 3e12). */
  maxEV?: Rat | bigint;
  /** -maxTotalEV (wei, default 2e13). */
  maxTotalEV?: bigint;
  /** -depositMultiplier (default 1): faceValue may be at most deposit / depositMultiplier. */
  depositMultiplier?: bigint;
}

export const DEFAULT_MAX_TICKET_EV = 3_000_000_000_000n;
export const DEFAULT_MAX_TOTAL_EV = 20_000_000_000_000n;

interface Session {
  params: TicketParams;
  nonce: bigint;
  /** EV of one ticket, computed once (a gcd over ~2^256 per call otherwise; it is asked for every job). */
  ev: Rat;
}

/** go's big.Rat.FloatString(n): fixed n decimals, rounded half away from zero. */
export function floatString(r: Rat, n: number): string {
  const scale = 10n ** BigInt(n);
  const a = r.abs().mul(scale);
  let q = a.num / a.den;
  if (2n * (a.num % a.den) >= a.den) q += 1n;
  const s = q.toString().padStart(n + 1, '0');
  const body = n === 0 ? s : `${s.slice(0, -n)}.${s.slice(-n)}`;
  return (r.isNegative() && q !== 0n ? '-' : '') + body;
}

function sessionKey(id: string): string {
  return id.toLowerCase();
}

/**
 * How many tickets of `ev` cover `minCredit` given `existing` credit (go-livepeer
 * Balance.StageUpdate): 0 when existing ≥ minCredit, else ceil((minCredit − existing) / ev).
 */
export function ticketsForFee(minCredit: Rat | bigint, existing: Rat | bigint, ev: Rat | bigint): number {
  const min = typeof minCredit === 'bigint' ? Rat.from(minCredit) : minCredit;
  const ex = typeof existing === 'bigint' ? Rat.from(existing) : existing;
  const e = typeof ev === 'bigint' ? Rat.from(ev) : ev;
  if (!e.gt(0n)) throw new RangeError(`ticket EV must be > 0 to count tickets, got ${e}`);
  if (ex.gte(min)) return 0;
  const n = min.sub(ex).div(e).ceil();
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${n} tickets needed: EV ${e} is far too small for ${min}`);
  return Number(n);
}

export class Sender {
  private readonly sessions = new Map<string, Session>();
  private readonly cfg: Required<Omit<SenderConfig, 'maxEV'>> & { maxEV: Rat };

  constructor(cfg: SenderConfig) {
    const maxEV = cfg.maxEV ?? DEFAULT_MAX_TICKET_EV;
    this.cfg = {
      ...cfg,
      maxEV: typeof maxEV === 'bigint' ? Rat.from(maxEV) : maxEV,
      maxTotalEV: cfg.maxTotalEV ?? DEFAULT_MAX_TOTAL_EV,
      depositMultiplier: cfg.depositMultiplier ?? 1n,
    };
    if (this.cfg.depositMultiplier <= 0n) throw new RangeError('depositMultiplier must be ≥ 1');
  }

  get address(): Address {
    return this.cfg.signer.address;
  }

  /** Starts (or restarts) a session for O's params; the first ticket gets nonce 1. Returns the session ID. */
  startSession(params: TicketParams): Hex32 {
    return this.startSessionWithNonce(params, 0n);
  }

  /** As startSession, continuing after `nonce` (the remote signer resumes sessions this way). */
  startSessionWithNonce(params: TicketParams, nonce: bigint | number): Hex32 {
    const n = BigInt(nonce);
    if (n < 0n || n > MAX_UINT32) throw new RangeError(`nonce must be in 0..2^32−1, got ${n}`);
    this.sweepExpired();
    this.sessions.set(sessionKey(params.recipientRandHash), { params, nonce: n, ev: ticketEV(params.faceValue, params.winProb) });
    return params.recipientRandHash;
  }

  /**
   * Drops sessions whose params can no longer be paid with (validateTicketParams would refuse them
   * as expired), so a long-running gateway that starts a session per discovery refresh keeps only
   * the live ones. Runs on every startSession; returns how many were dropped.
   */
  sweepExpired(): number {
    const latest = this.cfg.chain.lastSeenL1Block();
    let n = 0;
    for (const [k, s] of this.sessions) {
      if (s.params.expirationBlock - latest <= PARAMS_EXPIRY_BUFFER) {
        this.sessions.delete(k);
        n++;
      }
    }
    return n;
  }

  /** How many sessions are held (for stats and soak checks). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  hasSession(sessionId: string): boolean {
    return this.sessions.has(sessionKey(sessionId));
  }

  /** Ends a session (its params were replaced or dropped); later tickets need a new session. */
  endSession(sessionId: string): void {
    this.sessions.delete(sessionKey(sessionId));
  }

  /** go-livepeer's name for endSession. */
  cleanupSession(sessionId: string): void {
    this.endSession(sessionId);
  }

  /** The last nonce used in a session (0 before the first ticket). */
  nonce(sessionId: string): bigint {
    return this.load(sessionId).nonce;
  }

  /** EV of one ticket in the session. */
  ev(sessionId: string): Rat {
    return this.load(sessionId).ev;
  }

  private load(sessionId: string): Session {
    const s = this.sessions.get(sessionKey(sessionId));
    if (!s) throw new PmError('SESSION_NOT_FOUND', `cannot find session with id ${sessionId}: start one with the orchestrator's current ticket params`, false);
    return s;
  }

  /** pm.md §5 checks, in go-livepeer's order. Throws PmError. */
  async validateTicketParams(params: TicketParams | null | undefined, numTickets: number): Promise<void> {
    if (!params) throw new PmError('TICKET_PARAMS_NIL', 'ticketParams is nil: the orchestrator sent no ticket params', false);
    if (params.expirationBlock === 0n) {
      throw new PmError('TICKET_PARAMS_EXPIRATION_ZERO', 'ticketParams expiration block is 0: refusing params without an expiry', false);
    }
    const latest = this.cfg.chain.lastSeenL1Block();
    if (params.expirationBlock - latest <= PARAMS_EXPIRY_BUFFER) {
      throw ticketParamsExpired(` (expirationBlock ${params.expirationBlock}, last seen L1 block ${latest})`);
    }
    const ev = ticketEV(params.faceValue, params.winProb);
    if (!ev.gt(0n)) return;
    if (ev.gte(params.faceValue)) {
      throw new PmError('FACE_VALUE_TOO_LOW', `ticket faceValue too low faceValue=${params.faceValue}: always-winning params are refused`, false);
    }
    if (ev.gt(this.cfg.maxEV)) {
      throw new PmError('EV_TOO_HIGH', `ticket EV ${floatString(ev, 5)} > max ticket EV ${floatString(this.cfg.maxEV, 5)}: raise -maxTicketEV or pick another orchestrator`, false);
    }
    const r = this.cfg.senders.getSenderInfo(this.cfg.signer.address);
    const info = isPromise(r) ? await r : r;
    if (unlockingSoon(info, this.cfg.chain.lastInitializedRound())) {
      throw new PmError('SENDER_UNLOCK_SOON', 'unable to validate sender: deposit and reserve is set to unlock soon: cancel the unlock (cancelUnlock) to keep paying', false);
    }
    if (info.reserve.fundsRemaining === 0n) throw new PmError('NO_SENDER_RESERVE', 'unable to validate sender: no sender reserve: fund a reserve on TicketBroker', false);
    if (info.deposit === 0n) throw new PmError('NO_SENDER_DEPOSIT', 'unable to validate sender: no sender deposit: fund a deposit on TicketBroker', false);
    const total = ev.mul(BigInt(numTickets));
    if (total.gt(this.cfg.maxTotalEV)) {
      throw new PmError('TOTAL_EV_TOO_HIGH', `total ticket EV ${floatString(total, 5)} for ${numTickets} tickets > max total ticket EV ${floatString(Rat.from(this.cfg.maxTotalEV), 5)}: send fewer tickets per payment or raise -maxTotalEV`, false);
    }
    const maxFace = info.deposit / this.cfg.depositMultiplier;
    if (params.faceValue > maxFace) {
      throw new PmError('FACE_VALUE_TOO_HIGH', `ticket faceValue ${params.faceValue} > max faceValue ${maxFace}: fund a larger deposit or lower -depositMultiplier`, false);
    }
  }

  /** Validates the session's params, then signs `size` tickets with fresh, unique nonces. */
  async createTicketBatch(sessionId: string, size: number): Promise<TicketBatch> {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
    const session = this.load(sessionId);
    const params = session.params;
    await this.validateTicketParams(params, size);
    // Reserve the nonces synchronously (no await in between), so concurrent calls never share one.
    const first = session.nonce + 1n;
    const last = session.nonce + BigInt(size);
    if (last > MAX_UINT32) {
      throw new PmError('NONCE_OVERFLOW', `session ${sessionId} would pass nonce 2^32−1: start a new session with fresh params`, false);
    }
    session.nonce = last;
    const exp = this.expirationParams(params.expirationParams);
    const sender = this.cfg.signer.address;
    const senderParams: TicketSenderParams[] = [];
    for (let n = first; n <= last; n++) {
      const hash = ticketHashBytes(newTicket(params, exp, sender, n));
      let sig: Uint8Array;
      try {
        const s = this.cfg.signer.sign(hash);
        sig = isPromise(s) ? await s : s;
      } catch (err) {
        throw new PmError('SIGN_FAILED', `error signing ticket for session: ${sessionId}: ${(err as Error).message}`, false, { cause: err });
      }
      senderParams.push({ senderNonce: n, sig });
    }
    return { params, expirationParams: exp, sender, senderParams };
  }

  /** go-livepeer's backward-compatibility fallback: fill missing creation round data from our chain view. */
  private expirationParams(p: TicketExpirationParams | undefined): TicketExpirationParams {
    if (p && p.creationRound !== 0n && !/^0x0{64}$/.test(p.creationRoundBlockHash)) return p;
    return {
      creationRound: this.cfg.chain.lastInitializedRound(),
      creationRoundBlockHash: this.cfg.chain.lastInitializedL1BlockHash(),
    };
  }
}
