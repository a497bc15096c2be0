// Every reason a winning-ticket redemption is refused, with the reference revert strings clients
// match on (pm.md §1.4, §2.4, §7; contracts.md §10.10 invariant 24, appendix "Revert strings").
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { concatHex, keccak256, numberToHex, type Address, type Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import {
  abis,
  compact,
  highS,
  makeTicket,
  packedTicketHash,
  redeemArgs,
  signTicketViem,
  startBrokerDevnet,
  wins,
  withV,
  type BrokerEnv,
  type SignedTicket,
} from './helpers-broker.js';

const ZERO: Address = '0x0000000000000000000000000000000000000000';

describe('TicketBroker redemption refusals', () => {
  let env: BrokerEnv;
  let recipient: Address;
  let sender: PrivateKeyAccount;
  let redeemer: Address;

  before(async () => {
    env = await startBrokerDevnet({ orchestrators: 2 });
    await env.brokerTx(env.owner, 'setUnlockPeriod', [2n]);
    await env.brokerTx(env.owner, 'setTicketValidityPeriod', [2n]);
    await env.initializedRound();
    // A registered orchestrator of the devnet: fee crediting needs a registered recipient.
    const first = env.devnet.accounts.find((a) => a.role === 'orchestrator');
    assert.ok(first, 'the devnet has no orchestrator account');
    recipient = first.address;
    sender = await env.newAccount();
    await env.brokerTx(sender, 'fundDepositAndReserve', [10n ** 15n, 10n ** 15n], 2n * 10n ** 15n);
    redeemer = (await env.newAccount()).address;
  });

  after(async () => {
    await env?.stop();
  });

  const refuse = (t: SignedTicket, reason: string, sig?: Hex, rand?: bigint) =>
    env.brokerRevert(redeemer, 'redeemWinningTicket', redeemArgs(t, sig, rand), reason);
  const redeem = (t: SignedTicket, sig?: Hex) => env.brokerTx(redeemer, 'redeemWinningTicket', redeemArgs(t, sig));

  /** Re-sign after editing the ticket (so only the edited field is wrong). */
  async function resign(t: SignedTicket, edit: Partial<SignedTicket['ticket']>, by = sender): Promise<SignedTicket> {
    const ticket = { ...t.ticket, ...edit };
    const hash = packedTicketHash(ticket);
    return { ...t, ticket, hash, sig: await signTicketViem(by, hash) };
  }

  test('null recipient and null sender', async () => {
    const t = await makeTicket(env, sender, recipient);
    await refuse(await resign(t, { recipient: ZERO }), 'ticket recipient is null address');
    await refuse(await resign(t, { sender: ZERO }), 'ticket sender is null address');
  });

  test('auxData must be 64 bytes', async () => {
    const t = await makeTicket(env, sender, recipient);
    const reason = 'invalid length for ticket auxData: must be 64 bytes';
    await refuse(await resign(t, { auxData: '0x' }), reason);
    await refuse(await resign(t, { auxData: concatHex([t.ticket.auxData, '0x00']) }), reason);
    await refuse(await resign(t, { auxData: `0x${t.ticket.auxData.slice(2, 2 + 126)}` }), reason);
  });

  test('creation round without a block hash, and a wrong block hash', async () => {
    const round = await env.rounds<bigint>('currentRound');
    const future = await makeTicket(env, sender, recipient, { round: round + 10n, blockHash: `0x${'11'.repeat(32)}` });
    await refuse(future, 'ticket creationRound does not have a block hash');
    const wrong = await makeTicket(env, sender, recipient, { blockHash: keccak256('0x666f6f') });
    await refuse(wrong, 'ticket creationRoundBlockHash invalid for creationRound');
  });

  test('a ticket expires ticketValidityPeriod rounds after its creation round', async () => {
    const round = await env.rounds<bigint>('currentRound');
    const a = await makeTicket(env, sender, recipient, { nonce: 1n });
    const b = await makeTicket(env, sender, recipient, { nonce: 2n });
    await env.devnet.advanceRounds(1);
    assert.equal(await env.rounds<bigint>('currentRound'), round + 1n);
    await redeem(a); // creationRound + 2 > current
    await env.devnet.advanceRounds(1);
    await refuse(b, 'ticket is expired');
  });

  test('recipientRand must open recipientRandHash', async () => {
    const t = await makeTicket(env, sender, recipient);
    await refuse(t, 'recipientRand does not match recipientRandHash', undefined, t.rand + 1n);
  });

  test('replay: "ticket is used"', async () => {
    const t = await makeTicket(env, sender, recipient);
    await redeem(t);
    await refuse(t, 'ticket is used');
  });

  test('signature by another key, or with v flipped, is "invalid signature over ticket hash"', async () => {
    const t = await makeTicket(env, sender, recipient);
    const other = await env.newAccount(0n);
    await refuse(t, 'invalid signature over ticket hash', await signTicketViem(other, t.hash));
    const v = Number.parseInt(t.sig.slice(-2), 16);
    await refuse(t, 'invalid signature over ticket hash', withV(t.sig, v === 27 ? 28 : 27));
    // A signature over the hex string of the hash instead of its 32 raw bytes.
    await refuse(t, 'invalid signature over ticket hash', await sender.signMessage({ message: t.hash }));
    await redeem(t); // the genuine signature still works
  });

  test('high-s twin of a valid signature: "ECDSA: invalid signature \'s\' value"', async () => {
    const t = await makeTicket(env, sender, recipient);
    await refuse(t, "ECDSA: invalid signature 's' value", highS(t.sig));
  });

  test('64-byte (EIP-2098) and 66-byte signatures: "INVALID_SIGNATURE_LENGTH"', async () => {
    const t = await makeTicket(env, sender, recipient);
    const short = compact(t.sig);
    assert.equal(short.length, 2 + 128);
    // The compact form would be a second, different lottery draw: that is why it must be refused.
    assert.notEqual(
      keccak256(concatHex([short, numberToHex(t.rand, { size: 32 })])),
      keccak256(concatHex([t.sig, numberToHex(t.rand, { size: 32 })])),
    );
    await refuse(t, 'INVALID_SIGNATURE_LENGTH', short);
    await refuse(t, 'INVALID_SIGNATURE_LENGTH', concatHex([t.sig, '0x00']));
    await refuse(t, 'INVALID_SIGNATURE_LENGTH', '0x');
  });

  test('v outside {27, 28}: "ECDSA: invalid signature"', async () => {
    const t = await makeTicket(env, sender, recipient);
    const v = Number.parseInt(t.sig.slice(-2), 16);
    for (const bad of [v - 27, 29, 0xff]) await refuse(t, 'ECDSA: invalid signature', withV(t.sig, bad));
  });

  test('a non-winning ticket: "ticket did not win"; the draw is strict keccak(sig ‖ rand) < winProb', async () => {
    await refuse(await makeTicket(env, sender, recipient, { winProb: 0n }), 'ticket did not win');
    // At winProb = 2^255, find one losing and one winning ticket (each side has probability ½).
    const half = 1n << 255n;
    let lost: SignedTicket | undefined;
    let won: SignedTicket | undefined;
    for (let nonce = 100n; nonce < 164n && (!lost || !won); nonce++) {
      const t = await makeTicket(env, sender, recipient, { winProb: half, nonce });
      if (wins(t.sig, t.rand, half)) won ??= t;
      else lost ??= t;
    }
    assert.ok(lost && won, 'a fair coin gave 64 equal results');
    await refuse(lost, 'ticket did not win');
    await redeem(won);
  });

  test('a sender with neither deposit nor reserve', async () => {
    const poor = await env.newAccount();
    await refuse(await makeTicket(env, poor, recipient), 'sender deposit and reserve are zero');
  });

  test('paused system: "system is paused"; uninitialised round: "current round is not initialized"', async () => {
    const t = await makeTicket(env, sender, recipient);
    const batch = [[t.ticket], [t.sig], [t.rand]] as const;
    await env.send(env.owner, env.addr.controller, abis.controller, 'pause');
    try {
      await refuse(t, 'system is paused');
      await env.brokerRevert(redeemer, 'batchRedeemWinningTickets', batch, 'system is paused');
    } finally {
      await env.send(env.owner, env.addr.controller, abis.controller, 'unpause');
    }
    // Mine into the next round without initialising it.
    const roundLength = await env.rounds<bigint>('roundLength');
    const round = await env.rounds<bigint>('currentRound');
    await env.devnet.mine(Number(roundLength));
    assert.equal(await env.rounds<bigint>('currentRound'), round + 1n);
    assert.equal(await env.rounds<boolean>('currentRoundInitialized'), false);
    await refuse(t, 'current round is not initialized');
    await env.brokerRevert(redeemer, 'batchRedeemWinningTickets', batch, 'current round is not initialized');
  });
});
