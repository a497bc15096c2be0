// Discovery failures, decided by the code in the gRPC status details (or go-livepeer's
// "OrchestratorCapped" text): a capped orchestrator is busy and not suspended; one that cannot issue
// params because this gateway's reserve share is too small is our funding problem (not suspended,
// asked again at the next job); any other failure suspends it. The details themselves cross a real gRPC connection in src/wire/grpc.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import pino from 'pino';
import { Rat } from '../../money/index.js';
import { aiJobCapabilities, Capability } from '../../market/index.js';
import { localTicketSigner } from '../../pm/index.js';
import { refusalConnectError, type OrchestratorClient } from '../../wire/index.js';
import { capabilitiesToWire } from '../common/index.js';
import { SessionPool, discoveryRefusal, type JobTarget } from './sessions.js';
import { StatsRecorder } from './stats.js';

const MODEL = 'stabilityai/sdxl-turbo';
const caps = aiJobCapabilities('text-to-image', MODEL);
const job: JobTarget = { pipeline: 'text-to-image', modelId: MODEL, capability: Capability.TextToImage, capabilities: caps, capabilitiesWire: capabilitiesToWire(caps), maxPrice: Rat.of(2n) };

function poolFailingWith(err: unknown, now?: () => number) {
  const stats = new StatsRecorder();
  const failing = { getOrchestrator: () => Promise.reject(err) } as unknown as OrchestratorClient;
  const pool = new SessionPool({
    discovery: ['https://o.test:8935'],
    client: () => failing,
    signer: localTicketSigner(`0x${'01'.repeat(32)}`),
    sender: undefined,
    chain: undefined,
    stats,
    log: pino({ level: 'silent' }),
    suspendMs: 60_000,
    discoveryTimeoutMs: 1000,
    ...(now ? { now } : {}),
  });
  return { pool, stats };
}

describe('discovery failures by code', () => {
  it('ORCHESTRATOR_CAPPED in the status details: busy, not suspended', async () => {
    const { pool, stats } = poolFailingWith(refusalConnectError('OrchestratorCapped: at -maxSessions', Code.ResourceExhausted, 'ORCHESTRATOR_CAPPED'));
    assert.equal(await pool.select(job, new Set()), undefined);
    assert.equal(pool.isSuspended('https://o.test:8935', job.capability), false);
    assert.equal(stats.snapshot().refusals.GW_ORCHESTRATOR_BUSY, 1);
  });

  it("go-livepeer's OrchestratorCapped (no details) is recognised from its text: busy, not suspended", async () => {
    const { pool } = poolFailingWith(new ConnectError('OrchestratorCapped', Code.Unknown));
    await pool.select(job, new Set());
    assert.equal(pool.isSuspended('https://o.test:8935', job.capability), false);
  });

  it('our reserve share too small for params: GW_SENDER_FUNDS, not suspended, asked again at the next job', async () => {
    for (const err of [
      refusalConnectError('cannot issue ticket params', Code.FailedPrecondition, 'TICKET_PARAMS_UNAVAILABLE', { reason: 'INSUFFICIENT_SENDER_RESERVE' }),
      // go-livepeer's orchestrator: its text only.
      new ConnectError('insufficient sender reserve', Code.Unknown),
    ]) {
      const { pool, stats } = poolFailingWith(err);
      await pool.select(job, new Set());
      assert.equal(pool.isSuspended('https://o.test:8935', job.capability), false, err.message);
      const refused = pool.senderFundsRefusal(job);
      assert.equal(refused?.code, 'GW_SENDER_FUNDS');
      assert.equal(refused?.senderFunds, 'INSUFFICIENT_SENDER_RESERVE');
      await pool.select(job, new Set());
      assert.equal(stats.snapshot().refusals.GW_SENDER_FUNDS, 2, 'asked again: a top-up reopens it at once');
    }
  });

  it('any other failure (unreachable, ticket params refused) suspends', async () => {
    for (const err of [
      new ConnectError('could not connect', Code.Unavailable),
      refusalConnectError('cannot issue ticket params', Code.FailedPrecondition, 'TICKET_PARAMS_UNAVAILABLE', { reason: 'INVALID_TICKET' }),
    ]) {
      const { pool, stats } = poolFailingWith(err);
      await pool.select(job, new Set());
      assert.equal(pool.isSuspended('https://o.test:8935', job.capability), true, err.message);
      assert.equal(stats.snapshot().refusals.GW_DISCOVERY_FAILED, 1);
      assert.equal(pool.senderFundsRefusal(job), undefined);
    }
  });

  it('an unreachable orchestrator is backed off for the capability asked, briefly, doubling, then tried again', async () => {
    let t = 5_000_000;
    const { pool, stats } = poolFailingWith(new ConnectError('could not connect', Code.Unavailable), () => t);
    const url = 'https://o.test:8935';
    await pool.select(job, new Set());
    assert.equal(pool.isSuspended(url, job.capability), true);
    assert.equal(pool.isSuspended(url, Capability.LLM), false, 'other capabilities are not affected');
    t += 999;
    await pool.select(job, new Set());
    assert.equal(stats.snapshot().refusals.GW_DISCOVERY_FAILED, 1, 'not asked again within the first second');
    t += 1;
    await pool.select(job, new Set());
    assert.equal(stats.snapshot().refusals.GW_DISCOVERY_FAILED, 2, 'asked again after 1 s');
    t += 1999;
    assert.equal(pool.isSuspended(url, job.capability), true, 'second fault: 2 s');
    t += 1;
    assert.equal(pool.isSuspended(url, job.capability), false);
  });

  it('discoveryRefusal keeps the remote code and the cause', () => {
    const cause = refusalConnectError('x', Code.FailedPrecondition, 'TICKET_PARAMS_UNAVAILABLE');
    const r = discoveryRefusal('https://o', cause);
    assert.equal(r.code, 'GW_DISCOVERY_FAILED');
    assert.equal(r.remoteCode, 'TICKET_PARAMS_UNAVAILABLE');
    assert.equal(r.cause, cause);
  });
});
