// The senders watcher on a real devnet: a sender's cached TicketBroker state is served without a
// chain read until an event about that sender (DepositFunded, ReserveFunded, Unlock,
// UnlockCancelled, WinningTicketRedeemed with WinningTicketTransfer and ReserveClaimed, Withdrawal)
// or a new round is processed; then the next read returns what the contract says. Tickets are built
// and signed with viem here (test/contracts/helpers-broker.ts), independently of src/pm.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeAbiParameters, type Address, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ChainWatcher, roundsManagerAbi, startDevnet, ticketBrokerAbi, type DevAccount, type Devnet, type SenderEvent } from '../src/eth/index.js';
import { SenderMonitor } from '../src/settlement/index.js';
import { MAX_UINT256, newRecipientRand, packedTicketHash, signTicketViem, type Ticket } from './contracts/helpers-broker.js';

let dev: Devnet;
let orch: DevAccount;
let sender: DevAccount;
let w: ChainWatcher;
const events: SenderEvent[] = [];

before(async () => {
  dev = await startDevnet({ orchestrators: 1, gateways: 1 });
  orch = dev.accounts.find((a) => a.role === 'orchestrator')!;
  sender = dev.accounts.find((a) => a.role === 'user')!;
  w = await ChainWatcher.start({
    publicClient: dev.publicClient as PublicClient,
    roundsManager: dev.contracts.RoundsManager,
    bondingManager: dev.contracts.BondingManager,
    ticketBroker: dev.contracts.TicketBroker,
    claimant: orch.address,
    pollMs: 50,
  });
  w.senders!.onEvent((e) => events.push(e));
});

after(async () => {
  w?.stop();
  await dev?.stop();
});

const broker = (fn: string, args: readonly unknown[] = [], value?: bigint, from: DevAccount = sender) =>
  dev.send(from, { address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: fn, args, ...(value === undefined ? {} : { value }) });

async function onChain(who: Address) {
  const [s, r] = await dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'getSenderInfo', args: [who] });
  return { deposit: s.deposit, withdrawRound: s.withdrawRound, reserve: { fundsRemaining: r.fundsRemaining, claimedInCurrentRound: r.claimedInCurrentRound } };
}

const claimableOnChain = (who: Address) =>
  dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'claimableReserve', args: [who, orch.address] });

/** The sender monitor's reserve share equals TicketBroker's claimableReserve for this orchestrator. */
async function expectShareAsOnChain(): Promise<void> {
  const funds = await new SenderMonitor({ senders: w.senders!, pool: w }).funds(sender.address);
  assert.equal(funds.reserveAlloc, await claimableOnChain(sender.address));
}

const claimedOnChain = (who: Address) =>
  dev.publicClient.readContract({ address: dev.contracts.TicketBroker, abi: ticketBrokerAbi, functionName: 'claimedReserve', args: [who, orch.address] });

/** Sends `tx`, lets the watcher process it, and checks that the cached view moved to the contract's and which events came. */
async function expectUpdate(tx: () => Promise<unknown>, names: string[]): Promise<void> {
  const from = events.length;
  await tx();
  await w.sync();
  const got = events.slice(from).flatMap((e) => (e.kind === 'event' && e.sender.toLowerCase() === sender.address.toLowerCase() ? [e.name] : []));
  assert.deepEqual(got, names);
  assert.deepEqual(await w.senders!.getSenderInfo(sender.address), await onChain(sender.address));
  assert.equal(await w.senders!.claimedReserve(sender.address), await claimedOnChain(sender.address));
  await expectShareAsOnChain();
}

async function winningTicket(faceValue: bigint, nonce: bigint): Promise<{ ticket: Ticket; sig: Hex; rand: bigint }> {
  const round = await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' });
  const hash = await dev.publicClient.readContract({ address: dev.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] });
  const { rand, hash: recipientRandHash } = newRecipientRand();
  const ticket: Ticket = {
    recipient: orch.address,
    sender: sender.address,
    faceValue,
    winProb: MAX_UINT256,
    senderNonce: nonce,
    recipientRandHash,
    auxData: encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes32' }], [round, hash]),
  };
  return { ticket, sig: await signTicketViem(privateKeyToAccount(sender.privateKey), packedTicketHash(ticket)), rand };
}

