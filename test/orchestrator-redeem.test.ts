// The orchestrator's redemption queue on a real devnet: a winning ticket is money, so transient
// failures (here: an uninitialised round) keep it queued — one attempt per new block, never dropped
// for that — while permanent reverts ("ticket is used") drop it, and the round hook redeems at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { EthError, roundsManagerAbi, sendTx, startDevnet, ticketBrokerAbi, ticketBrokerRevertCode, type Devnet } from '../src/eth/index.js';
import { MAX_WIN_PROB, auxData, bytesToHex, localTicketSigner, recipientRandHash, ticketHashBytes, type Ticket, type WinningTicket } from '../src/pm/index.js';
import { RedemptionQueue, redemptionDecision, type RedeemedTicket } from '../src/nodes/orchestrator/redeemer.js';
import { RoundInitializer } from '../src/settlement/index.js';

describe('redemption queue on the devnet', () => {
  let devnet: Devnet;
  let latest = 0n;
  let nonce = 0n;

  before(async () => {
    devnet = await startDevnet({ orchestrators: 1, gateways: 1 });
  });
  after(async () => {
    await devnet?.stop();
  });

  const orch = () => devnet.accounts.find((a) => a.role === 'orchestrator')!;
  const gw = () => devnet.accounts.find((a) => a.role === 'gateway')!;
  const blockNumber = () => devnet.publicClient.getBlockNumber({ cacheTime: 0 });

  /** An always-winning ticket from the gateway to the orchestrator, created in the current round. */
  async function winningTicket(): Promise<WinningTicket> {
    const round = await devnet.currentRound();
    const hash = await devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'blockHashForRound', args: [round] });
    const rand = 0xabcdefn + ++nonce;
    const ticket: Ticket = {
      recipient: orch().address,
      sender: gw().address,
      faceValue: 1_000_000_000_000n,
      winProb: MAX_WIN_PROB,
      senderNonce: nonce,
      recipientRandHash: recipientRandHash(rand),
      creationRound: round,
      creationRoundBlockHash: hash as Hex,
      paramsExpirationBlock: await blockNumber(),
      price: { pricePerUnit: 0n, pixelsPerUnit: 1n },
    };
    const sig = await localTicketSigner(gw().privateKey).sign(ticketHashBytes(ticket));
    return { ticket, sig, recipientRand: rand, sessionId: ticket.recipientRandHash };
  }

  function queue(extra: { ensureRoundInitialized?: () => Promise<boolean>; maxAttempts?: number } = {}) {
    const redeemed: RedeemedTicket[] = [];
    const dropped: string[] = [];
    const q = new RedemptionQueue({
      publicClient: devnet.publicClient,
      wallet: devnet.walletClient(orch()),
      ticketBroker: devnet.contracts.TicketBroker,
      latestBlock: () => latest,
      maxAttempts: extra.maxAttempts ?? 200,
      onRedeemed: (r) => redeemed.push(r),
      onDropped: (_p, reason) => dropped.push(reason),
      ...(extra.ensureRoundInitialized ? { ensureRoundInitialized: extra.ensureRoundInitialized } : {}),
    });
    return { q, redeemed, dropped };
  }

  it('keeps a winning ticket through an uninitialised round, one attempt per block, then redeems it', async () => {
    const t = await winningTicket();
    await devnet.mineToNextRound(); // the next round exists but nobody initialised it
    latest = await blockNumber();
    const { q, redeemed, dropped } = queue({ maxAttempts: 3 });
    q.onWinningTicket(t);
    for (let i = 0; i < 5; i++) await q.kick(); // same block: only the first kick tries
    assert.equal(q.pending()[0]?.attempts, 1);
    assert.match(q.pending()[0]?.lastError ?? '', /current round is not initialized/);
    await devnet.mine(1);
    latest = await blockNumber();
    await q.kick();
    assert.equal(q.pending()[0]?.attempts, 2, 'a new block allows one more attempt');
    assert.deepEqual(dropped, []);

    const rounds = new RoundInitializer({ publicClient: devnet.publicClient, wallet: devnet.walletClient(orch()), roundsManager: devnet.contracts.RoundsManager });
    assert.equal(await rounds.ensure(), true);
    latest = await blockNumber();
    await q.flush();
    assert.equal(redeemed.length, 1);
    assert.equal(q.pending().length, 0);
  });

  it('initialises the round through the hook and redeems at once', async () => {
    const t = await winningTicket();
    await devnet.mineToNextRound();
    latest = await blockNumber();
    const rounds = new RoundInitializer({ publicClient: devnet.publicClient, wallet: devnet.walletClient(orch()), roundsManager: devnet.contracts.RoundsManager });
    const { q, redeemed, dropped } = queue({ ensureRoundInitialized: () => rounds.ensure() });
    q.onWinningTicket(t);
    await q.flush();
    assert.equal(redeemed.length, 1, `dropped: ${dropped.join('; ')}`);
  });

  it('at the last block of a round, initialises the round the next transaction runs in', async () => {
    const start = await devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'currentRoundStartBlock' });
    const length = await devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'roundLength' });
    const round = await devnet.currentRound();
    await devnet.mine(start + length - 1n - (await blockNumber())); // latest = last block of this round
    const rounds = new RoundInitializer({ publicClient: devnet.publicClient, wallet: devnet.walletClient(orch()), roundsManager: devnet.contracts.RoundsManager });
    assert.equal(await rounds.ensure(), true);
    const last = await devnet.publicClient.readContract({ address: devnet.contracts.RoundsManager, abi: roundsManagerAbi, functionName: 'lastInitializedRound' });
    assert.equal(last, round + 1n, 'the round that starts at the pending block is initialised');
  });

  it('drops a ticket that can never redeem ("ticket is used")', async () => {
    const t = await winningTicket();
    latest = await blockNumber();
    const first = queue();
    first.q.onWinningTicket(t);
    await first.q.flush();
    assert.equal(first.redeemed.length, 1);
    const second = queue();
    second.q.onWinningTicket(t);
    latest = await blockNumber();
    await second.q.flush();
    assert.equal(second.redeemed.length, 0);
    assert.deepEqual(second.dropped, ['ticket is used']);
    assert.equal(second.q.pending().length, 0);
  });

  it('drops by the decoded revert code: a ticket signed by another key, a wrong recipientRand', async () => {
    latest = await blockNumber();
    const good = await winningTicket();
    const forged: WinningTicket = { ...good, sig: await localTicketSigner(orch().privateKey).sign(ticketHashBytes(good.ticket)) };
    // The real revert, decoded: the code the queue decides on.
    const err = await sendTx(devnet.publicClient, devnet.walletClient(orch()), redeemCall(forged)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof EthError && err.code === 'TX_REVERTED', String(err));
    assert.equal(err.reason, 'invalid signature over ticket hash');
    assert.equal(ticketBrokerRevertCode(err.reason), 'TICKET_SIGNATURE_INVALID');
    assert.equal(redemptionDecision(err), 'drop');

    const wrongRand: WinningTicket = { ...(await winningTicket()), recipientRand: 42n };
    const { q, redeemed, dropped } = queue();
    q.onWinningTicket(forged);
    q.onWinningTicket(wrongRand);
    await q.flush();
    assert.equal(redeemed.length, 0);
    assert.equal(dropped.length, 2, dropped.join('; '));
    assert.match(dropped[0]!, /invalid signature over ticket hash/);
    assert.match(dropped[1]!, /recipientRand does not match recipientRandHash/);
    assert.equal(q.pending().length, 0);
  });

  function redeemCall(w: WinningTicket) {
    const t = w.ticket;
    return {
      address: devnet.contracts.TicketBroker,
      abi: ticketBrokerAbi,
      functionName: 'redeemWinningTicket',
      args: [
        { recipient: t.recipient, sender: t.sender, faceValue: t.faceValue, winProb: t.winProb, senderNonce: t.senderNonce, recipientRandHash: t.recipientRandHash, auxData: bytesToHex(auxData(t)) },
        bytesToHex(w.sig),
        w.recipientRand,
      ],
    };
  }
});
