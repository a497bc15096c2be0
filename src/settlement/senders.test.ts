// The sender monitor's arithmetic, on go-livepeer's own vectors (pm/sendermonitor_test.go
// TestMaxFloat, TestMaxFloat_MinDepositPendingRatio, TestAvailableFunds), and its decisions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import type { SenderInfo } from '../pm/index.js';
import { SenderMonitor, fundsCheckWith, maxFloatOf, reserveAllocation, senderRefusal, type SenderFunds } from './senders.js';

const A = '0x00000000000000000000000000000000000000aa' as Address;

function monitor(info: SenderInfo, o: { claimed?: bigint; pool?: bigint; active?: boolean; pending?: bigint } = {}) {
  return new SenderMonitor({
    senders: { getSenderInfo: () => info, claimedReserve: () => Promise.resolve(o.claimed ?? 0n) },
    pool: { poolSize: () => o.pool ?? 1n, claimantActive: () => o.active ?? true },
    pending: { openFaceValue: () => Promise.resolve(o.pending ?? 0n) },
  });
}

const info = (deposit: bigint, reserve: bigint, claimedInCurrentRound = 0n): SenderInfo => ({ deposit, withdrawRound: 0n, reserve: { fundsRemaining: reserve, claimedInCurrentRound } });

describe('sender monitor', () => {
  it('reserveAlloc = (funds + claimed this round) / pool − claimed by us (TestMaxFloat: 500/50 − 100 → clamped at 0)', async () => {
    // go-livepeer's vector gives 10 − 100 = −90 (unclamped); a negative share is 0 here.
    assert.equal(await monitor(info(500n, 500n), { claimed: 100n, pool: 50n }).maxFloat(A), 0n);
    assert.equal(await monitor(info(500n, 5000n), { claimed: 30n, pool: 50n }).maxFloat(A), 100n - 30n);
    // Claims of the round are added back, so each orchestrator's share stays fixed within a round.
    assert.equal(reserveAllocation({ reserve: 700n, claimedInCurrentRound: 300n, poolSize: 4n, claimantActive: true, claimedByClaimant: 100n }), 150n);
    // An empty pool, or a claimant that is not active: TicketBroker pays no reserve share.
    assert.equal(reserveAllocation({ reserve: 700n, claimedInCurrentRound: 0n, poolSize: 0n, claimantActive: true, claimedByClaimant: 0n }), 0n);
    assert.equal(reserveAllocation({ reserve: 700n, claimedInCurrentRound: 0n, poolSize: 1n, claimantActive: false, claimedByClaimant: 0n }), 0n);
  });

  it('takes pending off the float only while the deposit is under 3× it (TestMaxFloat_MinDepositPendingRatio)', async () => {
    const pending = 100n;
    for (const [deposit, want] of [
      [pending * 4n, 500n],
      [pending * 3n, 500n],
      [pending * 2n, 400n],
      [0n, 400n],
    ] as const) {
      assert.equal(await monitor(info(deposit, 500n), { pending }).maxFloat(A), want, `deposit ${deposit}`);
    }
    assert.equal(await monitor(info(0n, 500n), { pending: 0n }).maxFloat(A), 500n);
    assert.equal(maxFloatOf(50n, 0n, 100n), 0n);
  });

  it('availableFunds = reserveAlloc + deposit − pending (TestAvailableFunds: 500 + 1000 → 1500, − 100 → 1400)', async () => {
    assert.equal((await monitor(info(500n, 1000n)).funds(A)).availableFunds, 1500n);
    assert.equal((await monitor(info(500n, 1000n), { pending: 100n }).funds(A)).availableFunds, 1400n);
  });

  it('refuses tickets the deposit or the reserve share cannot cover, and names which', async () => {
    const fv = 1000n;
    assert.equal(await monitor(info(fv, fv)).check(A, fv), undefined);
    const low = await monitor(info(fv - 1n, 10n * fv)).check(A, fv);
    assert.equal(low?.code, 'DEPOSIT_TOO_LOW');
    assert.match(low!.message, /deposit .* below the ticket face value .*fund-deposit/);
    // Pool of 4: a share of 2500 / 4 = 625 < 1000.
    const share = await monitor(info(10n * fv, 2500n), { pool: 4n }).check(A, fv);
    assert.equal(share?.code, 'RESERVE_EXHAUSTED');
    assert.match(share!.message, /reserve share .* \/ 4 orchestrators .*fund-reserve/);
    // The share covers it, until pending redemptions (deposit under 3× them) eat it.
    assert.equal(await monitor(info(2n * fv, 2n * fv), { pending: fv }).check(A, fv), undefined);
    const pend = await monitor(info(2n * fv, 2n * fv), { pending: fv + 1n }).check(A, fv);
    assert.equal(pend?.code, 'RESERVE_EXHAUSTED');
    assert.match(pend!.message, /waiting for redemption/);
    // Not active: nothing is claimable, and the message says why.
    const inactive = await monitor(info(2n * fv, 2n * fv), { active: false }).check(A, fv);
    assert.match(inactive!.message, /not active/);
    // Free tickets need no funds.
    assert.equal(senderRefusal(A, {} as SenderFunds, 0n), undefined);
  });

  it('with the max float from elsewhere (a redeemer): the same decisions; that source down leaves only the deposit rule', async () => {
    const senders = { getSenderInfo: () => info(2000n, 0n) };
    assert.equal(await fundsCheckWith(senders, { maxFloat: () => 1000n }).check(A, 1000n), undefined);
    const short = await fundsCheckWith(senders, { maxFloat: () => Promise.resolve(999n) }).check(A, 1000n);
    assert.equal(short?.code, 'RESERVE_EXHAUSTED');
    assert.match(short!.message, /from the redeemer/);
    const down = { maxFloat: () => Promise.reject(new Error('redeemer unreachable')) };
    assert.equal(await fundsCheckWith(senders, down).check(A, 1000n), undefined);
    assert.equal((await fundsCheckWith(senders, down).check(A, 2001n))?.code, 'DEPOSIT_TOO_LOW');
  });
});
