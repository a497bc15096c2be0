// Plain in-memory implementations of the seams in deps.ts: for tests, demos and off-chain modes.
import type { Address } from 'viem';
import { ZERO_HASH } from './bytes.js';
import type { ChainView, MaxFloatSource, SenderInfo, SenderInfoSource, WinningTicket, WinningTicketSink } from './deps.js';
import type { Hex32 } from './ticket.js';

export class MemoryChainView implements ChainView {
  l1Block: bigint;
  round: bigint;
  roundBlockHash: Hex32;
  preRoundBlockHash: Hex32;
  constructor(init: { l1Block?: bigint; round?: bigint; roundBlockHash?: Hex32; preRoundBlockHash?: Hex32 } = {}) {
    this.l1Block = init.l1Block ?? 0n;
    this.round = init.round ?? 0n;
    this.roundBlockHash = init.roundBlockHash ?? ZERO_HASH;
    this.preRoundBlockHash = init.preRoundBlockHash ?? ZERO_HASH;
  }
  lastSeenL1Block(): bigint {
    return this.l1Block;
  }
  lastInitializedRound(): bigint {
    return this.round;
  }
  lastInitializedL1BlockHash(): Hex32 {
    return this.roundBlockHash;
  }
  preLastInitializedL1BlockHash(): Hex32 {
    return this.preRoundBlockHash;
  }
}

/** Sender infos by address (case-insensitive); unknown senders have zero funds. */
export class MemorySenderInfo implements SenderInfoSource, MaxFloatSource {
  private readonly infos = new Map<string, SenderInfo>();
  private readonly floats = new Map<string, bigint>();
  set(sender: Address, info: { deposit?: bigint; withdrawRound?: bigint; reserve?: Partial<SenderInfo['reserve']> }): this {
    this.infos.set(sender.toLowerCase(), {
      deposit: info.deposit ?? 0n,
      withdrawRound: info.withdrawRound ?? 0n,
      reserve: { fundsRemaining: info.reserve?.fundsRemaining ?? 0n, claimedInCurrentRound: info.reserve?.claimedInCurrentRound ?? 0n },
    });
    return this;
  }
  setMaxFloat(sender: Address, v: bigint): this {
    this.floats.set(sender.toLowerCase(), v);
    return this;
  }
  getSenderInfo(sender: Address): SenderInfo {
    return this.infos.get(sender.toLowerCase()) ?? { deposit: 0n, withdrawRound: 0n, reserve: { fundsRemaining: 0n, claimedInCurrentRound: 0n } };
  }
  maxFloat(sender: Address): bigint {
    return this.floats.get(sender.toLowerCase()) ?? 0n;
  }
}

export class MemoryTicketSink implements WinningTicketSink {
  readonly tickets: WinningTicket[] = [];
  onWinningTicket(t: WinningTicket): void {
    this.tickets.push(t);
  }
}
