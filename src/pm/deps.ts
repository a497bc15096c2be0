// Narrow seams to the outside world. The eth layer implements them from chain watchers; tests
// feed plain data. Methods may be sync or async — the hot path stays sync when they are.
import type { Address } from 'viem';
import type { Hex32, SignedTicket } from './ticket.js';

/** What the node currently knows about the chain (go-livepeer's TimeManager / RoundsManager view). */
export interface ChainView {
  /** Latest L1 block seen (Arbitrum reports L1 block numbers in its headers). */
  lastSeenL1Block(): bigint;
  lastInitializedRound(): bigint;
  /** L1 block hash recorded for the last initialized round. */
  lastInitializedL1BlockHash(): Hex32;
  /** Block hash of the round before, used when the last one is zero (Arbitrum quirk). */
  preLastInitializedL1BlockHash?(): Hex32;
}

/** TicketBroker.getSenderInfo, as cached by a sender watcher. */
export interface SenderInfo {
  deposit: bigint;
  withdrawRound: bigint;
  reserve: { fundsRemaining: bigint; claimedInCurrentRound: bigint };
}

export interface SenderInfoSource {
  getSenderInfo(sender: Address): SenderInfo | Promise<SenderInfo>;
}

/** Max float per sender (go-livepeer SenderMonitor.MaxFloat, pm.md §6.5). */
export interface MaxFloatSource {
  maxFloat(sender: Address): bigint | Promise<bigint>;
}

/** Current gas price in wei (go-livepeer GasPriceMonitor: max(polled, minGasPrice)). */
export interface GasPriceSource {
  gasPrice(): bigint;
}

export interface WinningTicket extends SignedTicket {
  /** recipientRandHash of the params (go-livepeer's session ID). */
  sessionId: Hex32;
}

/**
 * Where winning tickets go. Awaited before a payment is acknowledged, so a durable sink makes
 * "a winning ticket is on disk before the payment is acknowledged" hold.
 */
export interface WinningTicketSink {
  onWinningTicket(t: WinningTicket): void | Promise<void>;
}

export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** go-livepeer: an unlock is "soon" when withdrawRound ≠ 0 and withdrawRound ≤ lastInitializedRound + 1. */
export function unlockingSoon(info: SenderInfo, lastInitializedRound: bigint): boolean {
  return info.withdrawRound !== 0n && info.withdrawRound <= lastInitializedRound + 1n;
}
