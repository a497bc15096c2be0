// TicketBroker on a real anvil devnet: owner setters, funding (deposit, reserve, both, For),
// the unlock → withdraw lifecycle and the sender views (contracts.md §10.10 invariant 27).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeFunctionResult, encodeFunctionData, type Address, type Hex } from 'viem';
import { abis, sameAddr, startBrokerDevnet, type BrokerEnv } from './helpers-broker.js';

const UNLOCK_PERIOD = 2n;

describe('TicketBroker funding, unlock and withdraw', () => {
  let env: BrokerEnv;

  before(async () => {
    env = await startBrokerDevnet();
    await env.brokerTx(env.owner, 'setUnlockPeriod', [UNLOCK_PERIOD]);
    await env.brokerTx(env.owner, 'setTicketValidityPeriod', [2n]);
    await env.initializedRound();
  });

  after(async () => {
    await env?.stop();
  });

  test('owner setters emit ParameterUpdate; others and a zero validity period are refused', async () => {
    const r = await env.brokerTx(env.owner, 'setUnlockPeriod', [UNLOCK_PERIOD]);
    const ev = env.brokerEvents(r);
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.eventName, 'ParameterUpdate');
    assert.deepEqual(ev[0]?.args, { param: 'unlockPeriod' });
    assert.equal(await env.broker<bigint>('unlockPeriod'), UNLOCK_PERIOD);
    assert.equal(await env.broker<bigint>('ticketValidityPeriod'), 2n);

    const stranger = await env.newAccount();
    await env.brokerRevert(stranger.address, 'setUnlockPeriod', [5n], 'caller must be Controller owner');
    await env.brokerRevert(stranger.address, 'setTicketValidityPeriod', [5n], 'caller must be Controller owner');
    await env.brokerRevert(env.owner, 'setTicketValidityPeriod', [0n], 'ticketValidityPeriod must be greater than 0');
  });

  test('fundDeposit credits the deposit and forwards the ETH to the Minter', async () => {
    const s = await env.newAccount();
    const minterBefore = await env.balance(env.addr.minter);
    const r = await env.brokerTx(s, 'fundDeposit', [], 1000n);
    assert.equal((await env.balance(env.addr.minter)) - minterBefore, 1000n);
    assert.equal(await env.balance(env.addr.broker), 0n, 'the broker holds no ETH');
    const ev = env.brokerEvents(r);
    assert.deepEqual(
      ev.map((e) => [e.eventName, e.args]),
      [['DepositFunded', { sender: s.address, amount: 1000n }]],
    );
    await env.brokerTx(s, 'fundDeposit', [], 500n);
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 1500n, withdrawRound: 0n, reserve: 0n, claimed: 0n });
  });

  test('fundReserve credits the reserve and forwards the ETH to the Minter', async () => {
    const s = await env.newAccount();
    const minterBefore = await env.balance(env.addr.minter);
    const r = await env.brokerTx(s, 'fundReserve', [], 7777n);
    assert.equal((await env.balance(env.addr.minter)) - minterBefore, 7777n);
    assert.deepEqual(
      env.brokerEvents(r).map((e) => [e.eventName, e.args]),
      [['ReserveFunded', { reserveHolder: s.address, amount: 7777n }]],
    );
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 0n, withdrawRound: 0n, reserve: 7777n, claimed: 0n });
    assert.deepEqual(await env.broker('getReserveInfo', [s.address]), { fundsRemaining: 7777n, claimedInCurrentRound: 0n });
  });

  test('fundDepositAndReserve splits msg.value and refuses a mismatch either way', async () => {
    const s = await env.newAccount();
    const r = await env.brokerTx(s, 'fundDepositAndReserve', [300n, 700n], 1000n);
    assert.deepEqual(
      env.brokerEvents(r).map((e) => e.eventName),
      ['DepositFunded', 'ReserveFunded'],
    );
    assert.deepEqual(await env.senderInfo(s.address), { deposit: 300n, withdrawRound: 0n, reserve: 700n, claimed: 0n });
    const reason = 'msg.value does not equal sum of deposit amount and reserve amount';
    await env.brokerRevert(s.address, 'fundDepositAndReserve', [300n, 700n], reason, 999n);
    await env.brokerRevert(s.address, 'fundDepositAndReserve', [300n, 700n], reason, 1001n);
    await env.brokerRevert(s.address, 'fundDepositAndReserveFor', [s.address, 1n, 1n], reason, 3n);
  });

  test('fundDepositAndReserveFor funds another address; only its own funding cancels its unlock', async () => {
    const target = await env.newAccount();
    const funder = await env.newAccount();
    await env.brokerTx(funder, 'fundDepositAndReserveFor', [target.address, 100n, 200n], 300n);
    assert.deepEqual(await env.senderInfo(target.address), { deposit: 100n, withdrawRound: 0n, reserve: 200n, claimed: 0n });
    assert.deepEqual(await env.senderInfo(funder.address), { deposit: 0n, withdrawRound: 0n, reserve: 0n, claimed: 0n });

    await env.brokerTx(target, 'unlock');
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [target.address]), true);
    // A third party (even with zero amounts: the 2023 force-cancel PoC) does not cancel it.
    const r0 = await env.brokerTx(funder, 'fundDepositAndReserveFor', [target.address, 0n, 0n], 0n);
    assert.ok(!env.brokerEvents(r0).some((e) => e.eventName === 'UnlockCancelled'));
    await env.brokerTx(funder, 'fundDepositAndReserveFor', [target.address, 1n, 1n], 2n);
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [target.address]), true);
    // The target's own funding does, once.
    const r = await env.brokerTx(target, 'fundDepositAndReserveFor', [target.address, 1n, 1n], 2n);
    assert.deepEqual(
      env.brokerEvents(r).map((e) => e.eventName),
      ['UnlockCancelled', 'DepositFunded', 'ReserveFunded'],
    );
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [target.address]), false);
  });

  test('fundDeposit and fundReserve by the sender itself cancel its unlock', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 10n);
    await env.brokerTx(s, 'unlock');
    let r = await env.brokerTx(s, 'fundDeposit', [], 1n);
    assert.deepEqual(env.brokerEvents(r).map((e) => e.eventName), ['UnlockCancelled', 'DepositFunded']);
    await env.brokerTx(s, 'unlock');
    r = await env.brokerTx(s, 'fundReserve', [], 1n);
    assert.deepEqual(env.brokerEvents(r).map((e) => e.eventName), ['UnlockCancelled', 'ReserveFunded']);
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [s.address]), false);
  });

  test('unlock needs funds, sets withdrawRound = current + unlockPeriod, and cannot be repeated', async () => {
    const s = await env.newAccount();
    await env.brokerRevert(s.address, 'unlock', [], 'sender deposit and reserve are zero');
    await env.brokerRevert(s.address, 'cancelUnlock', [], 'no unlock request in progress');
    await env.brokerTx(s, 'fundReserve', [], 10n); // a reserve alone is enough
    const round = await env.rounds<bigint>('currentRound');
    const r = await env.brokerTx(s, 'unlock');
    assert.deepEqual(
      env.brokerEvents(r).map((e) => [e.eventName, e.args]),
      [['Unlock', { sender: s.address, startRound: round, endRound: round + UNLOCK_PERIOD }]],
    );
    assert.equal((await env.senderInfo(s.address)).withdrawRound, round + UNLOCK_PERIOD);
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [s.address]), true);
    await env.brokerRevert(s.address, 'unlock', [], 'unlock already initiated');

    const c = await env.brokerTx(s, 'cancelUnlock');
    assert.deepEqual(
      env.brokerEvents(c).map((e) => [e.eventName, e.args]),
      [['UnlockCancelled', { sender: s.address }]],
    );
    assert.equal((await env.senderInfo(s.address)).withdrawRound, 0n);
    assert.equal(await env.broker<boolean>('isUnlockInProgress', [s.address]), false);
    await env.brokerRevert(s.address, 'cancelUnlock', [], 'no unlock request in progress');
  });

  test('withdraw only after the unlock period, paying deposit + reserve back from the Minter', async () => {
    const s = await env.newAccount();
    await env.brokerRevert(s.address, 'withdraw', [], 'sender deposit and reserve are zero');
    await env.brokerTx(s, 'fundDepositAndReserve', [4000n, 6000n], 10000n);
    await env.brokerRevert(s.address, 'withdraw', [], 'no unlock request in progress');
    await env.brokerTx(s, 'unlock');
    const endRound = (await env.senderInfo(s.address)).withdrawRound;

    await env.brokerRevert(s.address, 'withdraw', [], 'account is locked');
    await env.devnet.advanceRounds(Number(UNLOCK_PERIOD) - 1);
    assert.equal(await env.rounds<bigint>('currentRound'), endRound - 1n);
    await env.brokerRevert(s.address, 'withdraw', [], 'account is locked');
    await env.devnet.advanceRounds(1);
    assert.equal(await env.rounds<bigint>('currentRound'), endRound);

    const before = await env.balance(s.address);
    const minterBefore = await env.balance(env.addr.minter);
    const r = await env.brokerTx(s, 'withdraw');
    const gas = r.gasUsed * r.effectiveGasPrice;
    assert.equal((await env.balance(s.address)) - before + gas, 10000n);
    assert.equal(minterBefore - (await env.balance(env.addr.minter)), 10000n);
    assert.deepEqual(
      env.brokerEvents(r).map((e) => [e.eventName, e.args]),
      [['Withdrawal', { sender: s.address, deposit: 4000n, reserve: 6000n }]],
    );
    const info = await env.senderInfo(s.address);
    assert.equal(info.deposit, 0n);
    assert.equal(info.reserve, 0n);
    await env.brokerRevert(s.address, 'withdraw', [], 'sender deposit and reserve are zero');
  });

  test('getSenderInfo returns ((deposit, withdrawRound), (fundsRemaining, claimedInCurrentRound))', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDepositAndReserve', [11n, 22n], 33n);
    await env.brokerTx(s, 'unlock');
    const data = encodeFunctionData({ abi: abis.ticketBroker, functionName: 'getSenderInfo', args: [s.address] });
    const raw = await env.pub.call({ to: env.addr.broker, data });
    assert.equal((raw.data ?? '0x').length, 2 + 4 * 64, 'four static words');
    const decoded = decodeFunctionResult({ abi: abis.ticketBroker, functionName: 'getSenderInfo', data: raw.data as Hex });
    const round = await env.rounds<bigint>('currentRound');
    assert.deepEqual(decoded, [
      { deposit: 11n, withdrawRound: round + UNLOCK_PERIOD },
      { fundsRemaining: 22n, claimedInCurrentRound: 0n },
    ]);
    const words = (raw.data as Hex).slice(2).match(/.{64}/g)?.map((w) => BigInt(`0x${w}`));
    assert.deepEqual(words, [11n, round + UNLOCK_PERIOD, 22n, 0n]);
  });

  test('views: controller, targetContractId, usedTickets of an unknown hash', async () => {
    assert.ok(sameAddr(await env.broker<Address>('controller'), env.addr.controller));
    const id = await env.broker<Hex>('targetContractId');
    assert.equal(id, '0xbd1aa3e8d2464256d7fd3dcf645c16418d5d8c51d971f1ad7d57e7b1b5eee239'); // keccak("TicketBroker")
    assert.equal(await env.broker<boolean>('usedTickets', [`0x${'ab'.repeat(32)}`]), false);
  });

  test('funding and unlock refuse while the system is paused', async () => {
    const s = await env.newAccount();
    await env.brokerTx(s, 'fundDeposit', [], 5n);
    await env.send(env.owner, env.addr.controller, abis.controller, 'pause');
    try {
      await env.brokerRevert(s.address, 'fundDeposit', [], 'system is paused', 1n);
      await env.brokerRevert(s.address, 'fundReserve', [], 'system is paused', 1n);
      await env.brokerRevert(s.address, 'fundDepositAndReserve', [1n, 1n], 'system is paused', 2n);
      await env.brokerRevert(s.address, 'unlock', [], 'system is paused');
      await env.brokerRevert(s.address, 'withdraw', [], 'system is paused');
    } finally {
      await env.send(env.owner, env.addr.controller, abis.controller, 'unpause');
    }
    await env.brokerTx(s, 'fundDeposit', [], 1n);
  });
});