describe('senders watcher (devnet)', () => {
  it('serves a sender from its cache while no event touches it', async () => {
    const first = await w.senders!.getSenderInfo(sender.address);
    assert.deepEqual(first, await onChain(sender.address));
    await w.senders!.claimedReserve(sender.address);
    const reads = w.senders!.chainReads;
    await dev.mine(5);
    // Another account's event is not this sender's.
    await broker('fundDeposit', [], 1n, dev.accounts.find((a) => a.role === 'gateway')!);
    await w.sync();
    assert.deepEqual(await w.senders!.getSenderInfo(sender.address), first);
    await w.senders!.claimedReserve(sender.address);
    assert.equal(w.senders!.chainReads, reads);
  });

  it('DepositFunded and ReserveFunded update the deposit and the reserve at once', async () => {
    await expectUpdate(() => broker('fundDeposit', [], 3_000_000n), ['DepositFunded']);
    await expectUpdate(() => broker('fundReserve', [], 5_000_000n), ['ReserveFunded']);
    await expectUpdate(() => broker('fundDepositAndReserve', [7n, 11n], 18n), ['DepositFunded', 'ReserveFunded']);
  });

  it('Unlock sets the withdraw round, UnlockCancelled clears it', async () => {
    await expectUpdate(() => broker('unlock'), ['Unlock']);
    assert.ok((await w.senders!.getSenderInfo(sender.address)).withdrawRound > 0n);
    await expectUpdate(() => broker('cancelUnlock'), ['UnlockCancelled']);
    assert.equal((await w.senders!.getSenderInfo(sender.address)).withdrawRound, 0n);
  });

  it('a redeemed winning ticket takes the deposit, then the reserve (ReserveClaimed counts our claim)', async () => {
    const info = await onChain(sender.address);
    const small = await winningTicket(1_000_000n, 1n);
    await expectUpdate(() => broker('redeemWinningTicket', [small.ticket, small.sig, small.rand], undefined, orch), ['WinningTicketTransfer', 'WinningTicketRedeemed']);
    assert.equal((await w.senders!.getSenderInfo(sender.address)).deposit, info.deposit - 1_000_000n);
    // Above the deposit: the rest comes out of the reserve, claimed by this orchestrator.
    const left = info.deposit - 1_000_000n;
    const big = await winningTicket(left + 2_000_000n, 2n);
    await expectUpdate(() => broker('redeemWinningTicket', [big.ticket, big.sig, big.rand], undefined, orch), ['ReserveClaimed', 'WinningTicketTransfer', 'WinningTicketRedeemed']);
    const after = await w.senders!.getSenderInfo(sender.address);
    assert.equal(after.deposit, 0n);
    assert.equal(after.reserve.claimedInCurrentRound, 2_000_000n);
    assert.equal(await w.senders!.claimedReserve(sender.address), 2_000_000n);
    assert.ok((await claimableOnChain(sender.address)) > 0n, 'a share is left to compare');
  });

  it('a new round starts the reserve claims over; Withdrawal empties the sender', async () => {
    await expectUpdate(() => broker('unlock'), ['Unlock']);
    const from = events.length;
    await dev.advanceRounds(Number(dev.params.unlockPeriod));
    await w.sync();
    assert.ok(events.slice(from).some((e) => e.kind === 'round'));
    assert.equal((await w.senders!.getSenderInfo(sender.address)).reserve.claimedInCurrentRound, 0n);
    assert.equal(await w.senders!.claimedReserve(sender.address), 0n);
    await expectUpdate(() => broker('withdraw'), ['Withdrawal']);
    const gone = await w.senders!.getSenderInfo(sender.address);
    assert.equal(gone.deposit, 0n);
    assert.equal(gone.reserve.fundsRemaining, 0n);
  });
});
