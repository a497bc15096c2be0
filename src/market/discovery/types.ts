// One interface for every way a gateway learns about orchestrators (go-livepeer discovery/*):
// a source lists service URIs (and, where it knows them, the ETH address, stake and score); the
// Discovery registry (registry.ts) merges the sources, keeps each entry's lastSeen and TTL, and the
// fan-out (fanout.ts) asks the listed orchestrators GetOrchestrator with go-livepeer's timing.
import type { Address } from 'viem';

/** Where an entry came from, as the /orchestrators table shows it. */
export type SourceKind = 'orchAddr' | 'webhook' | 'signer' | 'chain';

export interface SourceEntry {
  /** Service URI, normalised to scheme://host:port (no path). */
  url: string;
  /** ETH address when the source knows it (on-chain pool); otherwise learnt from GetOrchestrator. */
  address?: Address;
  /** Bonded stake in wei (on-chain pool, or a webhook entry's `stake`). */
  stake?: bigint;
  /** go-livepeer's score (webhook JSON `score`; -orchAddr entries are trusted = 1). Informational for AI. */
  score?: number;
}

export interface DiscoverySource {
  readonly kind: SourceKind;
  /** For logs and the table, e.g. the webhook URL (never credentials). */
  readonly description: string;
  /**
   * The source's current list. Throws (typed DiscoveryError) when it cannot say: the registry then
   * keeps the entries this source listed last (never "one timeout empties the pool").
   */
  list(signal?: AbortSignal): Promise<SourceEntry[]>;
  close?(): void;
}
