// The on-chain pool (go-livepeer client.TranscoderPool + discovery/db_discovery.go): walk
// BondingManager's sorted transcoder pool from getFirstTranscoderInPool() with
// getNextTranscoderInPool(addr) until 0, keep the members active this round (isActiveTranscoder,
// go-livepeer's activationRound ≤ round < deactivationRound), with their stake and service URI.
//
// Which URI: the AI service registry's when it holds one, else ServiceRegistry's. go-livepeer with
// -aiServiceRegistry reads the AI registry only (its binding replaces ServiceRegistry), and on
// Arbitrum One AI orchestrators register their AI endpoint there — which may differ from their
// transcoding URI, so for AI jobs it must win. Falling back to ServiceRegistry keeps an orchestrator
// that registered in one place only reachable (go-livepeer would miss it; docs/differences.md).
//
// Stake: transcoderTotalStake (the pool key, the delegated stake now). go-livepeer reads the
// earnings pool's totalStake for the current round, which lazy population leaves at 0 for some
// active orchestrators (reference contracts.md); the pool key has no such hole.
import { zeroAddress, type Address, type PublicClient } from 'viem';
import { bondingManagerAbi, serviceRegistryAbi } from '../../eth/index.js';
import { DiscoveryError } from './errors.js';
import { normalizeServiceUri } from './orch-addr.js';
import type { DiscoverySource, SourceEntry } from './types.js';

export interface ChainPoolSourceOptions {
  publicClient: PublicClient;
  bondingManager: Address;
  /** The Controller's ServiceRegistry (transcoding URIs); zero = none. */
  serviceRegistry: Address;
  /** The AI service registry (devnet: the Controller's AIServiceRegistry; Arbitrum One: go-livepeer's address); zero = none. */
  aiServiceRegistry: Address;
  /** Members read at most (the pool's max size on mainnet is 100). Default 1000. */
  maxMembers?: number;
  /** Called for a member skipped for a reason worth a log line (no URI, unusable URI). */
  onSkip?: (address: Address, why: string) => void;
}

/** What the walk found for one active member, including why it could not be listed. */
export interface PoolMember {
  address: Address;
  stake: bigint;
  aiUri: string;
  serviceUri: string;
  /** The URI used (AI registry's wins), normalised; undefined when neither is usable. */
  url: string | undefined;
}

export class ChainPoolSource implements DiscoverySource {
  readonly kind = 'chain' as const;
  readonly description = 'on-chain pool (BondingManager + service registries)';

  constructor(private readonly o: ChainPoolSourceOptions) {}

  /** Every active member, URI or not. */
  async members(): Promise<PoolMember[]> {
    const { publicClient: pc, bondingManager } = this.o;
    const max = this.o.maxMembers ?? 1000;
    const read = <T>(p: Promise<T>, what: string): Promise<T> =>
      p.catch((err: unknown) => {
        throw new DiscoveryError('DISCOVERY_SOURCE_FAILED', `on-chain pool: ${what} failed: ${(err as Error).message}`, { cause: err });
      });
    const addrs: Address[] = [];
    let next = await read(pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'getFirstTranscoderInPool' }), 'getFirstTranscoderInPool');
    const seen = new Set<string>();
    while (next !== zeroAddress && addrs.length < max && !seen.has(next.toLowerCase())) {
      seen.add(next.toLowerCase());
      addrs.push(next);
      next = await read(pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'getNextTranscoderInPool', args: [next] }), 'getNextTranscoderInPool');
    }
    const uriOf = (registry: Address, a: Address): Promise<string> =>
      registry === zeroAddress ? Promise.resolve('') : read(pc.readContract({ address: registry, abi: serviceRegistryAbi, functionName: 'getServiceURI', args: [a] }), 'getServiceURI');
    const out: PoolMember[] = [];
    for (const address of addrs) {
      const [active, stake, aiUri, serviceUri] = await Promise.all([
        read(pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'isActiveTranscoder', args: [address] }), 'isActiveTranscoder'),
        read(pc.readContract({ address: bondingManager, abi: bondingManagerAbi, functionName: 'transcoderTotalStake', args: [address] }), 'transcoderTotalStake'),
        uriOf(this.o.aiServiceRegistry, address),
        uriOf(this.o.serviceRegistry, address),
      ]);
      if (!active) continue;
      const url = (aiUri !== '' ? normalizeServiceUri(aiUri) : undefined) ?? (serviceUri !== '' ? normalizeServiceUri(serviceUri) : undefined);
      out.push({ address, stake, aiUri, serviceUri, url });
    }
    return out;
  }

  async list(): Promise<SourceEntry[]> {
    const out: SourceEntry[] = [];
    const seen = new Set<string>();
    for (const m of await this.members()) {
      if (m.url === undefined) {
        this.o.onSkip?.(m.address, m.aiUri === '' && m.serviceUri === '' ? 'no service URI in either registry' : `unusable service URI ${JSON.stringify(m.aiUri || m.serviceUri)}`);
        continue;
      }
      if (seen.has(m.url)) continue;
      seen.add(m.url);
      out.push({ url: m.url, address: m.address, stake: m.stake, score: 0 });
    }
    return out;
  }
}
