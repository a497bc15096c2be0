// The gateway market's snapshot follows every change without a rebuild from scratch: a fault (the
// pool's version and change log) patches the orchestrator's row, a success makes it asked again, a
// listing turning stale on the clock alone patches its row; per job, the tried ones are left out and
// an exclude list by address gates. Real Discovery and SessionPool; the orchestrators answer through
// an in-process client (as sessions.test.ts), the probabilities are computed here from the stakes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import pino from 'pino';
import { Rat } from '../../money/index.js';
import { Capability, DEFAULT_SELECTION_WEIGHTS, Discovery, aiJobCapabilities, defaultCapabilities, makeCapabilities, mandatoryOCapabilities, type MarketEntry } from '../../market/index.js';
import { localTicketSigner } from '../../pm/index.js';
import { OrchestratorInfoSchema, createAuthToken, priceInfoToWire, type OrchestratorClient } from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { GatewayMarket, type MarketView } from './market.js';
import { SessionPool, type JobTarget } from './sessions.js';
import { StatsRecorder } from './stats.js';
import { seededRng } from '../../market/selection/testkit.js';

const MODEL = 'stabilityai/sd-turbo';
const caps = aiJobCapabilities('text-to-image', MODEL);
const job: JobTarget = { pipeline: 'text-to-image', modelId: MODEL, capability: Capability.TextToImage, capabilities: caps, capabilitiesWire: capabilitiesToWire(caps), maxPrice: Rat.from(100n) };
const orchCaps = capabilitiesToWire(
  makeCapabilities({
    capabilities: [...defaultCapabilities(), Capability.TextToImage],
    mandatories: mandatoryOCapabilities(),
    capacities: [[Capability.TextToImage, 2]],
    perCapability: [[Capability.TextToImage, [[MODEL, { warm: true, capacity: 2, capacityInUse: 0 }]]]],
  }),
);
const url = (n: string) => `https://${n}.test:8935`;
const addr = (k: number) => `0x${String(k).repeat(40)}` as const;
const TTL = 10_000;

function setup(ttlMs = TTL) {
  let t = Date.now();
  const now = () => t;
  const asked = new Map<string, number>();
  let cDown = false;
  const discovery = new Discovery({
    sources: [
      { kind: 'webhook', description: 'a, b', list: () => Promise.resolve([{ url: url('a'), address: addr(1), stake: 1n }, { url: url('b'), address: addr(2), stake: 2n }]) },
      { kind: 'signer', description: 'c', list: () => (cDown ? Promise.reject(new Error('down')) : Promise.resolve([{ url: url('c'), address: addr(3), stake: 3n }])) },
    ],
    refreshMs: 0,
    ttlMs,
    now,
  });
  const client = (u: string) =>
    ({
      getOrchestrator: () => {
        asked.set(u, (asked.get(u) ?? 0) + 1);
        const k = u === url('a') ? 1 : u === url('b') ? 2 : 3;
        return Promise.resolve(create(OrchestratorInfoSchema, { transcoder: u, priceInfo: priceInfoToWire({ pricePerUnit: 10n, pixelsPerUnit: 1n }), address: Uint8Array.from(Buffer.from(addr(k).slice(2), 'hex')), capabilities: orchCaps, authToken: createAuthToken(new Uint8Array(32)) }));
      },
    }) as unknown as OrchestratorClient;
  const pool = new SessionPool({ discovery, client, signer: localTicketSigner(`0x${'01'.repeat(32)}`), sender: undefined, chain: undefined, stats: new StatsRecorder(), log: pino({ level: 'silent' }), suspendMs: 60_000, suspendBaseMs: 60_000, discoveryTimeoutMs: 1000, now });
  const market = new GatewayMarket({ discovery, pool, weights: DEFAULT_SELECTION_WEIGHTS });
  return { discovery, pool, market, asked, advance: (ms: number) => (t += ms), down: () => (cDown = true) };
}

/** key → probability (qualified) or reason (rejected). */
function table(v: MarketView): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const q of v.evaluation.qualified) out[new URL(q.candidate.key).hostname.split('.')[0]!] = Math.round(q.probability * 1e6) / 1e6;
  for (const r of v.evaluation.rejected) out[new URL(r.candidate.key).hostname.split('.')[0]!] = r.reason;
  return out;
}
/** go-livepeer's formula with the default weights (stake 0.7, random 0.3) over these stakes. */
const p = (stakes: number[]) => {
  const sum = stakes.reduce((a, b) => a + b);
  return stakes.map((s) => Math.round((0.7 * (s / sum) + 0.3 / stakes.length) * 1e6) / 1e6);
};

