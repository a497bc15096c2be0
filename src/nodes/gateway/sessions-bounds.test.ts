// The session cache's eviction rules: pm sessions ended when a cached session is replaced or
// dropped, an LRU cap over (orchestrator, capability, model) entries (the model id is the client's),
// and expired refusals swept; a replaced pm session lives PM_SESSION_GRACE_MS more for jobs that
// already selected it. The orchestrator is a fake GetOrchestrator answering with freshly
// drawn params (a unit test of the pool; the real orchestrator is driven in bench/soak.bench.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import pino from 'pino';
import type { Address } from 'viem';
import { aiJobCapabilities, Capability } from '../../market/index.js';
import { MAX_WIN_PROB, MemoryChainView, MemorySenderInfo, Sender, bytesToHex, localTicketSigner } from '../../pm/index.js';
import type { Hex32 } from '../../pm/index.js';
import { OrchestratorInfoSchema, createAuthToken, priceInfoToWire, ticketParamsToWire, type OrchestratorClient, type OrchestratorRequest } from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { PM_SESSION_GRACE_MS, SessionPool, type JobTarget } from './sessions.js';
import { StatsRecorder } from './stats.js';

const URL = 'https://o.test:8935';
const RECIPIENT: Address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const ZERO32 = `0x${'00'.repeat(32)}` as Hex32;

function jobFor(modelId: string): JobTarget {
  const caps = aiJobCapabilities('text-to-image', modelId);
  return { pipeline: 'text-to-image', modelId, capability: Capability.TextToImage, capabilities: caps, capabilitiesWire: capabilitiesToWire(caps), maxPrice: undefined };
}

function setup(opts: { maxEntries?: number; refuseModel?: (m: string) => boolean } = {}) {
  let nowMs = 1_000_000;
  const chain = new MemoryChainView({ l1Block: 100n, round: 5n, roundBlockHash: ZERO32 });
  const signer = localTicketSigner(`0x${'01'.repeat(32)}`);
  const senders = new MemorySenderInfo().set(signer.address, { deposit: 10n ** 18n, withdrawRound: 0n, reserve: { fundsRemaining: 10n ** 18n } });
  const sender = new Sender({ signer, chain, senders });
  const secret = randomBytes(32);
  const orchestrator = {
    getOrchestrator: (req: OrchestratorRequest) => {
      const model = [...aiJobCapabilitiesModels(req)][0] ?? '';
      // A refused model: the answer lists another model (GW_MODEL_MISSING, which suspends no one).
      const capabilities = opts.refuseModel?.(model) ? jobFor('other').capabilitiesWire : req.capabilities;
      // Fresh params on every answer, as an orchestrator issuing per-request seeds does.
      const params = {
        recipient: RECIPIENT,
        faceValue: 1_000_000n,
        winProb: MAX_WIN_PROB / 1000n,
        recipientRandHash: bytesToHex(randomBytes(32)) as Hex32,
        seed: 1n,
        expirationBlock: chain.l1Block + 10n,
        price: { pricePerUnit: 1n, pixelsPerUnit: 1n },
        expirationParams: { creationRound: 5n, creationRoundBlockHash: ZERO32 },
      };
      return Promise.resolve(
        create(OrchestratorInfoSchema, {
          transcoder: 'https://o.test:8935',
          ticketParams: ticketParamsToWire(params),
          priceInfo: priceInfoToWire({ pricePerUnit: 1n, pixelsPerUnit: 1n }),
          address: Buffer.from(RECIPIENT.slice(2), 'hex'),
          capabilities,
          authToken: createAuthToken(secret, { now: BigInt(Math.floor(nowMs / 1000)) }),
        }),
      );
    },
  } as unknown as OrchestratorClient;
  const pool = new SessionPool({
    discovery: [URL],
    client: () => orchestrator,
    signer,
    sender,
    chain,
    stats: new StatsRecorder(),
    log: pino({ level: 'silent' }),
    suspendMs: 60_000,
    discoveryTimeoutMs: 1000,
    ...(opts.maxEntries === undefined ? {} : { maxEntries: opts.maxEntries }),
    now: () => nowMs,
  });
  return { pool, sender, chain, advance: (ms: number) => (nowMs += ms) };
}

/** The model ids a GetOrchestrator request asks for (the fake lists exactly those). */
function aiJobCapabilitiesModels(req: OrchestratorRequest): Set<string> {
  const out = new Set<string>();
  for (const c of Object.values(req.capabilities?.constraints?.PerCapability ?? {})) for (const m of Object.keys(c.models)) out.add(m);
  return out;
}

