// -orchAddr and -orchBlocklist as go-livepeer parses them (cmd/livepeer/starter parseOrchAddrs,
// parseOrchBlacklist), and the static source built from the list.
import type { DiscoverySource, SourceEntry } from './types.js';

/** go-livepeer's OrchestratorRpcPort: a bare -orchAddr host gets it. */
export const DEFAULT_ORCH_PORT = 8935;

export interface DroppedEntry {
  entry: string;
  why: string;
}

export interface ParsedOrchAddrs {
  urls: string[];
  /** Entries go-livepeer would log and drop (url.ParseRequestURI failures), with the reason. */
  dropped: DroppedEntry[];
}

/** scheme://host:port of a service URI (path dropped, default port 8935 added); undefined when unusable. */
export function normalizeServiceUri(raw: string): string | undefined {
  let s = raw.trim();
  if (s === '') return undefined;
  if (s.startsWith(':')) s = `127.0.0.1${s}`;
  if (!s.includes('://')) s = `https://${s}`;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.hostname === '') return undefined;
  if (u.port === '') u.port = String(DEFAULT_ORCH_PORT);
  return `${u.protocol}//${u.host}`;
}

/**
 * go-livepeer parseOrchAddrs: comma split and trimmed; a bare host gets :8935, a leading ":port"
 * gets 127.0.0.1, a missing scheme https://; unusable entries are dropped (the caller logs them),
 * duplicates kept once.
 */
export function parseOrchAddrList(input: string | readonly string[]): ParsedOrchAddrs {
  const parts = (typeof input === 'string' ? input.split(',') : input.flatMap((s) => s.split(','))).map((s) => s.trim()).filter(Boolean);
  const urls: string[] = [];
  const dropped: DroppedEntry[] = [];
  for (const p of parts) {
    const url = normalizeServiceUri(p);
    if (url === undefined) {
      dropped.push({ entry: p, why: 'not an http(s) URL or host:port' });
      continue;
    }
    if (!urls.includes(url)) urls.push(url);
  }
  return { urls, dropped };
}

/**
 * go-livepeer parseOrchBlacklist: lower-cased, comma split; compared with the orchestrator's ETH
 * address as hex without 0x. Unlike go-livepeer (which forgets it for -orchWebhookUrl), every source
 * honours it here.
 */
export function parseOrchBlocklist(input: string | readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  if (input === undefined) return out;
  const parts = typeof input === 'string' ? input.split(',') : input.flatMap((s) => s.split(','));
  for (const p of parts) {
    const a = p.trim().toLowerCase().replace(/^0x/, '');
    if (a !== '') out.add(a);
  }
  return out;
}

/** Whether `address` (0x… or bare hex) is on the blocklist. */
export function isBlocklisted(blocklist: ReadonlySet<string>, address: string | undefined): boolean {
  if (address === undefined || blocklist.size === 0) return false;
  return blocklist.has(address.toLowerCase().replace(/^0x/, ''));
}

/** The -orchAddr list as a source: static, trusted (score 1), never fails. */
export function staticSource(urls: readonly string[]): DiscoverySource {
  const entries: SourceEntry[] = urls.map((url) => ({ url, score: 1 }));
  return { kind: 'orchAddr', description: '-orchAddr', list: () => Promise.resolve(entries.map((e) => ({ ...e }))) };
}