describe('GatewayMarket snapshot', () => {
  it('a fault, a success and the clock each change the view; only the changed rows are computed again', async () => {
    const { discovery, pool, market, asked, advance, down } = setup();
    await discovery.refresh();
    const [pa, pb, pc] = p([1, 2, 3]);
    assert.deepEqual(table(await market.view(job)), { a: pa, b: pb, c: pc });
    assert.deepEqual([...asked.values()], [1, 1, 1]);
    const built = market.rebuilds;

    // a fault of b's own: suspended at the next job, the others' probabilities from their stakes
    pool.suspend(url('b'), job.capability, 'RUNNER_FAILED');
    const [qa, qc] = p([1, 3]);
    const v = await market.view(job);
    assert.deepEqual(table(v), { a: qa, b: 'suspended', c: qc });
    assert.match(v.evaluation.rejected[0]!.detail, /after RUNNER_FAILED \(1 fault in a row\)/);
    assert.equal(market.rebuilds, built, 'patched, not rebuilt');
    assert.ok(market.patches >= 1);

    // a success ends the streak: b is asked again and qualifies
    pool.succeeded(url('b'), job.capability);
    assert.deepEqual(table(await market.view(job)), { a: pa, b: pb, c: pc });
    assert.equal(asked.get(url('b')), 2);

    // c's source goes down: a refresh keeps c; once the clock passes its TTL (no refresh since), c is stale
    advance(TTL / 2);
    down();
    await discovery.refresh();
    const rebuiltAfterRefresh = market.rebuilds;
    assert.deepEqual(table(await market.view(job)), { a: pa, b: pb, c: pc });
    assert.equal(market.rebuilds, rebuiltAfterRefresh + 1, 'a refresh is a registry change: rebuilt');
    advance(TTL / 2 + 1);
    const [ra, rb] = p([1, 2]);
    const stale = await market.view(job);
    assert.deepEqual(table(stale), { a: ra, b: rb, c: 'stale' });
    assert.match(stale.evaluation.rejected[0]!.detail, /no source has listed it since/);
    assert.equal(market.rebuilds, rebuiltAfterRefresh + 1, 'the clock alone: patched');
  });

  it("per job: the tried ones in neither list, an exclude list by address, the entry and session of each", async () => {
    const { discovery, pool, market } = setup();
    await discovery.refresh();
    const v = await market.view(job, { tried: new Set([url('a')]), filter: { exclude: [addr(2)] } });
    assert.deepEqual(table(v), { b: 'excluded', c: 1 });
    assert.equal(v.evaluation.rejected[0]!.detail, 'in this request\'s "exclude" list');
    assert.equal(v.entry(url('a')), undefined);
    assert.equal((v.entry(url('c')) as MarketEntry).stake, 3n);
    assert.equal(v.session(url('c'))?.transcoder, url('c'));
    // the next job without them sees everyone again (the job's gates are its own)
    const [pa, pb, pc] = p([1, 2, 3]);
    assert.deepEqual(table(await market.view(job)), { a: pa, b: pb, c: pc });
    // include by URI: only that one
    assert.deepEqual(table(await market.view(job, { filter: { include: [url('b')] } })), { a: 'excluded', b: 1, c: 'excluded' });
    const pick = await market.pick(job, { filter: { include: [url('b')] } });
    assert.equal(pick.chosen?.session.url, url('b'));
    // after a patch (c suspended), the match index handed on still finds c by its address
    pool.suspend(url('c'), job.capability, 'RUNNER_FAILED');
    assert.deepEqual(table(await market.view(job, { filter: { exclude: [addr(3)] } })), { a: p([1, 2])[0]!, b: p([1, 2])[1]!, c: 'excluded' });
    assert.deepEqual(table(await market.view(job, { filter: { exclude: [url('a')] } })), { a: 'excluded', b: 1, c: 'suspended' });
  });

  it('over random faults, successes, dropped sessions and the clock, the patched view is the view built from scratch', async () => {
    // listings that outlast the run (a stale listing rebuilds the snapshot's bounds): the suspensions' ends are what the clock passes
    const { discovery, pool, market, asked, advance } = setup(3_600_000);
    await discovery.refresh();
    await market.view(job);
    const rng = seededRng(5);
    const names = ['a', 'b', 'c'];
    let patchesBefore = market.patches;
    for (let step = 0; step < 200; step++) {
      const r = rng();
      const u = url(names[Math.floor(rng() * names.length)]!);
      if (r < 0.25) pool.suspend(u, job.capability, 'RUNNER_FAILED');
      else if (r < 0.32) pool.succeeded(u, job.capability);
      else if (r < 0.42) {
        const s = pool.cached(u, job);
        if (s?.kind === 'session') pool.invalidate(s.session, job);
      } else advance(Math.floor(rng() * 20_000)); // suspensions end (60 s)
      if (rng() < 0.03) await discovery.refresh();
      const got = table(await market.view(job));
      const askedBefore = [...asked.values()].reduce((x, y) => x + y, 0);
      const fresh = new GatewayMarket({ discovery, pool, weights: DEFAULT_SELECTION_WEIGHTS });
      assert.deepEqual(got, table(await fresh.view(job)), `step ${step}`);
      assert.equal([...asked.values()].reduce((x, y) => x + y, 0), askedBefore, `step ${step}: the patched view asked everyone the fresh one would`);
    }
    assert.ok(market.patches - patchesBefore > 30, `patched ${market.patches - patchesBefore} times`);
    patchesBefore = market.patches;
  });
});
