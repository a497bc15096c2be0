// Config fields the two nodes that keep and redeem winning tickets (orchestrator, redeemer) share,
// with one meaning and one default: where the tickets are kept, how durable a commit is, and how
// redemptions are batched. Each node's schema spreads these in.
import { z } from 'zod';
import type { Store } from '../../store/index.js';

/** A wei amount: bigint, safe integer, or a decimal string of digits. */
export const bigintLike = z.union([z.bigint(), z.number().int(), z.string().regex(/^\d+$/)]).transform((v) => BigInt(v));

export const ticketStoreFields = {
  /**
   * Where winning tickets and their redemption history are kept (src/store's contract). Library
   * option (the caller closes it); unset: the node opens its own from -storeUrl, else SQLite in
   * -dataDir (docs/store.md).
   */
  store: z.custom<Store>((v) => typeof v === 'object' && v !== null && 'tickets' in v && 'describe' in v, 'must be a Store').optional(),
  /** PostgreSQL URL of a ticket store shared by several processes (ours: go-livepeer has SQLite only). */
  storeUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  /** full: a committed winning ticket survives a power loss; normal: a process crash only. */
  storeDurability: z.enum(['full', 'normal']).default('full'),
};

export const redemptionBatchFields = {
  /**
   * A winning ticket is redeemed while what it pays > its gas cost × this (in its last redeemable
   * round: > the gas cost, go-livepeer's only check); below, it waits for gas to fall.
   */
  redeemCostMultiplier: bigintLike.default(1n),
  /** Winning tickets per redemption transaction (batchRedeemWinningTickets when more than one). */
  redeemBatchSize: z.number().int().min(1).max(200).default(20),
  /** Redemption transactions in flight (signed and sent, not yet mined; managed nonces) at most. */
  redeemMaxInFlight: z.number().int().min(1).max(64).default(8),
};
