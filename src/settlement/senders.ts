// The sender monitor (go-livepeer pm/sendermonitor.go, pm.md §6.5): how much of a sender's money
// this orchestrator can count on, and whether a payment's tickets are covered by it.
//
//   reserveAlloc = (fundsRemaining + claimedInCurrentRound) / poolSize − claimedReserve(sender, us)
//                  (0 when the pool is empty or we are not an active orchestrator: TicketBroker's
//                  claimableReserve, which pays a reserve share only to active orchestrators)
//   maxFloat     = reserveAlloc              when deposit ≥ 3 × pending (minDepositPendingRatio)
//                = reserveAlloc − pending    otherwise
//
// `pending` is the face value of this sender's winning tickets not redeemed yet (the store's
// openFaceValue). The max float caps the face value of new ticket params (pm's Recipient), and a
// payment whose tickets' face value is above it — or above the sender's deposit — is refused before
// any ticket is credited (INSUFFICIENT_SENDER_FUNDS, with one of the reasons below). The inputs
// come from the chain watchers' caches, which TicketBroker's events invalidate: a top-up reopens a
// refused sender as soon as its block is processed.
import type { Address } from 'viem';
import { defineErrorCodes, type CodeOf } from '../errors/index.js';
import { formatWei } from '../money/index.js';
import type { MaxFloatSource, SenderInfo } from '../pm/index.js';
import { MIN_DEPOSIT_PENDING_RATIO } from './funding.js';

/** Per-sender chain state (src/eth's SenderWatcher). */
export interface SenderFundsReader {
  getSenderInfo(sender: Address): SenderInfo | Promise<SenderInfo>;
  /** TicketBroker.claimedReserve(sender, claimant) this round. */
  claimedReserve(sender: Address): Promise<bigint>;
  /** Optional: change notifications (src/eth SenderEvent). */
  onEvent?(fn: (e: { kind: string; sender?: Address }) => void): () => void;
}

/** The transcoder pool as the chain watcher sees it (src/eth's ChainWatcher). */
export interface ReservePool {
  poolSize(): bigint;
  claimantActive(): boolean;
}

/** Face value of a sender's winning tickets not redeemed yet (the store's TicketLedger, the redemption queue). */
export interface OpenFaceValue {
  openFaceValue(sender: Address): Promise<bigint>;
}

/** Everything the monitor's decisions are made from, in wei. */
export interface SenderFunds {
  deposit: bigint;
  withdrawRound: bigint;
  /** Reserve funds remaining. */
  reserve: bigint;
  claimedInCurrentRound: bigint;
  poolSize: bigint;
  claimantActive: boolean;
  /** What this orchestrator already drew from the reserve this round. */
  claimedByClaimant: bigint;
  reserveAlloc: bigint;
  pending: bigint;
  maxFloat: bigint;
  /** go-livepeer availableFunds = reserveAlloc + deposit − pending (what the redemption tx-cost check uses). */
  availableFunds: bigint;
}

export function reserveAllocation(f: Pick<SenderFunds, 'reserve' | 'claimedInCurrentRound' | 'poolSize' | 'claimantActive' | 'claimedByClaimant'>): bigint {
  if (f.poolSize <= 0n || !f.claimantActive) return 0n;
  const a = (f.reserve + f.claimedInCurrentRound) / f.poolSize - f.claimedByClaimant;
  // go-livepeer does not clamp; the contract never lets a claimant draw above its share, so a
  // negative value only appears when the pool grew mid-round — and a negative float helps nobody.
  return a > 0n ? a : 0n;
}

export function maxFloatOf(reserveAlloc: bigint, deposit: bigint, pending: bigint): bigint {
  if (pending <= 0n || deposit >= pending * MIN_DEPOSIT_PENDING_RATIO) return reserveAlloc;
  const m = reserveAlloc - pending;
  return m > 0n ? m : 0n;
}

/** Why a sender's tickets are refused: the Livepeer-Error-Reason of an INSUFFICIENT_SENDER_FUNDS refusal. */
export const senderFundsCodes = defineErrorCodes('src/settlement (sender monitor: Livepeer-Error-Reason of INSUFFICIENT_SENDER_FUNDS)', {
  DEPOSIT_TOO_LOW:
    'The sender\'s TicketBroker deposit is below the face value of its tickets: winning tickets are paid from the deposit (the reserve only guarantees them). The gateway must top up its deposit (livepeer-ts chain fund-deposit).',
  RESERVE_EXHAUSTED:
    'The sender\'s reserve share for this orchestrator — (reserve + claimed this round) / active orchestrators, less what this orchestrator claimed this round and, when the deposit is under 3× them, its pending redemptions — is below the face value of its tickets. The gateway must top up its reserve (livepeer-ts chain fund-reserve).',
});

export type SenderFundsCode = CodeOf<typeof senderFundsCodes>;

export interface SenderRefusal {
  code: SenderFundsCode;
  message: string;
  funds: SenderFunds;
}

const eth = (wei: bigint): string => `${formatWei(wei)} ETH`;

/**
 * The decision for a payment whose tickets each have `faceValue`: undefined when the sender covers
 * them. The deposit comes first (it is what pays); then the reserve share (what guarantees).
 */
