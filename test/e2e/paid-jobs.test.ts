// Issue 4 acceptance on the devnet: ≥ 100 paid jobs over four pipelines through our gateway and
// orchestrator (real anvil, contracts, HTTP/2 + TLS, CPU runners). Money must match exactly:
// the orchestrator's credited EV equals the gateway's sent EV; fees debited equal Σ units × price,
// computed here independently from the job shapes and the aiModels prices; winning tickets are
// redeemed and the orchestrator's fees in BondingManager grow by exactly their face values.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rat } from '../../src/money/index.js';
import { PARAMS_EXPIRATION_BLOCKS } from '../../src/pm/index.js';
import {
  initializeRoundIfNeeded,
  jobShape,
  pendingFeesOf,
  runJobs,
  settle,
  startLocalNetwork,
  type DemoModel,
  type JobKind,
  type JobOutcome,
  type JobSpec,
  type LocalNetwork,
} from '../../src/nodes/demo/index.js';

const MODELS: DemoModel[] = [
  { pipeline: 'text-to-image', modelId: 'stabilityai/sdxl-turbo', pricePerUnit: '1000000000' },
  { pipeline: 'llm', modelId: 'meta-llama/llama-3.1-8B-Instruct', pricePerUnit: '3000000000000' },
  // A fractional price: 7/3 wei per input pixel, so exactness is tested, not just integers.
  { pipeline: 'image-to-image', modelId: 'timbrooks/instruct-pix2pix', pricePerUnit: '7000000000', pixelsPerUnit: '3' },
  { pipeline: 'audio-to-text', modelId: 'openai/whisper-large-v3', pricePerUnit: '500000000000' },
];
const KINDS: JobKind[] = ['text-to-image', 'llm', 'image-to-image', 'audio-to-text'];
const JOBS = 104;

const TX_COST_MULTIPLIER = 10n;

/**
 * The orchestrator's price as quoted and charged: the aiModels price with go-livepeer's
 * AutoAdjustPrice (on by default): × (1 + 1/txCostMultiplier), truncated to 0.001 wei. The face
 * value is txCostMultiplier × the redemption cost (the gateway's 10 ETH reserve does not cap it),
 * so the multiplier is exactly TX_COST_MULTIPLIER.
 */
function price(kind: JobKind): Rat {
  const m = MODELS.find((x) => x.pipeline === kind)!;
  const base = Rat.of(BigInt(m.pricePerUnit), BigInt(m.pixelsPerUnit ?? '1'));
  const adjusted = base.mul(Rat.of(TX_COST_MULTIPLIER + 1n, TX_COST_MULTIPLIER));
  return Rat.of(adjusted.mul(1000n).floor(), 1000n);
}

function unitsOf(spec: JobSpec): bigint {
  const s = jobShape(spec);
  switch (spec.kind) {
    case 'text-to-image':
    case 'image-to-image':
      return BigInt(s.imageSide) * BigInt(s.imageSide);
    case 'llm':
      return BigInt(s.maxTokens);
    case 'audio-to-text':
      return BigInt(s.audioMs);
  }
}

describe('paid AI jobs on the devnet (gateway → orchestrator → runners, tickets → TicketBroker)', () => {
  let net: LocalNetwork;
  let feesBefore: bigint;
  let outcomes: JobOutcome[];
  const specs: JobSpec[] = Array.from({ length: JOBS }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    return { kind, index: i, modelId: MODELS.find((m) => m.pipeline === kind)!.modelId };
  });

  before(async () => {
    // Face value ≈ 10 × redemption cost and EV = face value / 10, so ~1 in 10 tickets wins and a
    // run of ~150 tickets all but surely has winners (P(none) ≈ e^-15).
    net = await startLocalNetwork({
      models: MODELS,
      orchestrator: { ticketEV: 350_000_000_000_000n, txCostMultiplier: TX_COST_MULTIPLIER },
      gateway: { maxTicketEV: '400000000000000', maxTotalEV: '40000000000000000' },
    });
    feesBefore = await pendingFeesOf(net.devnet, net.orchestrators.map((o) => o.address!));
    outcomes = await runJobs(net.gateway.url, specs, 4, () => {});
  });

  after(async () => {
    await net?.close();
  });

  it('completes every job over the four pipelines', () => {
    const failed = outcomes.filter((o) => !o.ok);
    assert.deepEqual(
      failed.map((f) => `${f.spec.kind}#${f.spec.index}: ${f.status} ${JSON.stringify(f.body).slice(0, 160)}`),
      [],
    );
    assert.equal(outcomes.length, JOBS);
    const stats = net.orchestrators[0]!.stats();
    for (const k of KINDS) assert.equal(stats.jobs[k], JOBS / KINDS.length, `${k} jobs at the orchestrator`);
  });

  it('debits exactly Σ units × price, on both sides', () => {
    const expected = specs.reduce((sum, s) => sum.add(price(s.kind).mul(Rat.from(unitsOf(s)))), Rat.ZERO);
    const o = net.orchestrators[0]!.stats();
    assert.ok(o.feesDebited.eq(expected), `orchestrator debited ${o.feesDebited} ≠ expected ${expected}`);
    assert.ok(net.gateway.stats().fees.eq(expected), `gateway owes ${net.gateway.stats().fees} ≠ expected ${expected}`);
  });

  it("credits exactly the EV the gateway sent (and that EV covers the fees)", () => {
    const g = net.gateway.stats();
    const o = net.orchestrators[0]!.stats();
    assert.ok(g.tickets.sent > 0);
    assert.equal(o.tickets.valid, g.tickets.sent, 'every ticket sent was valid');
    assert.ok(o.evCredited.eq(g.tickets.ev), `credited ${o.evCredited} ≠ sent ${g.tickets.ev}`);
    assert.ok(o.evCredited.gte(o.feesDebited), 'the gateway paid at least what it was charged');
  });

  it('redeems the winning tickets, and BondingManager fees grow by exactly their face values', async () => {
    const o = net.orchestrators[0]!;
    assert.ok(o.stats().tickets.winning > 0, 'at least one winning ticket (≈1 in 10 wins)');
    await net.devnet.mine(PARAMS_EXPIRATION_BLOCKS + 1n);
    await initializeRoundIfNeeded(net.devnet);
    await o.flushRedemptions();
    const s = await settle(net.devnet, net.gateway, net.orchestrators, feesBefore);
    assert.deepEqual(
      (await o.pendingRedemptions()).map((p) => `${p.ticketHash}: ${p.lastError ?? 'not tried'}`),
      [],
      'nothing left to redeem',
    );
    assert.equal(s.redeemedCount, s.winningTickets);
    assert.ok(s.redeemedFaceValue > 0n);
    assert.equal(s.feesOnChainGrowth, s.redeemedFaceValue);
    for (const c of s.checks) assert.ok(c.ok, `${c.name}: ${c.detail}`);
  });
});
