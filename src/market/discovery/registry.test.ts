import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { DiscoveryError } from './errors.js';
import { Discovery } from './registry.js';
import type { DiscoverySource, SourceEntry } from './types.js';

/** A source whose next answer the test sets: a list, or an error. */
function scripted(kind: DiscoverySource['kind']): DiscoverySource & { next: SourceEntry[] | Error; calls: number } {
  const s = {
    kind,
    description: kind,
    next: [] as SourceEntry[] | Error,
    calls: 0,
    list(): Promise<SourceEntry[]> {
      s.calls++;
      return s.next instanceof Error ? Promise.reject(s.next) : Promise.resolve(s.next.map((e) => ({ ...e })));
    },
  };
  return s;
}

const A = '0x00000000000000000000000000000000000000a1' as Address;
const B = '0x00000000000000000000000000000000000000b2' as Address;

describe('discovery registry', () => {
  it('merges the sources; a failing source keeps its last list, which goes stale after the TTL', async () => {
    let t = 1_000;
    const hook = scripted('webhook');
    const fixed = scripted('orchAddr');
    hook.next = [{ url: 'https://a:1', stake: 5n }, { url: 'https://b:2' }];
    fixed.next = [{ url: 'https://b:2', score: 1 }];
    const errors: unknown[] = [];
    const d = new Discovery({ sources: [hook, fixed], refreshMs: 0, ttlMs: 10_000, now: () => t, onError: (_s, e) => errors.push(e) });
    await d.start();
    assert.deepEqual(
      d.entries().map((e) => [e.url, e.sources, e.stake]),
      [
        ['https://a:1', ['webhook'], 5n],
        ['https://b:2', ['webhook', 'orchAddr'], undefined],
      ],
    );
    t += 5_000;
    hook.next = new DiscoveryError('DISCOVERY_SOURCE_FAILED', 'webhook timed out');
    await d.refresh();
    assert.equal(d.size, 2, 'one failed refresh does not empty the pool');
    assert.equal(d.status().find((s) => s.kind === 'webhook')!.lastError!.code, 'DISCOVERY_SOURCE_FAILED');
    assert.ok(!d.isStale(d.get('https://a:1')!));
    t += 6_000;
    await d.refresh();
    assert.ok(d.isStale(d.get('https://a:1')!), 'unconfirmed for longer than the TTL');
    assert.ok(!d.isStale(d.get('https://b:2')!), 'b is still listed by -orchAddr');
    assert.equal(errors.length, 2);
    hook.next = [];
    await d.refresh();
    assert.deepEqual(d.entries().map((e) => e.url), ['https://b:2'], 'a successful empty list removes what only it listed');
    d.close();
  });

  it('takes stakes by address from stake-only sources, and learns addresses from answers', async () => {
    const fixed = scripted('orchAddr');
    const chain = scripted('chain');
    fixed.next = [{ url: 'https://a:1' }, { url: 'https://b:2' }];
    chain.next = [{ url: 'https://elsewhere:9', address: A, stake: 700n }];
    const d = new Discovery({ sources: [fixed], stakeSources: [chain], refreshMs: 0, blocklist: new Set([B.slice(2)]) });
    await d.start();
    assert.deepEqual(d.entries().map((e) => e.url), ['https://a:1', 'https://b:2'], 'stake-only sources add no candidates');
    assert.equal(d.get('https://a:1')!.stake, undefined);
    d.learnAddress('https://a:1', A);
    d.learnAddress('https://b:2', B);
    d.learnAddress('https://unknown:3', B);
    assert.equal(d.get('https://a:1')!.stake, 700n);
    assert.ok(d.isBlocklisted(d.get('https://b:2')!));
    assert.ok(!d.isBlocklisted(d.get('https://a:1')!));
    d.close();
  });

  it('keeps at most maxEntries, the most recently listed', async () => {
    const hook = scripted('webhook');
    hook.next = Array.from({ length: 50 }, (_, i) => ({ url: `https://o${i}:1` }));
    const d = new Discovery({ sources: [hook], refreshMs: 0, maxEntries: 10 });
    await d.start();
    assert.equal(d.size, 10);
    d.close();
  });

  it('refreshes on its schedule and stops when closed; concurrent refreshes share one round', async () => {
    const hook = scripted('webhook');
    hook.next = [{ url: 'https://a:1' }];
    const d = new Discovery({ sources: [hook], refreshMs: 20 });
    await d.start();
    await Promise.all([d.refresh(), d.refresh()]);
    const afterManual = hook.calls;
    assert.equal(afterManual, 2, 'start + one shared on-demand round');
    const deadline = Date.now() + 30_000;
    while (hook.calls < afterManual + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(hook.calls >= afterManual + 2, 'the timer refreshes');
    d.close();
    const closedAt = hook.calls;
    await d.refresh();
    assert.equal(hook.calls, closedAt, 'closed: no more reads');
  });
});