describe('session pool: bounded state', () => {
  it('replacing a session (a refresh) ends its pm session after the grace: 500 refreshes leave one pm session', async () => {
    const { pool, sender, advance } = setup();
    const job = jobFor('m');
    for (let i = 0; i < 500; i++) {
      const s = await pool.select(job, new Set());
      assert.ok(s?.pmSessionId);
      // A failed job drops the session; the params are still valid, so only the pool can end it.
      pool.invalidate(s, job);
      advance(100);
    }
    // 500 × 100 ms: all but the last PM_SESSION_GRACE_MS of them are ended already.
    assert.ok(sender.sessionCount <= PM_SESSION_GRACE_MS / 100 + 2, `${sender.sessionCount} pm sessions`);
    advance(PM_SESSION_GRACE_MS);
    await pool.select(job, new Set());
    assert.equal(sender.sessionCount, 1);
    assert.deepEqual({ pmSessions: pool.sizes().pmSessions, pmRetiring: pool.sizes().pmRetiring }, { pmSessions: 1, pmRetiring: 0 });
  });

  it('refreshes faster than the grace: retired pm sessions stay within a fixed count, the oldest ended first', async () => {
    const { pool, sender } = setup({ maxEntries: 8 });
    const job = jobFor('m');
    // No time passes at all: only the count bound can end them.
    for (let i = 0; i < 200; i++) {
      const s = await pool.select(job, new Set());
      pool.invalidate(s!, job);
    }
    // The bound is applied when a session is stored, so the one released after it may add one.
    assert.ok(pool.sizes().pmRetiring <= 8 + 1, `${pool.sizes().pmRetiring} retiring`);
    assert.ok(sender.sessionCount <= 8 + 2, `${sender.sessionCount} pm sessions`);
  });

  it('a job that selected the session just before it was dropped can still pay with it during the grace', async () => {
    const { pool, sender, advance } = setup();
    const job = jobFor('m');
    const s = await pool.select(job, new Set());
    pool.invalidate(s!, job);
    await pool.select(job, new Set()); // a new session replaces it
    const batch = await sender.createTicketBatch(s!.pmSessionId!, 1);
    assert.equal(batch.senderParams.length, 1);
    advance(PM_SESSION_GRACE_MS);
    await pool.select(job, new Set());
    assert.equal(sender.hasSession(s!.pmSessionId!), false);
  });

  it('a refresh because the auth token ran out replaces the entry and ends the old pm session', async () => {
    const { pool, sender, advance } = setup();
    const job = jobFor('m');
    const first = await pool.select(job, new Set());
    advance(29 * 60_000); // into the token's last 10 %
    const second = await pool.select(job, new Set());
    assert.notEqual(second?.pmSessionId, first?.pmSessionId);
    advance(PM_SESSION_GRACE_MS);
    await pool.select(job, new Set());
    assert.equal(sender.hasSession(first!.pmSessionId!), false);
    assert.equal(sender.sessionCount, 1);
  });

  it('suspending an orchestrator ends the pm sessions of its dropped entries', async () => {
    const { pool, sender, advance } = setup();
    for (let i = 0; i < 5; i++) await pool.select(jobFor(`m${i}`), new Set());
    assert.equal(sender.sessionCount, 5);
    // Four faults in a row: backed off 1, 2, 4, then 8 s, longer than the pm sessions' grace.
    for (let i = 0; i < 4; i++) pool.suspend(URL, jobFor('m0').capability);
    advance(PM_SESSION_GRACE_MS);
    assert.equal(await pool.select(jobFor('m0'), new Set()), undefined); // suspended, but retired sessions end
    assert.equal(sender.sessionCount, 0);
    assert.equal(pool.sizes().cached, 0);
  });

  it('the cache keyed by client model ids is capped: least recently used go first, with their pm sessions', async () => {
    const { pool, sender, advance } = setup({ maxEntries: 50 });
    const hot = jobFor('hot');
    for (let i = 0; i < 1000; i++) {
      await pool.select(jobFor(`model-${i}`), new Set());
      if (i % 10 === 0) await pool.select(hot, new Set());
    }
    advance(PM_SESSION_GRACE_MS);
    await pool.select(hot, new Set());
    const sizes = pool.sizes();
    assert.equal(sizes.cached, 50);
    assert.equal(sender.sessionCount, 50);
    // The one used all along is still cached (same session, no new discovery).
    const before = pool.sizes();
    const s = await pool.select(hot, new Set());
    assert.ok(s && sender.hasSession(s.pmSessionId!));
    assert.deepEqual(pool.sizes(), before);
  });

  it('refused entries expire and are swept, not kept forever', async () => {
    const { pool, advance } = setup({ refuseModel: (m) => m.startsWith('bad') });
    for (let i = 0; i < 100; i++) await pool.select(jobFor(`bad-${i}`), new Set());
    assert.equal(pool.sizes().refused, 100);
    advance(61_000); // past suspendMs: the refusals expired
    await pool.select(jobFor('good'), new Set());
    assert.deepEqual({ refused: pool.sizes().refused, cached: pool.sizes().cached }, { refused: 0, cached: 1 });
  });
});
