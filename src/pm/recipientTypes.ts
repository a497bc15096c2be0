// The Recipient's public shapes: its configuration, what seal() hands to the next run, and the
// per-ticket and per-payment results. Kept apart from the class so that the types a caller needs
// read on their own.
import type { Address } from 'viem';
import type { Rat } from '../money/index.js';
import type { ChainView, GasPriceSource, MaxFloatSource, SenderInfoSource, WinningTicketSink } from './deps.js';
import type { PmError } from './errors.js';
import type { NonceSnapshotEntry } from './nonces.js';
import type { TicketParamsConfig } from './params.js';
import type { Hex32 } from './ticket.js';

export interface RecipientConfig {
  /** The ticket recipient (-ethOrchAddr or the node account). */
  address: Address;
  /** 32-byte HMAC secret; random when omitted (go-livepeer keeps it in memory only). */
  secret?: Uint8Array;
  chain: ChainView;
  senders: SenderInfoSource;
  sink?: WinningTicketSink;
  /** Needed only for ticketParams(). */
  params?: TicketParamsConfig;
  gasPrice?: GasPriceSource;
  maxFloat?: MaxFloatSource;
  /**
   * Which runs ("boots") of this orchestrator issued the params it takes tickets for. `id` goes
   * into every seed issued; tickets on params of another boot are refused
   * (TICKET_PARAMS_UNKNOWN_BOOT) unless it is in `resumed` — earlier boots whose complete nonce
   * memory the caller restores (restoreNonces), so their replays are still refused. Omitted: seeds
   * carry no boot and any is accepted, which is safe only when `secret` dies with the process.
   */
  boot?: { id: bigint; resumed?: readonly bigint[] };
}

/** What seal() hands over for the next run. */
export interface RecipientState {
  /** Nonce memory of params still unexpired at `latestBlock`. */
  nonces: NonceSnapshotEntry[];
  latestBlock: bigint;
  /** No params this Recipient issued expire after this block. */
  paramsExpireBy: bigint;
}

export interface ReceiveResult {
  won: boolean;
  /** recipientRandHash (go-livepeer's session ID) when the ticket won. */
  sessionId?: Hex32;
  /** The ticket's exact EV in wei. */
  ev: Rat;
  /** True when the ticket was valid and its EV may be credited. */
  credited: boolean;
  error?: PmError;
}

export interface PaymentResult {
  /** Total EV credited (wei, exact). */
  credited: Rat;
  /** One result per ticket processed (all of them unless a fatal error aborted the payment). */
  tickets: ReceiveResult[];
  winners: number;
  /** The first error; a fatal one aborted the payment. */
  error?: PmError;
  aborted: boolean;
}