export function senderRefusal(sender: Address, f: SenderFunds, faceValue: bigint): SenderRefusal | undefined {
  if (faceValue <= 0n) return undefined;
  if (f.deposit < faceValue) {
    return {
      code: 'DEPOSIT_TOO_LOW',
      message: `sender ${sender}: deposit ${eth(f.deposit)} is below the ticket face value ${eth(faceValue)}; winning tickets are paid from the deposit: top up the deposit (livepeer-ts chain fund-deposit)`,
      funds: f,
    };
  }
  if (f.maxFloat < faceValue) {
    const share = f.poolSize > 0n && f.claimantActive
      ? `(reserve ${eth(f.reserve)} + ${eth(f.claimedInCurrentRound)} claimed this round) / ${f.poolSize} orchestrators − ${eth(f.claimedByClaimant)} claimed by this one = ${eth(f.reserveAlloc)}`
      : `0 (${f.poolSize === 0n ? 'the transcoder pool is empty' : 'this orchestrator is not active this round'})`;
    const pending = f.maxFloat === f.reserveAlloc ? '' : `, less ${eth(f.pending)} of winning tickets waiting for redemption (the deposit is under ${MIN_DEPOSIT_PENDING_RATIO}× that)`;
    return {
      code: 'RESERVE_EXHAUSTED',
      message: `sender ${sender}: reserve share ${share}${pending} leaves ${eth(f.maxFloat)}, below the ticket face value ${eth(faceValue)}: top up the reserve (livepeer-ts chain fund-reserve)`,
      funds: f,
    };
  }
  return undefined;
}

/**
 * The same checks when the max float comes from elsewhere (a remote redeemer, which knows what it has
 * queued): the deposit from the chain watcher, the max float from `maxFloat`. When that source cannot
 * be read (the redeemer is down) only the deposit is checked: the outage is this orchestrator's, not
 * the sender's, and the payment is then refused for it where the winners are handed over.
 */
export function fundsCheckWith(senders: Pick<SenderFundsReader, 'getSenderInfo'>, maxFloat: MaxFloatSource): { check(sender: Address, faceValue: bigint): Promise<SenderRefusal | undefined> } {
  return {
    async check(sender, faceValue) {
      const [info, remote] = await Promise.all([
        senders.getSenderInfo(sender),
        Promise.resolve()
          .then(() => maxFloat.maxFloat(sender))
          .catch(() => undefined),
      ]);
      // Unknown: only the deposit rule can decide.
      const mf = remote ?? faceValue;
      const funds: SenderFunds = {
        deposit: info.deposit,
        withdrawRound: info.withdrawRound,
        reserve: info.reserve.fundsRemaining,
        claimedInCurrentRound: info.reserve.claimedInCurrentRound,
        poolSize: 0n,
        claimantActive: true,
        claimedByClaimant: 0n,
        reserveAlloc: mf,
        pending: 0n,
        maxFloat: mf,
        availableFunds: mf + info.deposit,
      };
      const r = senderRefusal(sender, funds, faceValue);
      if (r?.code !== 'RESERVE_EXHAUSTED') return r;
      return { ...r, message: `sender ${sender}: max float ${eth(mf)} (its reserve share, less pending redemptions, from the redeemer) is below the ticket face value ${eth(faceValue)}: top up the reserve (livepeer-ts chain fund-reserve)` };
    },
  };
}

export interface SenderMonitorOptions {
  senders: SenderFundsReader;
  pool: ReservePool;
  /** Without it nothing counts as pending. */
  pending?: OpenFaceValue;
}

export class SenderMonitor implements MaxFloatSource {
  constructor(private readonly o: SenderMonitorOptions) {}

  /** The sender's funds as this orchestrator sees them (cached chain state + pending redemptions). */
  async funds(sender: Address): Promise<SenderFunds> {
    const [info, claimedByClaimant, pending] = await Promise.all([
      this.o.senders.getSenderInfo(sender),
      this.o.senders.claimedReserve(sender),
      this.o.pending ? this.o.pending.openFaceValue(sender) : Promise.resolve(0n),
    ]);
    const base = {
      deposit: info.deposit,
      withdrawRound: info.withdrawRound,
      reserve: info.reserve.fundsRemaining,
      claimedInCurrentRound: info.reserve.claimedInCurrentRound,
      poolSize: this.o.pool.poolSize(),
      claimantActive: this.o.pool.claimantActive(),
      claimedByClaimant,
      pending,
    };
    const reserveAlloc = reserveAllocation(base);
    return { ...base, reserveAlloc, maxFloat: maxFloatOf(reserveAlloc, info.deposit, pending), availableFunds: reserveAlloc + info.deposit - pending };
  }

  /** pm's MaxFloatSource: caps the face value of the ticket params issued to `sender`. */
  async maxFloat(sender: Address): Promise<bigint> {
    return (await this.funds(sender)).maxFloat;
  }

  /** undefined when the sender covers tickets of `faceValue`; otherwise why not (billing's SenderFundsCheck). */
  async check(sender: Address, faceValue: bigint): Promise<SenderRefusal | undefined> {
    return senderRefusal(sender, await this.funds(sender), faceValue);
  }

  /**
   * Called when a sender's funds may have changed (sender undefined: every sender's — a new round,
   * a reorg). go-livepeer's SubscribeMaxFloatChange; needs a reader with onEvent.
   */
  onChange(fn: (sender: Address | undefined) => void): () => void {
    return this.o.senders.onEvent?.((e) => fn(e.kind === 'event' ? e.sender : undefined)) ?? (() => {});
  }
}
