// TicketBroker redemption on a real anvil devnet: payout from the deposit, then from the recipient's
// reserve share (capped at reserve/poolSize, nothing for non-active recipients), fee crediting in
// BondingManager, batch redemption and the sender lock (contracts.md §10.10 invariants 24–27).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeFunctionData, type Address } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import {
  abis,
  compact,
  makeTicket,
  redeemArgs,
  revertReason,
  startBrokerDevnet,
  type BrokerEnv,
  type SignedTicket,
} from './helpers-broker.js';

describe('TicketBroker redemption and payout', () => {
  let env: BrokerEnv;
  let orchs: Address[];
  let poolSize: bigint;
  let redeemer: Address; // a third party submits every redemption: redemption is permissionless

  before(async () => {
    env = await startBrokerDevnet({ orchestrators: 2 });
    await env.brokerTx(env.owner, 'setUnlockPeriod', [2n]);
    await env.brokerTx(env.owner, 'setTicketValidityPeriod', [2n]);
    await env.initializedRound();
    orchs = await env.activeOrchestrators();
    if (orchs.length < 2) {
      await env.devnet.advanceRounds(1); // registrations take effect the round after
      orchs = await env.activeOrchestrators();
    }
    assert.ok(orchs.length >= 2, `need two active orchestrators, devnet has ${orchs.length}`);
    poolSize = await env.bonding<bigint>('getTranscoderPoolSize');
    redeemer = (await env.newAccount()).address;
  });

  after(async () => {
    await env?.stop();
  });

  const redeem = (t: SignedTicket) => env.brokerTx(redeemer, 'redeemWinningTicket', redeemArgs(t));
  const orch = (i: number): Address => {
    const o = orchs[i];
    assert.ok(o);
    return o;
  };

  test('a winning ticket is paid from the deposit and credited to the recipient in BondingManager', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDepositAndReserve', [10_000n, 5_000n], 15_000n);
    const round = await env.rounds<bigint>('currentRound');
    const feesBefore = await env.bonding<bigint>('pendingFees', [orch(0), round]);
    const t = await makeTicket(env, s, orch(0), { faceValue: 1000n, nonce: 7n });
    assert.equal(await env.broker('getTicketHash', [t.ticket]), t.hash);
    assert.equal(await env.broker<boolean>('usedTickets', [t.hash]), false);

    const r = await redeem(t);
    const ev = env.brokerEvents(r);
    assert.deepEqual(
      ev.map((e) => [e.eventName, e.args]),
      [
        ['WinningTicketTransfer', { sender: s.address, recipient: orch(0), amount: 1000n }],
        [
          'WinningTicketRedeemed',
          {
            sender: s.address,
            recipient: orch(0),
            faceValue: 1000n,
            winProb: t.ticket.winProb,
            senderNonce: 7n,
            recipientRand: t.rand,
            auxData: t.ticket.auxData,
          },
        ],
      ],
    );
    assert.equal(await env.broker<boolean>('usedTickets', [t.hash]), true);
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 9000n, withdrawRound: 0n, reserve: 5000n, claimed: 0n });
    assert.equal(await env.broker<bigint>('claimedReserve', [s.address, orch(0)]), 0n);

    const feesAfter = await env.bonding<bigint>('pendingFees', [orch(0), round]);
    assert.ok(feesAfter > feesBefore, 'fees credited to the recipient');
    assert.ok(feesAfter - feesBefore <= 1000n, 'never more than the ticket paid');
  });

  test('fees credited by a redemption can be withdrawn from BondingManager', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 50_000n);
    await redeem(await makeTicket(env, s, orch(1), { faceValue: 20_000n }));
    const round = await env.rounds<bigint>('currentRound');
    const fees = await env.bonding<bigint>('pendingFees', [orch(1), round]);
    assert.ok(fees > 0n);
    const payee = privateKeyToAccount(generatePrivateKey()).address;
    const minterBefore = await env.balance(env.addr.minter);
    await env.send(orch(1), env.addr.bonding, abis.bondingManager, 'withdrawFees', [payee, fees]);
    assert.equal(await env.balance(payee), fees);
    assert.equal(minterBefore - (await env.balance(env.addr.minter)), fees);
  });

  test('the deposit is consumed before the reserve', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDepositAndReserve', [500n, 10_000n], 10_500n);
    const r = await redeem(await makeTicket(env, s, orch(0), { faceValue: 1000n }));
    assert.deepEqual(
      env.brokerEvents(r).map((e) => [e.eventName, e.args]),
      [
        ['ReserveClaimed', { reserveHolder: s.address, claimant: orch(0), amount: 500n }],
        ['WinningTicketTransfer', { sender: s.address, recipient: orch(0), amount: 1000n }],
        ['WinningTicketRedeemed', env.brokerEvents(r)[2]?.args],
      ],
    );
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 0n, withdrawRound: 0n, reserve: 9500n, claimed: 500n });
    assert.equal(await env.broker<bigint>('claimedReserve', [s.address, orch(0)]), 500n);
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, orch(0)]), 10_000n / poolSize - 500n);
    // Another orchestrator's share is unaffected: (remaining + claimed this round) / poolSize.
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, orch(1)]), 10_000n / poolSize);
  });

  test('reserve claims are capped at reserve/poolSize per active orchestrator per round', async () => {
    const s = await env.newAccount();
    const reserve = 2000n * poolSize;
    await env.brokerTx(s, 'fundReserve', [], reserve);
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, orch(0)]), 2000n);

    const paid = async (t: SignedTicket) => {
      const ev = env.brokerEvents(await redeem(t));
      assert.equal(ev.at(-1)?.eventName, 'WinningTicketRedeemed', 'redeemed even when nothing is paid');
      const transfer = ev.find((e) => e.eventName === 'WinningTicketTransfer');
      return transfer ? (transfer.args as { amount: bigint }).amount : 0n;
    };
    assert.equal(await paid(await makeTicket(env, s, orch(0), { faceValue: 1500n, nonce: 1n })), 1500n);
    assert.equal(await paid(await makeTicket(env, s, orch(0), { faceValue: 1500n, nonce: 2n })), 500n);
    const none = await makeTicket(env, s, orch(0), { faceValue: 1n, nonce: 3n });
    assert.equal(await paid(none), 0n);
    assert.equal(await env.broker<boolean>('usedTickets', [none.hash]), true, 'used even though unpaid');
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, orch(0)]), 0n);
    assert.equal(await env.broker<bigint>('claimedReserve', [s.address, orch(0)]), 2000n);

    // The second orchestrator still gets its full share, however large the ticket.
    assert.equal(await paid(await makeTicket(env, s, orch(1), { faceValue: 5000n })), 2000n);
    assert.deepEqual(await env.senderInfo(s.address), {
      deposit: 0n,
      withdrawRound: 0n,
      reserve: reserve - 4000n,
      claimed: 4000n,
    });
    assert.deepEqual(await env.broker('getReserveInfo', [s.address]), {
      fundsRemaining: reserve - 4000n,
      claimedInCurrentRound: 4000n,
    });

    // Next round: the claims reset and the shares are recomputed from what remains (plus a top-up).
    await env.devnet.advanceRounds(1);
    await env.brokerTx(s, 'fundReserve', [], 1000n * poolSize);
    assert.equal(await env.broker<bigint>('claimedReserve', [s.address, orch(0)]), 0n);
    const info = await env.senderInfo(s.address);
    assert.equal(info.claimed, 0n);
    assert.equal(info.reserve, reserve - 4000n + 1000n * poolSize);
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, orch(0)]), info.reserve / poolSize);
    assert.equal(await paid(await makeTicket(env, s, orch(0), { faceValue: 10n ** 9n, nonce: 4n })), info.reserve / poolSize);
  });

  test('a non-active recipient gets nothing from the reserve, but the ticket is consumed', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundReserve', [], 10_000n);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    assert.equal(await env.bonding<boolean>('isActiveTranscoder', [stranger]), false);
    assert.equal(await env.broker<bigint>('claimableReserve', [s.address, stranger]), 0n);
    const t = await makeTicket(env, s, stranger, { faceValue: 1000n });
    const ev = env.brokerEvents(await redeem(t));
    assert.deepEqual(ev.map((e) => e.eventName), ['WinningTicketRedeemed']);
    assert.equal(await env.broker<boolean>('usedTickets', [t.hash]), true);
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 0n, withdrawRound: 0n, reserve: 10_000n, claimed: 0n });
  });

  test('a recipient that is not a registered transcoder cannot be paid from a deposit', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 10_000n);
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    const t = await makeTicket(env, s, stranger, { faceValue: 1000n });
    await env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(t), 'transcoder must be registered');
  });

  test('a zero face value pays nothing; a face value equal to the deposit empties it', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 1000n);
    let ev = env.brokerEvents(await redeem(await makeTicket(env, s, orch(0), { faceValue: 0n })));
    assert.deepEqual(ev.map((e) => e.eventName), ['WinningTicketRedeemed']);
    ev = env.brokerEvents(await redeem(await makeTicket(env, s, orch(0), { faceValue: 1000n })));
    assert.deepEqual(ev.map((e) => e.eventName), ['WinningTicketTransfer', 'WinningTicketRedeemed']);
    assert.equal((await env.senderInfo(s.address)).deposit, 0n);
    const t = await makeTicket(env, s, orch(0), { faceValue: 1n, nonce: 9n });
    await env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(t), 'sender deposit and reserve are zero');
  });

  test('replay is refused, whatever signature encoding is used', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 10_000n);
    const t = await makeTicket(env, s, orch(0));
    await redeem(t);
    await env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(t), 'ticket is used');
    await env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(t, compact(t.sig)), 'ticket is used');
  });

  test('batchRedeemWinningTickets redeems the good tickets and skips the failures', async () => {
    const a = await env.newAccount();
    const b = await env.newAccount();
    await env.brokerTx(a, 'fundDeposit', [], 10_000n);
    await env.brokerTx(b, 'fundDeposit', [], 10_000n);
    const t1 = await makeTicket(env, a, orch(0), { faceValue: 100n, nonce: 1n });
    const t2 = await makeTicket(env, b, orch(1), { faceValue: 200n, nonce: 1n });
    const lost = await makeTicket(env, a, orch(0), { faceValue: 300n, nonce: 2n, winProb: 0n });
    const t3 = await makeTicket(env, a, orch(1), { faceValue: 400n, nonce: 3n });
    const batch = [t1, t2, t1, lost, t3]; // t1 twice: the replay inside the batch fails alone
    const r = await env.brokerTx(redeemer, 'batchRedeemWinningTickets', [
      batch.map((t) => t.ticket),
      batch.map((t) => t.sig),
      batch.map((t) => t.rand),
    ]);
    const redeemed = env.brokerEvents(r).filter((e) => e.eventName === 'WinningTicketRedeemed');
    assert.deepEqual(
      redeemed.map((e) => (e.args as { faceValue: bigint }).faceValue),
      [100n, 200n, 400n],
    );
    for (const t of [t1, t2, t3]) assert.equal(await env.broker<boolean>('usedTickets', [t.hash]), true);
    assert.equal(await env.broker<boolean>('usedTickets', [lost.hash]), false);
    assert.equal((await env.senderInfo(a.address)).deposit, 10_000n - 500n);
    assert.equal((await env.senderInfo(b.address)).deposit, 10_000n - 200n);
  });

  test('a batch given too little gas reverts as a whole instead of silently skipping tickets', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 10_000n);
    const batch = await Promise.all([1n, 2n, 3n].map((nonce) => makeTicket(env, s, orch(0), { faceValue: 10n, nonce })));
    const args = [batch.map((t) => t.ticket), batch.map((t) => t.sig), batch.map((t) => t.rand)] as const;
    const call = { address: env.addr.broker, abi: abis.ticketBroker, functionName: 'batchRedeemWinningTickets', args };
    const needed = await env.pub.estimateGas({
      to: env.addr.broker,
      data: encodeFunctionData(call),
      account: redeemer,
    });
    try {
      await env.pub.simulateContract({ ...call, account: redeemer, gas: needed - 30_000n });
      assert.fail('expected the starved batch to revert');
    } catch (err) {
      assert.equal(revertReason(err), 'batchRedeemWinningTickets: out of gas');
    }
    for (const t of batch) assert.equal(await env.broker<boolean>('usedTickets', [t.hash]), false);
    // With the estimate, every ticket is redeemed.
    const r = await env.brokerTx(redeemer, 'batchRedeemWinningTickets', args);
    assert.equal(env.brokerEvents(r).filter((e) => e.eventName === 'WinningTicketRedeemed').length, 3);
  });

  test('tickets stay redeemable during the unlock period and not from the withdraw round on', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 10_000n);
    await env.brokerTx(s, 'unlock');
    await redeem(await makeTicket(env, s, orch(0), { nonce: 1n }));
    await env.devnet.advanceRounds(1);
    await redeem(await makeTicket(env, s, orch(0), { nonce: 2n }));
    const late = await makeTicket(env, s, orch(0), { nonce: 3n });
    await env.devnet.advanceRounds(1); // now current == withdrawRound; `late` is still within validity
    await env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(late), 'sender is unlocked');
    // Cancelling the unlock locks the sender again.
    await env.brokerTx(s, 'cancelUnlock');
    await redeem(late);
  });
});
